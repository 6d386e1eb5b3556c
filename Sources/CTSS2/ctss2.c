// dlopen/dlsym of the tss2 libraries, and the wrappers CTSS2.h declares. See CTSS2.h for why nothing links them.
#include "CTSS2.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

static struct {
    TSS2_RC (*tctiInitialize)(const char *, TSS2_TCTI_CONTEXT **);
    void (*tctiFinalize)(TSS2_TCTI_CONTEXT **);
    TSS2_RC (*initialize)(ESYS_CONTEXT **, TSS2_TCTI_CONTEXT *, TSS2_ABI_VERSION *);
    void (*finalize)(ESYS_CONTEXT **);
    void (*free)(void *);
    TSS2_RC (*flushContext)(ESYS_CONTEXT *, ESYS_TR);
    TSS2_RC (*setAttributes)(ESYS_CONTEXT *, ESYS_TR, TPMA_SESSION, TPMA_SESSION);
    TSS2_RC (*createPrimary)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_SENSITIVE_CREATE *,
                             const TPM2B_PUBLIC *, const TPM2B_DATA *, const TPML_PCR_SELECTION *, ESYS_TR *,
                             TPM2B_PUBLIC **, TPM2B_CREATION_DATA **, TPM2B_DIGEST **, TPMT_TK_CREATION **);
    TSS2_RC (*startAuthSession)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_NONCE *,
                                TPM2_SE, const TPMT_SYM_DEF *, TPMI_ALG_HASH, ESYS_TR *);
    TSS2_RC (*policyPCR)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_DIGEST *,
                         const TPML_PCR_SELECTION *);
    TSS2_RC (*policyGetDigest)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, TPM2B_DIGEST **);
    TSS2_RC (*pcrRead)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, const TPML_PCR_SELECTION *, UINT32 *,
                       TPML_PCR_SELECTION **, TPML_DIGEST **);
    TSS2_RC (*create)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_SENSITIVE_CREATE *,
                      const TPM2B_PUBLIC *, const TPM2B_DATA *, const TPML_PCR_SELECTION *, TPM2B_PRIVATE **,
                      TPM2B_PUBLIC **, TPM2B_CREATION_DATA **, TPM2B_DIGEST **, TPMT_TK_CREATION **);
    TSS2_RC (*load)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_PRIVATE *, const TPM2B_PUBLIC *,
                    ESYS_TR *);
    TSS2_RC (*unseal)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, TPM2B_SENSITIVE_DATA **);
    TSS2_RC (*publicMarshal)(const TPM2B_PUBLIC *, uint8_t *, size_t, size_t *);
    TSS2_RC (*publicUnmarshal)(const uint8_t *, size_t, size_t *, TPM2B_PUBLIC *);
    TSS2_RC (*privateMarshal)(const TPM2B_PRIVATE *, uint8_t *, size_t, size_t *);
    TSS2_RC (*privateUnmarshal)(const uint8_t *, size_t, size_t *, TPM2B_PRIVATE *);
} api;

static pthread_once_t loadOnce = PTHREAD_ONCE_INIT;
static char loadError[512];

static void *openLibrary(const char *soname, const char *package) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL && loadError[0] == 0) {
        const char *reason = dlerror();
        snprintf(loadError, sizeof loadError, "cannot load %s (Debian package %s): %s", soname, package,
                 reason ? reason : "unknown error");
    }
    return handle;
}

static void *symbol(void *library, const char *name, const char *soname) {
    if (library == NULL) return NULL;
    void *address = dlsym(library, name);
    if (address == NULL && loadError[0] == 0) {
        snprintf(loadError, sizeof loadError, "%s has no function %s (tpm2-tss 3.x or later is needed)", soname,
                 name);
    }
    return address;
}

#define RESOLVE(field, library, soname, name) *(void **)(&api.field) = symbol(library, name, soname)

