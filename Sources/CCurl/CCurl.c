// See CCurl.h: libcurl through dlopen, with typed wrappers around its variadic functions.
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CURL *(*p_easy_init)(void);
static void (*p_easy_cleanup)(CURL *);
static CURLcode (*p_easy_perform)(CURL *);
static const char *(*p_easy_strerror)(CURLcode);
static CURLcode (*p_easy_setopt)(CURL *, CURLoption, ...);
static CURLcode (*p_easy_getinfo)(CURL *, CURLINFO, ...);
static struct curl_slist *(*p_slist_append)(struct curl_slist *, const char *);
static void (*p_slist_free_all)(struct curl_slist *);
static CURLcode (*p_global_init)(long);
static curl_version_info_data *(*p_version_info)(CURLversion);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_message[512];
static curl_version_info_data *version_info;

static void load(void) {
    // libcurl with OpenSSL writes the TLS secrets of every connection to the file SSLKEYLOGFILE names (opened in
    // curl_global_init): anyone holding that file and a capture could read the session credentials STS returns. A
    // security tool does not honour a debugging switch silently, so libcurl is not loaded at all.
    const char *keylog = getenv("SSLKEYLOGFILE");
    if (keylog != NULL && keylog[0] != '\0') {
        snprintf(load_message, sizeof load_message,
                 "the system HTTP library %s was not loaded: SSLKEYLOGFILE is set, and libcurl would write the TLS "
                 "session keys of every connection to that file", CCURL_LIBRARY);
        load_error = load_message;
        return;
    }
    // RTLD_LOCAL: libcurl's symbols (and those of the libraries it pulls in) do not join the global namespace.
    // The handle is never closed: libcurl keeps global state, and unloading it would leave dangling callbacks.
    void *library = dlopen(CCURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_message, sizeof load_message,
                 "the system HTTP library %s (Debian package %s) could not be loaded: %s",
                 CCURL_LIBRARY, CCURL_PACKAGE, reason ? reason : "unknown reason");
        load_error = load_message;
        return;
    }
#define RESOLVE(pointer, name)                                                                                   \
    do {                                                                                                         \
        *(void **)(&pointer) = dlsym(library, name);                                                             \
        if (pointer == NULL) {                                                                                   \
            snprintf(load_message, sizeof load_message,                                                          \
                     "the system HTTP library %s (Debian package %s) lacks the function %s: it is too old or "   \
                     "not libcurl", CCURL_LIBRARY, CCURL_PACKAGE, name);                                         \
            load_error = load_message;                                                                           \
            return;                                                                                              \
        }                                                                                                        \
    } while (0)
    RESOLVE(p_easy_init, "curl_easy_init");
    RESOLVE(p_easy_cleanup, "curl_easy_cleanup");
    RESOLVE(p_easy_perform, "curl_easy_perform");
    RESOLVE(p_easy_strerror, "curl_easy_strerror");
    RESOLVE(p_easy_setopt, "curl_easy_setopt");
    RESOLVE(p_easy_getinfo, "curl_easy_getinfo");
    RESOLVE(p_slist_append, "curl_slist_append");
    RESOLVE(p_slist_free_all, "curl_slist_free_all");
    RESOLVE(p_global_init, "curl_global_init");
    RESOLVE(p_version_info, "curl_version_info");
#undef RESOLVE
    version_info = p_version_info(CURLVERSION_NOW);
    if (version_info == NULL || !(version_info->features & CURL_VERSION_SSL)) {
        snprintf(load_message, sizeof load_message,
                 "the system HTTP library %s (Debian package %s) was built without TLS support",
                 CCURL_LIBRARY, CCURL_PACKAGE);
        load_error = load_message;
        return;
    }
    // Once, before any handle exists and under pthread_once: curl_global_init is not thread-safe on every build.
    CURLcode code = p_global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(load_message, sizeof load_message,
                 "the system HTTP library %s (Debian package %s) failed to initialise: %s",
                 CCURL_LIBRARY, CCURL_PACKAGE, p_easy_strerror(code));
        load_error = load_message;
        return;
    }
}

const char *ccurl_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

CURL *ccurl_easy_init(void) { return p_easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { p_easy_cleanup(handle); }
CURLcode ccurl_easy_perform(CURL *handle) { return p_easy_perform(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return p_easy_strerror(code); }

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return p_easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return p_easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return p_easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return p_easy_setopt(handle, option, callback);
}

CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return p_easy_getinfo(handle, info, value);
}

CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return p_easy_getinfo(handle, info, value);
}

CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return p_easy_getinfo(handle, info, value);
}

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string) {
    return p_slist_append(list, string);
}

void ccurl_slist_free_all(struct curl_slist *list) { p_slist_free_all(list); }

const char *ccurl_version(void) { return version_info ? version_info->version : NULL; }
const char *ccurl_ssl_version(void) { return version_info ? version_info->ssl_version : NULL; }
unsigned int ccurl_version_number(void) { return version_info ? version_info->version_num : 0; }
