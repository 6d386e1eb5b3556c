// CCurl: the system libcurl (Debian libcurl4, OpenSSL flavour), loaded with dlopen at first use.
//
// credstore does not link libcurl: a command that never sends a request must not map it (nor the ~30 libraries it
// pulls in). This header gives Swift libcurl's types and constants (from <curl/curl.h>) and typed, non-variadic
// wrappers: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call, and a wrong argument type
// through `...` is undefined behaviour. Call ccurl_load() first; every other function needs it to have succeeded.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>
#include <stddef.h>

/// The soname loaded, and the Debian package that holds it (for messages).
#define CCURL_LIBRARY "libcurl.so.4"
#define CCURL_PACKAGE "libcurl4"

/// Loads libcurl once per process (thread-safe; RTLD_NOW | RTLD_LOCAL), resolves every symbol below and runs
/// curl_global_init. Returns NULL when libcurl is usable, else a message naming the library and the Debian package
/// (static storage, the same on every later call).
const char *ccurl_load(void);

/// The read callback type of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);

/// curl_easy_setopt for options taking a long (CURLOPTTYPE_LONG, CURLOPTTYPE_VALUES).
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
/// curl_easy_setopt for options taking a pointer: strings (copied by libcurl), an slist, a context pointer, or
/// CURLOPT_POSTFIELDS (not copied: it must stay valid until the transfer ends).
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
/// curl_easy_setopt for options taking a curl_off_t (CURLOPTTYPE_OFF_T).
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// curl_easy_setopt for CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
CURLcode ccurl_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);

/// curl_easy_getinfo for CURLINFO_LONG values.
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// curl_easy_getinfo for CURLINFO_OFF_T values.
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
/// curl_easy_getinfo for CURLINFO_STRING values (owned by the handle).
CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string);
void ccurl_slist_free_all(struct curl_slist *list);

/// The loaded library's version text (e.g. "7.88.1") and TLS backend (e.g. "OpenSSL/3.0.17"); NULL before loading.
const char *ccurl_version(void);
const char *ccurl_ssl_version(void);
/// The loaded library's version as 0xXXYYZZ.
unsigned int ccurl_version_number(void);

#endif