static void loadLibraries(void) {
    // tss2 logs warnings to stderr unless told otherwise; credstore reports TPM failures itself. A TSS2_LOG the user
    // set (to debug) is kept.
    setenv("TSS2_LOG", "all+NONE", 0);
    const char *esysName = "libtss2-esys.so.0", *ldrName = "libtss2-tctildr.so.0", *muName = "libtss2-mu.so.0";
    void *esys = openLibrary(esysName, "libtss2-esys-3.0.2-0");
    void *ldr = openLibrary(ldrName, "libtss2-tctildr0");
    void *mu = openLibrary(muName, "libtss2-mu0");
    RESOLVE(tctiInitialize, ldr, ldrName, "Tss2_TctiLdr_Initialize");
    RESOLVE(tctiFinalize, ldr, ldrName, "Tss2_TctiLdr_Finalize");
    RESOLVE(initialize, esys, esysName, "Esys_Initialize");
    RESOLVE(finalize, esys, esysName, "Esys_Finalize");
    RESOLVE(free, esys, esysName, "Esys_Free");
    RESOLVE(flushContext, esys, esysName, "Esys_FlushContext");
    RESOLVE(setAttributes, esys, esysName, "Esys_TRSess_SetAttributes");
    RESOLVE(createPrimary, esys, esysName, "Esys_CreatePrimary");
    RESOLVE(startAuthSession, esys, esysName, "Esys_StartAuthSession");
    RESOLVE(policyPCR, esys, esysName, "Esys_PolicyPCR");
    RESOLVE(policyGetDigest, esys, esysName, "Esys_PolicyGetDigest");
    RESOLVE(pcrRead, esys, esysName, "Esys_PCR_Read");
    RESOLVE(create, esys, esysName, "Esys_Create");
    RESOLVE(load, esys, esysName, "Esys_Load");
    RESOLVE(unseal, esys, esysName, "Esys_Unseal");
    RESOLVE(publicMarshal, mu, muName, "Tss2_MU_TPM2B_PUBLIC_Marshal");
    RESOLVE(publicUnmarshal, mu, muName, "Tss2_MU_TPM2B_PUBLIC_Unmarshal");
    RESOLVE(privateMarshal, mu, muName, "Tss2_MU_TPM2B_PRIVATE_Marshal");
    RESOLVE(privateUnmarshal, mu, muName, "Tss2_MU_TPM2B_PRIVATE_Unmarshal");
}

int ctss2_load(char *message, size_t size) {
    pthread_once(&loadOnce, loadLibraries);
    if (loadError[0] == 0) return 0;
    if (size > 0) snprintf(message, size, "%s", loadError);
    return -1;
}

TSS2_RC ctss2_TctiLdr_Initialize(const char *conf, TSS2_TCTI_CONTEXT **tcti) { return api.tctiInitialize(conf, tcti); }

// The finalizers and Esys_Free do nothing when the libraries never loaded or there is nothing to release, so a
// connection that failed half-way can always be closed.
void ctss2_TctiLdr_Finalize(TSS2_TCTI_CONTEXT **tcti) {
    if (api.tctiFinalize != NULL && tcti != NULL && *tcti != NULL) api.tctiFinalize(tcti);
}

TSS2_RC ctss2_Esys_Initialize(ESYS_CONTEXT **context, TSS2_TCTI_CONTEXT *tcti) {
    return api.initialize(context, tcti, NULL);
}

void ctss2_Esys_Finalize(ESYS_CONTEXT **context) {
    if (api.finalize != NULL && context != NULL && *context != NULL) api.finalize(context);
}

void ctss2_Esys_Free(void *pointer) {
    if (api.free != NULL && pointer != NULL) api.free(pointer);
}

TSS2_RC ctss2_Esys_FlushContext(ESYS_CONTEXT *context, ESYS_TR handle) { return api.flushContext(context, handle); }

TSS2_RC ctss2_Esys_TRSess_SetAttributes(ESYS_CONTEXT *context, ESYS_TR session, TPMA_SESSION flags,
                                        TPMA_SESSION mask) {
    return api.setAttributes(context, session, flags, mask);
}

// The storage root key template of the TCG's TPM v2.0 Provisioning Guidance (ECC NIST P-256, AES-128-CFB, the
// attributes below, empty unique), as systemd uses it: the same template gives the same key on the same TPM, so the
// SRK is made again (transient) each time instead of being kept in the TPM's NV memory.
TSS2_RC ctss2_Esys_CreatePrimarySRK(ESYS_CONTEXT *context, ESYS_TR *primary) {
    TPM2B_SENSITIVE_CREATE sensitive = {0};
    TPM2B_PUBLIC template = {0};
    template.publicArea.type = TPM2_ALG_ECC;
    template.publicArea.nameAlg = TPM2_ALG_SHA256;
    template.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
        TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
        TPMA_OBJECT_DECRYPT;
    template.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
    template.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
    template.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    template.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    template.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    template.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    TPML_PCR_SELECTION creationPCR = {0};
    return api.createPrimary(context, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                             &template, NULL, &creationPCR, primary, NULL, NULL, NULL, NULL);
}

// A session salted with `tpmKey` (the SRK), so its parameter encryption (AES-128-CFB) keeps the sealed key off the
// bus in clear; `tpmKey` ESYS_TR_NONE makes an unsalted one (trial sessions).
TSS2_RC ctss2_Esys_StartAuthSession(ESYS_CONTEXT *context, ESYS_TR tpmKey, TPM2_SE type, ESYS_TR *session) {
    TPMT_SYM_DEF symmetric = {.algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB};
    return api.startAuthSession(context, tpmKey, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, type,
                                &symmetric, TPM2_ALG_SHA256, session);
}

