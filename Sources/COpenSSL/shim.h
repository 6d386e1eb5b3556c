// The slice of the system libcrypto (OpenSSL 3) that SecureStore uses. Only SecureStore's *OpenSSL*.swift files
// import this module.
#ifndef CREDSTORE_COPENSSL_SHIM_H
#define CREDSTORE_COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/opensslv.h>

#endif
