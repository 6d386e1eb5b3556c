// CTSS2: the tss2 C library (tpm2-tss: libtss2-esys, libtss2-tctildr, libtss2-mu) as credstore's TPM2 module needs
// it, without linking it. The headers give the types; the functions are looked up with dlopen/dlsym the first time
// `ctss2_load` is called (the way systemd does), so a process that never talks to a TPM never maps the libraries.
#ifndef CTSS2_H
#define CTSS2_H

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_common.h>
#include <tss2/tss2_tpm2_types.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

/// Loads libtss2-esys.so.0, libtss2-tctildr.so.0 and libtss2-mu.so.0 and resolves every function below; safe to call
/// again (and from several threads: the first call does the work). Returns 0, or -1 with a message naming the library
/// that did not load and the Debian package that holds it written into `message` (NUL-terminated).
int ctss2_load(char *message, size_t size);

// Each wrapper calls the function of the same name (without `ctss2_`); call `ctss2_load` first. The finalizers and
// `ctss2_Esys_Free` are safe to call in any case (they do nothing for NULL or when the libraries did not load).
TSS2_RC ctss2_TctiLdr_Initialize(const char *conf, TSS2_TCTI_CONTEXT **tcti);
void ctss2_TctiLdr_Finalize(TSS2_TCTI_CONTEXT **tcti);
TSS2_RC ctss2_Esys_Initialize(ESYS_CONTEXT **context, TSS2_TCTI_CONTEXT *tcti);
void ctss2_Esys_Finalize(ESYS_CONTEXT **context);
void ctss2_Esys_Free(void *pointer);
TSS2_RC ctss2_Esys_FlushContext(ESYS_CONTEXT *context, ESYS_TR handle);
TSS2_RC ctss2_Esys_TRSess_SetAttributes(ESYS_CONTEXT *context, ESYS_TR session, TPMA_SESSION flags,
                                        TPMA_SESSION mask);
TSS2_RC ctss2_Esys_CreatePrimarySRK(ESYS_CONTEXT *context, ESYS_TR *primary);
TSS2_RC ctss2_Esys_StartAuthSession(ESYS_CONTEXT *context, ESYS_TR tpmKey, TPM2_SE type, ESYS_TR *session);
TSS2_RC ctss2_Esys_PolicyPCR(ESYS_CONTEXT *context, ESYS_TR session, uint32_t pcrMask);
TSS2_RC ctss2_Esys_PolicyGetDigest(ESYS_CONTEXT *context, ESYS_TR session, TPM2B_DIGEST **digest);
TSS2_RC ctss2_Esys_PCR_Read(ESYS_CONTEXT *context, uint32_t pcrMask, TPML_PCR_SELECTION **selectionOut,
                            TPML_DIGEST **values);
/// Esys_Create of a keyed-hash data object holding `data` (at most 128 bytes) under `parent`, with `policy` as its
/// authPolicy (userWithAuth set only when the policy is empty: then the empty auth value opens it). `data` is copied
/// into a stack buffer that is wiped before return.
TSS2_RC ctss2_Esys_CreateSealed(ESYS_CONTEXT *context, ESYS_TR parent, ESYS_TR session, const uint8_t *data,
                                size_t dataSize, const uint8_t *policy, size_t policySize,
                                TPM2B_PRIVATE **outPrivate, TPM2B_PUBLIC **outPublic);
TSS2_RC ctss2_Esys_Load(ESYS_CONTEXT *context, ESYS_TR parent, ESYS_TR session, const TPM2B_PRIVATE *inPrivate,
                        const TPM2B_PUBLIC *inPublic, ESYS_TR *object);
TSS2_RC ctss2_Esys_Unseal(ESYS_CONTEXT *context, ESYS_TR object, ESYS_TR session, TPM2B_SENSITIVE_DATA **data);
TSS2_RC ctss2_MU_TPM2B_PUBLIC_Marshal(const TPM2B_PUBLIC *src, uint8_t *buffer, size_t size, size_t *offset);
TSS2_RC ctss2_MU_TPM2B_PUBLIC_Unmarshal(const uint8_t *buffer, size_t size, size_t *offset, TPM2B_PUBLIC *dest);
TSS2_RC ctss2_MU_TPM2B_PRIVATE_Marshal(const TPM2B_PRIVATE *src, uint8_t *buffer, size_t size, size_t *offset);
TSS2_RC ctss2_MU_TPM2B_PRIVATE_Unmarshal(const uint8_t *buffer, size_t size, size_t *offset, TPM2B_PRIVATE *dest);

/// Wipes `size` bytes at `pointer` in a way the compiler keeps, then frees it with Esys_Free (for unsealed data).
void ctss2_wipe_and_free(void *pointer, size_t size);

// Constants whose tss2 macros carry casts (Swift does not import those).
enum {
    CTSS2_ESYS_TR_NONE = 0xfff,
    CTSS2_ESYS_TR_PASSWORD = 0x0ff,
    CTSS2_ESYS_TR_RH_OWNER = 0x001,
    CTSS2_SE_HMAC = 0x00,
    CTSS2_SE_POLICY = 0x01,
    CTSS2_SE_TRIAL = 0x03,
    CTSS2_SESSION_CONTINUE = 0x01,
    CTSS2_SESSION_DECRYPT = 0x20,
    CTSS2_SESSION_ENCRYPT = 0x40,
};

#endif
