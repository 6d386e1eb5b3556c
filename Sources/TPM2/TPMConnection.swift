import CTSS2
import Glibc

/// One conversation with a TPM through tss2-esys: the TCTI and ESYS contexts, and every transient object and session
/// made during it, flushed when the connection closes (a TPM without a resource manager, such as swtpm, keeps them
/// otherwise and soon runs out of slots).
final class TPMConnection {
    let tcti: String
    private var tctiContext: OpaquePointer?
    private(set) var context: OpaquePointer?
    private var transients: [ESYS_TR] = []

    /// Loads the libraries (first use only) and connects to the TPM at `tcti`.
    ///
    /// - Throws: `TPM2Error` `.libraryMissing` or `.noTPM`.
    init(tcti: String) throws {
        self.tcti = tcti
        try Self.loadLibraries(tcti: tcti)
        var tctiContext: OpaquePointer?
        let rc = ctss2_TctiLdr_Initialize(tcti, &tctiContext)
        guard rc == 0, let tctiContext else {
            throw Self.unreachable(tcti, ResponseCode(raw: rc))
        }
        self.tctiContext = tctiContext
        var context: OpaquePointer?
        let esysRC = ctss2_Esys_Initialize(&context, tctiContext)
        guard esysRC == 0, context != nil else {
            ctss2_TctiLdr_Finalize(&self.tctiContext)
            throw Self.unreachable(tcti, ResponseCode(raw: esysRC))
        }
        self.context = context
    }

    deinit {
        for handle in transients.reversed() { _ = ctss2_Esys_FlushContext(context, handle) }
        ctss2_Esys_Finalize(&context)
        ctss2_TctiLdr_Finalize(&tctiContext)
    }

    /// `ctss2_load`, turned into a `TPM2Error` naming the library and package.
    static func loadLibraries(tcti: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard ctss2_load(&message, message.count) == 0 else {
            throw TPM2Error(.libraryMissing, tcti: tcti, String(cString: message))
        }
    }

    /// Remembers `handle` to be flushed when the connection closes.
    func track(_ handle: ESYS_TR) {
        transients.append(handle)
    }

    /// Flushes `handle` now (and forgets it).
    func flush(_ handle: ESYS_TR) {
        guard let index = transients.lastIndex(of: handle) else { return }
        transients.remove(at: index)
        _ = ctss2_Esys_FlushContext(context, handle)
    }

    /// The storage root key, made again from the standard template (transient; flushed on close).
    func storageRootKey() throws -> ESYS_TR {
        var primary = ESYS_TR(CTSS2_ESYS_TR_NONE)
        try check(ctss2_Esys_CreatePrimarySRK(context, &primary), "creating the storage root key")
        track(primary)
        return primary
    }

    /// A new session of `type` (`CTSS2_SE_*`), salted with `tpmKey` unless it is `ESYS_TR_NONE`.
    func startSession(_ type: Int, saltedWith tpmKey: ESYS_TR, attributes: Int = 0) throws -> ESYS_TR {
        var session = ESYS_TR(CTSS2_ESYS_TR_NONE)
        try check(ctss2_Esys_StartAuthSession(context, tpmKey, TPM2_SE(type), &session), "starting a session")
        track(session)
        if attributes != 0 {
            let flags = TPMA_SESSION(attributes | Int(CTSS2_SESSION_CONTINUE))
            try check(ctss2_Esys_TRSess_SetAttributes(context, session, flags, 0xFF), "setting session attributes")
        }
        return session
    }

    /// The current SHA-256 values of `pcrs`, in the order given (read one at a time: a read returns at most eight).
    func readPCRs(_ pcrs: [Int]) throws -> [[UInt8]] {
        try pcrs.map { pcr in
            var selection: UnsafeMutablePointer<TPML_PCR_SELECTION>?
            var values: UnsafeMutablePointer<TPML_DIGEST>?
            defer {
                ctss2_Esys_Free(selection)
                ctss2_Esys_Free(values)
            }
            try check(ctss2_Esys_PCR_Read(context, UInt32(1) << UInt32(pcr), &selection, &values), "reading PCR \(pcr)")
            guard let values, values.pointee.count == 1 else {
                throw TPM2Error(.tpmFailure, tcti: tcti, "the TPM at \(tcti) has no SHA-256 value of PCR \(pcr)")
            }
            let digest = values.pointee.digests.0
            return withUnsafeBytes(of: digest.buffer) { Array($0.prefix(Int(digest.size))) }
        }
    }

    /// Throws a `TPM2Error` for a non-zero `rc` while `doing` something.
    func check(_ rc: TSS2_RC, _ doing: String) throws {
        guard rc != 0 else { return }
        let code = ResponseCode(raw: rc)
        if code.isTransport { throw Self.unreachable(tcti, code) }
        if code.tpmCode == .lockout {
            throw TPM2Error(.lockout, tcti: tcti, "the TPM at \(tcti) is in dictionary-attack lockout and refuses to "
                                + "use the key (while \(doing)); it lifts after the TPM's lockout time, or when its "
                                + "owner resets it", responseCode: rc)
        }
        if code.tpmCode == .initialize {
            throw TPM2Error(.noTPM, tcti: tcti, "the TPM at \(tcti) was not started (TPM2_Startup was never sent)",
                            responseCode: rc)
        }
        throw TPM2Error(.tpmFailure, tcti: tcti, "the TPM at \(tcti) failed while \(doing) (tss2 response code "
                            + "\(code); 'tpm2_rc_decode \(code)' explains it)", responseCode: rc)
    }

    /// The `noTPM` error for a TCTI that cannot be opened or does not answer.
    static func unreachable(_ tcti: String, _ code: ResponseCode) -> TPM2Error {
        var detail = ""
        if tcti.hasPrefix("device:") || tcti.hasPrefix("/") {
            let path = tcti.hasPrefix("device:") ? String(tcti.dropFirst("device:".count)) : tcti
            if !path.isEmpty, access(path, F_OK) != 0 {
                detail = ": \(path) does not exist (this machine has no TPM, or its driver is not loaded)"
            } else if !path.isEmpty, access(path, R_OK | W_OK) != 0 {
                detail = ": \(path) is not readable and writable by this user (the tss group usually is)"
            }
        }
        return TPM2Error(.noTPM, tcti: tcti, "no TPM answers at \(tcti)\(detail) (tss2 response code \(code))",
                         responseCode: code.raw)
    }
}