static void pcrSelection(TPML_PCR_SELECTION *selection, uint32_t mask) {
    memset(selection, 0, sizeof *selection);
    selection->count = 1;
    selection->pcrSelections[0].hash = TPM2_ALG_SHA256;
    selection->pcrSelections[0].sizeofSelect = 3;
    selection->pcrSelections[0].pcrSelect[0] = mask & 0xff;
    selection->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
    selection->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

TSS2_RC ctss2_Esys_PolicyPCR(ESYS_CONTEXT *context, ESYS_TR session, uint32_t pcrMask) {
    TPML_PCR_SELECTION selection;
    pcrSelection(&selection, pcrMask);
    TPM2B_DIGEST empty = {0};  // the TPM uses the PCRs' current values
    return api.policyPCR(context, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &selection);
}

TSS2_RC ctss2_Esys_PolicyGetDigest(ESYS_CONTEXT *context, ESYS_TR session, TPM2B_DIGEST **digest) {
    return api.policyGetDigest(context, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, digest);
}

TSS2_RC ctss2_Esys_PCR_Read(ESYS_CONTEXT *context, uint32_t pcrMask, TPML_PCR_SELECTION **selectionOut,
                            TPML_DIGEST **values) {
    TPML_PCR_SELECTION selection;
    pcrSelection(&selection, pcrMask);
    return api.pcrRead(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &selection, NULL, selectionOut, values);
}

TSS2_RC ctss2_Esys_CreateSealed(ESYS_CONTEXT *context, ESYS_TR parent, ESYS_TR session, const uint8_t *data,
                                size_t dataSize, const uint8_t *policy, size_t policySize,
                                TPM2B_PRIVATE **outPrivate, TPM2B_PUBLIC **outPublic) {
    if (dataSize > 128 || policySize > sizeof(((TPM2B_DIGEST *)0)->buffer)) return TSS2_ESYS_RC_BAD_VALUE;
    TPM2B_SENSITIVE_CREATE sensitive = {0};
    sensitive.sensitive.data.size = (UINT16)dataSize;
    memcpy(sensitive.sensitive.data.buffer, data, dataSize);
    TPM2B_PUBLIC template = {0};
    template.publicArea.type = TPM2_ALG_KEYEDHASH;
    template.publicArea.nameAlg = TPM2_ALG_SHA256;
    template.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
        (policySize == 0 ? TPMA_OBJECT_USERWITHAUTH : 0);
    template.publicArea.authPolicy.size = (UINT16)policySize;
    if (policySize > 0) memcpy(template.publicArea.authPolicy.buffer, policy, policySize);
    template.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
    TPML_PCR_SELECTION creationPCR = {0};
    TSS2_RC rc = api.create(context, parent, session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &template, NULL,
                            &creationPCR, outPrivate, outPublic, NULL, NULL, NULL);
    explicit_bzero(&sensitive, sizeof sensitive);
    return rc;
}

TSS2_RC ctss2_Esys_Load(ESYS_CONTEXT *context, ESYS_TR parent, ESYS_TR session, const TPM2B_PRIVATE *inPrivate,
                        const TPM2B_PUBLIC *inPublic, ESYS_TR *object) {
    return api.load(context, parent, session, ESYS_TR_NONE, ESYS_TR_NONE, inPrivate, inPublic, object);
}

TSS2_RC ctss2_Esys_Unseal(ESYS_CONTEXT *context, ESYS_TR object, ESYS_TR session, TPM2B_SENSITIVE_DATA **data) {
    return api.unseal(context, object, session, ESYS_TR_NONE, ESYS_TR_NONE, data);
}

TSS2_RC ctss2_MU_TPM2B_PUBLIC_Marshal(const TPM2B_PUBLIC *src, uint8_t *buffer, size_t size, size_t *offset) {
    return api.publicMarshal(src, buffer, size, offset);
}

TSS2_RC ctss2_MU_TPM2B_PUBLIC_Unmarshal(const uint8_t *buffer, size_t size, size_t *offset, TPM2B_PUBLIC *dest) {
    return api.publicUnmarshal(buffer, size, offset, dest);
}

TSS2_RC ctss2_MU_TPM2B_PRIVATE_Marshal(const TPM2B_PRIVATE *src, uint8_t *buffer, size_t size, size_t *offset) {
    return api.privateMarshal(src, buffer, size, offset);
}

TSS2_RC ctss2_MU_TPM2B_PRIVATE_Unmarshal(const uint8_t *buffer, size_t size, size_t *offset, TPM2B_PRIVATE *dest) {
    return api.privateUnmarshal(buffer, size, offset, dest);
}

void ctss2_wipe_and_free(void *pointer, size_t size) {
    if (pointer == NULL) return;
    explicit_bzero(pointer, size);
    ctss2_Esys_Free(pointer);
}
