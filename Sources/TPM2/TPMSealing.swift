import CTSS2

/// Sealing a small secret to a TPM 2.0 and unsealing it again, through tss2-esys (loaded with dlopen at first use,
/// see `CTSS2`): what credstore's TPM2 key slot stores its key-encryption key with.
///
/// The secret becomes a keyed-hash data object (`TPM2_ALG_KEYEDHASH`, SHA-256 name, `fixedTPM | fixedParent`) under
/// the storage root key made from the TCG's standard ECC P-256 template, so only the TPM that sealed it can load it.
/// Bound to PCRs, its auth policy is `TPM2_PolicyPCR` over their SHA-256 values at sealing time (and `userWithAuth`
/// is clear); unbound, its empty auth value opens it. Sealing and unsealing run in sessions salted with the storage
/// root key, with parameter encryption, so the secret does not cross the bus in clear. Every transient object and
/// session is flushed before returning (swtpm has no resource manager).
package enum TPMSealing {
    /// The TCTI string used when none is given: the kernel's resource manager.
    package static let defaultTCTI = "device:/dev/tpmrm0"
    /// The PCRs a policy may name: the 24 of a PC client TPM's SHA-256 bank.
    package static let pcrRange = 0...23
    /// The most bytes `seal` takes (TPM 2.0 limits a sealed data object to 128 bytes).
    package static let maximumSecretSize = 128

    /// The TCTI string to use: `explicit` when given, else `CREDSTORE_TPM2_DEVICE`, else `defaultTCTI`. A bare path
    /// (`/dev/tpm0`) means the device TCTI.
    package static func tcti(explicit: String?, environment: [String: String]) -> String {
        let given = [explicit, environment["CREDSTORE_TPM2_DEVICE"]].compactMap { $0 }.first { !$0.isEmpty }
        guard let given else { return defaultTCTI }
        return given.hasPrefix("/") ? "device:" + given : given
    }

    /// What `seal` returns and `unseal` takes: everything needed to unseal on the same TPM, none of it secret.
    package struct SealedObject: Equatable, Sendable {
        /// The PCRs of the SHA-256 bank the policy binds, ascending; empty for no policy.
        package var pcrs: [Int]
        /// Each bound PCR's SHA-256 value when sealed, in the order of `pcrs` (to name the PCRs that changed).
        package var pcrValues: [[UInt8]]
        /// The object's public area, as the TPM marshals a `TPM2B_PUBLIC` (a big-endian u16 size, then the
        /// `TPMT_PUBLIC`).
        package var publicArea: [UInt8]
        /// The object's private area, encrypted by the TPM under its storage root key, as a marshalled
        /// `TPM2B_PRIVATE`.
        package var privateArea: [UInt8]

        /// A sealed object from its parts.
        package init(pcrs: [Int], pcrValues: [[UInt8]], publicArea: [UInt8], privateArea: [UInt8]) {
            self.pcrs = pcrs
            self.pcrValues = pcrValues
            self.publicArea = publicArea
            self.privateArea = privateArea
        }
    }

    /// Seals `secret` to the TPM at `tcti`, bound to `pcrs` (SHA-256 bank) when not empty.
    ///
    /// - Throws: `TPM2Error`: `.libraryMissing`, `.noTPM`, `.lockout`, `.tpmFailure`.
    package static func seal(_ secret: UnsafeRawBufferPointer, tcti: String, pcrs: [Int]) throws -> SealedObject {
        let pcrs = Array(Set(pcrs)).sorted()
        precondition(pcrs.allSatisfy(pcrRange.contains) && secret.count <= maximumSecretSize)
        let tpm = try TPMConnection(tcti: tcti)
        let srk = try tpm.storageRootKey()
        var policy: [UInt8] = []
        var values: [[UInt8]] = []
        if !pcrs.isEmpty {
            values = try tpm.readPCRs(pcrs)
            let trial = try tpm.startSession(Int(CTSS2_SE_TRIAL), saltedWith: ESYS_TR(CTSS2_ESYS_TR_NONE))
            try tpm.check(ctss2_Esys_PolicyPCR(tpm.context, trial, mask(pcrs)), "computing the PCR policy")
            var digest: UnsafeMutablePointer<TPM2B_DIGEST>?
            defer { ctss2_Esys_Free(digest) }
            try tpm.check(ctss2_Esys_PolicyGetDigest(tpm.context, trial, &digest), "computing the PCR policy")
            if let digest {
                policy = withUnsafeBytes(of: digest.pointee.buffer) { Array($0.prefix(Int(digest.pointee.size))) }
            }
            tpm.flush(trial)
        }
        let session = try tpm.startSession(Int(CTSS2_SE_HMAC), saltedWith: srk,
                                           attributes: Int(CTSS2_SESSION_DECRYPT))
        var outPrivate: UnsafeMutablePointer<TPM2B_PRIVATE>?
        var outPublic: UnsafeMutablePointer<TPM2B_PUBLIC>?
        defer {
            ctss2_Esys_Free(outPrivate)
            ctss2_Esys_Free(outPublic)
        }
        let rc = policy.withUnsafeBufferPointer { policyBytes in
            ctss2_Esys_CreateSealed(tpm.context, srk, session,
                                    secret.baseAddress?.assumingMemoryBound(to: UInt8.self), secret.count,
                                    policyBytes.baseAddress, policyBytes.count, &outPrivate, &outPublic)
        }
        try tpm.check(rc, "sealing the key")
        guard let outPrivate, let outPublic else {
            throw TPM2Error(.tpmFailure, tcti: tcti, "the TPM at \(tcti) returned no sealed object")
        }
        return SealedObject(pcrs: pcrs, pcrValues: values, publicArea: try marshal(outPublic.pointee, tcti: tcti),
                            privateArea: try marshal(outPrivate.pointee, tcti: tcti))
    }

    /// Unseals `sealed` on the TPM at `tcti` and hands the secret to `body` (the buffer is wiped afterwards).
    ///
    /// - Throws: `TPM2Error`: `.libraryMissing`, `.noTPM`, `.lockout`, `.wrongTPM` (the object does not load under
    ///   this TPM's storage root key), `.pcrPolicyNotSatisfied` (naming the PCRs that changed), `.tpmFailure`; or
    ///   what `body` throws.
    package static func unseal<Result>(
        _ sealed: SealedObject, tcti: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        try TPMConnection.loadLibraries(tcti: tcti)  // the unmarshalling functions are libtss2-mu's
        var inPublic = TPM2B_PUBLIC()
        var inPrivate = TPM2B_PRIVATE()
        try unmarshal(sealed.publicArea, into: &inPublic, ctss2_MU_TPM2B_PUBLIC_Unmarshal, tcti: tcti)
        try unmarshal(sealed.privateArea, into: &inPrivate, ctss2_MU_TPM2B_PRIVATE_Unmarshal, tcti: tcti)
        let tpm = try TPMConnection(tcti: tcti)
        let srk = try tpm.storageRootKey()
        var object = ESYS_TR(CTSS2_ESYS_TR_NONE)
        do {
            try tpm.check(ctss2_Esys_Load(tpm.context, srk, ESYS_TR(CTSS2_ESYS_TR_PASSWORD), &inPrivate, &inPublic,
                                          &object), "loading the sealed key")
        } catch let error as TPM2Error where error.code == .tpmFailure {
            throw TPM2Error(.wrongTPM, tcti: tcti, "the sealed key does not load under the storage root key of the "
                                + "TPM at \(tcti): it was sealed by another TPM, or this TPM was cleared since",
                            responseCode: error.responseCode)
        }
        tpm.track(object)
        let session: ESYS_TR
        if sealed.pcrs.isEmpty {
            session = try tpm.startSession(Int(CTSS2_SE_HMAC), saltedWith: srk,
                                           attributes: Int(CTSS2_SESSION_ENCRYPT))
        } else {
            session = try tpm.startSession(Int(CTSS2_SE_POLICY), saltedWith: srk,
                                           attributes: Int(CTSS2_SESSION_ENCRYPT))
            try tpm.check(ctss2_Esys_PolicyPCR(tpm.context, session, mask(sealed.pcrs)), "applying the PCR policy")
        }
        var data: UnsafeMutablePointer<TPM2B_SENSITIVE_DATA>?
        defer { ctss2_wipe_and_free(data, MemoryLayout<TPM2B_SENSITIVE_DATA>.size) }
        let rc = ctss2_Esys_Unseal(tpm.context, object, session, &data)
        let code = ResponseCode(raw: rc)
        if !sealed.pcrs.isEmpty, code.tpmCode == .policyFail || code.tpmCode == .pcrChanged {
            throw pcrMismatch(sealed, tpm: tpm, responseCode: rc)
        }
        try tpm.check(rc, "unsealing the key")
        guard let data else { throw TPM2Error(.tpmFailure, tcti: tcti, "the TPM at \(tcti) returned no data") }
        return try withUnsafeBytes(of: &data.pointee.buffer) { buffer in
            try body(UnsafeRawBufferPointer(rebasing: buffer.prefix(Int(data.pointee.size))))
        }
    }

    /// The PCR error, naming the bound PCRs and those whose value differs from the one sealed.
    private static func pcrMismatch(_ sealed: SealedObject, tpm: TPMConnection, responseCode: UInt32) -> TPM2Error {
        let current = (try? tpm.readPCRs(sealed.pcrs)) ?? []
        let changed = current.count == sealed.pcrs.count
            ? sealed.pcrs.indices.filter { current[$0] != sealed.pcrValues[$0] }.map { sealed.pcrs[$0] } : []
        let bound = sealed.pcrs.map(String.init).joined(separator: ",")
        let what = changed.isEmpty ? "the PCRs \(bound) it is bound to no longer hold the values it was sealed with"
            : "PCR " + changed.map(String.init).joined(separator: ",") + " changed since it was sealed (it is bound "
                + "to PCRs \(bound))"
        return TPM2Error(.pcrPolicyNotSatisfied, tcti: tpm.tcti,
                         "the TPM at \(tpm.tcti) refuses to unseal the key: \(what), for example after a firmware, "
                            + "boot loader or Secure Boot change; this key will not unseal again, so another key "
                            + "slot is needed to open the store", responseCode: responseCode,
                         boundPCRs: sealed.pcrs, changedPCRs: changed)
    }

    /// The PCR selection bit mask (bit n = PCR n).
    static func mask(_ pcrs: [Int]) -> UInt32 {
        pcrs.reduce(UInt32(0)) { $0 | (UInt32(1) << UInt32($1)) }
    }

    private static func marshal(_ area: TPM2B_PUBLIC, tcti: String) throws -> [UInt8] {
        var area = area
        return try marshal(size: MemoryLayout<TPM2B_PUBLIC>.size, tcti: tcti) {
            ctss2_MU_TPM2B_PUBLIC_Marshal(&area, $0, $1, $2)
        }
    }

    private static func marshal(_ area: TPM2B_PRIVATE, tcti: String) throws -> [UInt8] {
        var area = area
        return try marshal(size: MemoryLayout<TPM2B_PRIVATE>.size, tcti: tcti) {
            ctss2_MU_TPM2B_PRIVATE_Marshal(&area, $0, $1, $2)
        }
    }

    private static func marshal(
        size: Int, tcti: String,
        _ function: (UnsafeMutablePointer<UInt8>, Int, UnsafeMutablePointer<Int>) -> TSS2_RC
    ) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: size + 2)
        var offset = 0
        let rc = buffer.withUnsafeMutableBufferPointer { function($0.baseAddress!, $0.count, &offset) }
        guard rc == 0 else {
            throw TPM2Error(.tpmFailure, tcti: tcti, "cannot marshal the sealed object (tss2 response code "
                                + "\(ResponseCode(raw: rc)))", responseCode: rc)
        }
        return Array(buffer.prefix(offset))
    }

    private static func unmarshal<Value>(
        _ bytes: [UInt8], into value: inout Value,
        _ function: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Value>?) -> TSS2_RC,
        tcti: String
    ) throws {
        var offset = 0
        let rc = function(bytes, bytes.count, &offset, &value)
        guard rc == 0, offset == bytes.count else {
            throw TPM2Error(.tpmFailure, tcti: tcti, "the sealed object is malformed (it does not unmarshal)",
                            responseCode: rc == 0 ? nil : rc)
        }
    }
}
