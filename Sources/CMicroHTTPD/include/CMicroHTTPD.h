// CMicroHTTPD: the system GNU libmicrohttpd (libmicrohttpd.so.12), loaded with dlopen at first use.
//
// Nothing links the library: `cmhd_load` maps it the first time a server starts, so a credstore command that serves
// nothing never has it in its address space. Every function of libmicrohttpd that credstore calls has a typed,
// non-variadic wrapper here (Swift cannot call C variadics such as MHD_start_daemon); the header names no type of
// <microhttpd.h>, so compiling against it needs the -dev package only for the .c file.
#ifndef CMICROHTTPD_H
#define CMICROHTTPD_H

#include <stddef.h>
#include <stdint.h>

/// An opaque running daemon (struct MHD_Daemon).
typedef struct cmhd_daemon cmhd_daemon;
/// An opaque connection (struct MHD_Connection), valid only during the request callback.
typedef struct cmhd_connection cmhd_connection;

/// Called once per request, on one of the daemon's threads, with the method, the path (without the query string) and
/// the Authorization header (NULL when absent). It must answer with exactly one `cmhd_respond` and return its
/// result (1 to keep serving the connection, 0 to close it).
typedef int (*cmhd_request_handler)(void *context, cmhd_connection *connection, const char *method,
                                    const char *path, const char *authorization);

/// Limits of a daemon, all enforced by libmicrohttpd itself.
typedef struct cmhd_limits {
    /// Connections open at once, all clients together (MHD_OPTION_CONNECTION_LIMIT).
    unsigned int connections;
    /// Connections open at once from one address (MHD_OPTION_PER_IP_CONNECTION_LIMIT).
    unsigned int connections_per_address;
    /// Bytes of memory per connection for the request line and headers (MHD_OPTION_CONNECTION_MEMORY_LIMIT): a
    /// longer request is refused by libmicrohttpd before the handler sees it.
    size_t request_bytes;
    /// Seconds an idle connection is kept (MHD_OPTION_CONNECTION_TIMEOUT).
    unsigned int idle_seconds;
} cmhd_limits;

/// Maps libmicrohttpd.so.12 and looks up every symbol used, once per process (thread-safe). Returns 0 on success;
/// otherwise -1, and `error` (size `error_size`) holds dlerror's text or the missing symbol's name.
int cmhd_load(char *error, size_t error_size);

/// Starts a daemon listening on 127.0.0.1 (`loopback_address` in network byte order, normally INADDR_LOOPBACK) at
/// `port` (0 for one the kernel picks), with a thread per connection and the given limits; libmicrohttpd
/// writes no log. Returns NULL on failure (errno as libmicrohttpd left it). `*bound_port` receives the port.
cmhd_daemon *cmhd_start(uint32_t loopback_address, uint16_t port, const cmhd_limits *limits,
                        cmhd_request_handler handler, void *context, uint16_t *bound_port);

/// Stops accepting, closes the listening socket, ends every connection and joins the worker threads.
void cmhd_stop(cmhd_daemon *daemon);

/// Queues the answer to the current request: `status`, a body of `length` bytes copied from `body` (into memory that
/// is wiped before it is freed, since it may hold credentials), `Content-Type: content_type`, and
/// `Cache-Control: no-store`. With `close_connection`, the connection closes after this response. Returns 1 when
/// queued, 0 when not (the connection is then closed by libmicrohttpd).
int cmhd_respond(cmhd_connection *connection, unsigned int status, const void *body, size_t length,
                 const char *content_type, int close_connection);

/// The file name dlopen maps ("libmicrohttpd.so.12").
extern const char *const cmhd_library_name;

#endif
