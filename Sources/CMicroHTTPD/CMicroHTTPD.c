// Typed wrappers over the system libmicrohttpd, loaded with dlopen at first use (see include/CMicroHTTPD.h).
#include "CMicroHTTPD.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

const char *const cmhd_library_name = "libmicrohttpd.so.12";

// The entry points used, with their prototypes from <microhttpd.h> (variadic ones called through a variadic type).
typedef struct MHD_Daemon *(*start_daemon_fn)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                              MHD_AccessHandlerCallback, void *, ...);
typedef void (*stop_daemon_fn)(struct MHD_Daemon *);
typedef const union MHD_DaemonInfo *(*get_daemon_info_fn)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
typedef const char *(*lookup_value_fn)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
typedef struct MHD_Response *(*create_response_fn)(size_t, const void *, MHD_ContentReaderFreeCallback, void *);
typedef enum MHD_Result (*add_header_fn)(struct MHD_Response *, const char *, const char *);
typedef enum MHD_Result (*queue_response_fn)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
typedef void (*destroy_response_fn)(struct MHD_Response *);

static struct {
    start_daemon_fn start_daemon;
    stop_daemon_fn stop_daemon;
    get_daemon_info_fn get_daemon_info;
    lookup_value_fn lookup_value;
    create_response_fn create_response;
    add_header_fn add_header;
    queue_response_fn queue_response;
    destroy_response_fn destroy_response;
} mhd;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[256];
static int load_result = -1;

static void *symbol(void *library, const char *name) {
    void *address = dlsym(library, name);
    if (address == NULL && load_error[0] == '\0') {
        snprintf(load_error, sizeof load_error, "%s has no symbol %s (version 0.9.73 or later is needed)",
                 cmhd_library_name, name);
    }
    return address;
}

static void load_library(void) {
    // RTLD_LOCAL: its symbols serve only these wrappers. RTLD_NOW: a missing symbol fails here, not mid-request.
    void *library = dlopen(cmhd_library_name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason != NULL ? reason : cmhd_library_name);
        return;
    }
    mhd.start_daemon = (start_daemon_fn)symbol(library, "MHD_start_daemon");
    mhd.stop_daemon = (stop_daemon_fn)symbol(library, "MHD_stop_daemon");
    mhd.get_daemon_info = (get_daemon_info_fn)symbol(library, "MHD_get_daemon_info");
    mhd.lookup_value = (lookup_value_fn)symbol(library, "MHD_lookup_connection_value");
    mhd.create_response = (create_response_fn)symbol(library, "MHD_create_response_from_buffer_with_free_callback_cls");
    mhd.add_header = (add_header_fn)symbol(library, "MHD_add_response_header");
    mhd.queue_response = (queue_response_fn)symbol(library, "MHD_queue_response");
    mhd.destroy_response = (destroy_response_fn)symbol(library, "MHD_destroy_response");
    if (load_error[0] != '\0') {
        dlclose(library);
        memset(&mhd, 0, sizeof mhd);
        return;
    }
    load_result = 0;
}

int cmhd_load(char *error, size_t error_size) {
    pthread_once(&load_once, load_library);
    if (load_result != 0 && error != NULL && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return load_result;
}

// The handler and its context, handed to libmicrohttpd as the access handler's closure.
struct handler_binding {
    cmhd_request_handler handler;
    void *context;
};

static enum MHD_Result access_handler(void *closure, struct MHD_Connection *connection, const char *url,
                                      const char *method, const char *version, const char *upload_data,
                                      size_t *upload_data_size, void **request_state) {
    (void)version;
    (void)upload_data;
    (void)request_state;
    // Answered on the first call, when the headers are in: every answer is decided by the method, the path and the
    // Authorization header. A request body is never read (GET has none; other methods are refused), so any
    // upload data is dropped and libmicrohttpd closes the connection after the answer.
    if (upload_data_size != NULL) *upload_data_size = 0;
    struct handler_binding *binding = closure;
    const char *authorization = mhd.lookup_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    int result = binding->handler(binding->context, (cmhd_connection *)connection, method, url, authorization);
    return result ? MHD_YES : MHD_NO;
}

// A running daemon and the binding it points to (freed together).
struct cmhd_daemon {
    struct MHD_Daemon *daemon;
    struct handler_binding binding;
};

cmhd_daemon *cmhd_start(uint32_t loopback_address, uint16_t port, const cmhd_limits *limits,
                        cmhd_request_handler handler, void *context, uint16_t *bound_port) {
    if (load_result != 0 || limits == NULL || handler == NULL) return NULL;
    cmhd_daemon *result = calloc(1, sizeof *result);
    if (result == NULL) return NULL;
    result->binding.handler = handler;
    result->binding.context = context;

    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = loopback_address;
    address.sin_port = htons(port);

    // The option array form, so that the variadic call below has a fixed shape.
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &address},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)limits->connections, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)limits->connections_per_address, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)limits->request_bytes, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)limits->idle_seconds, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    // No MHD_USE_ERROR_LOG: libmicrohttpd never writes to our stderr (the command's output is the user's).
    // A thread per connection (at most `connections` of them): a request waiting for a slow provider (a
    // credential_process, an STS call) holds up no other connection, as it would in a pool thread's event loop.
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    result->daemon = mhd.start_daemon(flags, port, NULL, NULL, access_handler, &result->binding,
                                      MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    if (result->daemon == NULL) {
        free(result);
        return NULL;
    }
    const union MHD_DaemonInfo *info = mhd.get_daemon_info(result->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_in bound;
    socklen_t length = sizeof bound;
    if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&bound, &length) != 0 ||
        bound.sin_family != AF_INET) {
        mhd.stop_daemon(result->daemon);
        free(result);
        return NULL;
    }
    if (bound_port != NULL) *bound_port = ntohs(bound.sin_port);
    return result;
}

void cmhd_stop(cmhd_daemon *daemon) {
    if (daemon == NULL) return;
    mhd.stop_daemon(daemon->daemon);
    free(daemon);
}

// A response body: its length, then its bytes; wiped before it is freed.
struct wiped_body {
    size_t length;
    unsigned char bytes[];
};

static void wipe_and_free(void *closure) {
    struct wiped_body *body = closure;
    if (body == NULL) return;
    explicit_bzero(body->bytes, body->length);
    free(body);
}

int cmhd_respond(cmhd_connection *connection, unsigned int status, const void *body, size_t length,
                 const char *content_type, int close_connection) {
    struct wiped_body *copy = malloc(sizeof *copy + (length > 0 ? length : 1));
    if (copy == NULL) return 0;
    copy->length = length;
    if (length > 0) memcpy(copy->bytes, body, length);
    struct MHD_Response *response = mhd.create_response(length, copy->bytes, wipe_and_free, copy);
    if (response == NULL) {
        wipe_and_free(copy);
        return 0;
    }
    int ok = mhd.add_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES &&
             mhd.add_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
             (!close_connection || mhd.add_header(response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES);
    int queued = ok && mhd.queue_response((struct MHD_Connection *)connection, status, response) == MHD_YES;
    mhd.destroy_response(response);  // reference counted: freed (and wiped) once sent
    return queued;
}
