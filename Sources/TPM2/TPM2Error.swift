/// The one error type of the TPM2 module: why a key could not be sealed to, or unsealed from, a TPM.
///
/// Messages name the TPM (its TCTI string) and the cause, never a secret, and give no advice about a particular
/// program's options; the credstore CLI maps `code` to its exit status and hint in one table.
public struct TPM2Error: Error, CustomStringConvertible, Sendable {
    /// A stable classification; the raw value is the stable name (e.g. `pcr-policy-not-satisfied`).
    public enum Code: String, CaseIterable, Sendable, CustomStringConvertible {
        /// The tss2 libraries (libtss2-esys, libtss2-tctildr, libtss2-mu) could not be loaded.
        case libraryMissing = "library-missing"
        /// No TPM answers at the TCTI given: no device, no simulator listening, or the TCTI string is not valid.
        case noTPM = "no-tpm"
        /// The TPM is in dictionary-attack lockout and refuses to use the key until the lockout time has passed (or
        /// its owner resets it).
        case lockout = "lockout"
        /// The PCRs the key is bound to no longer hold the values it was sealed with (a firmware, boot loader or
        /// Secure Boot change): this TPM will not unseal it again.
        case pcrPolicyNotSatisfied = "pcr-policy-not-satisfied"
        /// The sealed key does not load under this TPM's storage root key: it was sealed by another TPM, or this
        /// TPM's owner hierarchy was cleared since.
        case wrongTPM = "wrong-tpm"
        /// The TPM or the tss2 library failed in a way not listed above; the message carries its response code.
        case tpmFailure = "tpm-failure"

        /// The stable name, e.g. `wrong-tpm`.
        public var description: String { rawValue }
    }

    /// The classification of this error.
    public let code: Code
    /// What happened, naming the TPM's TCTI string and, for a PCR policy, the PCRs.
    public let message: String
    /// The TCTI string of the TPM that was asked, e.g. `device:/dev/tpmrm0`.
    public let tcti: String
    /// For `pcrPolicyNotSatisfied`, the PCRs the key is bound to.
    public let boundPCRs: [Int]
    /// For `pcrPolicyNotSatisfied`, the bound PCRs whose value differs from the one the key was sealed with (empty
    /// when the values could not be read).
    public let changedPCRs: [Int]
    /// The tss2 response code, when one caused the error.
    public let responseCode: UInt32?

    init(_ code: Code, tcti: String, _ message: String, responseCode: UInt32? = nil, boundPCRs: [Int] = [],
         changedPCRs: [Int] = []) {
        self.code = code
        self.tcti = tcti
        self.message = message
        self.responseCode = responseCode
        self.boundPCRs = boundPCRs
        self.changedPCRs = changedPCRs
    }

    /// The message. Never contains a secret.
    public var description: String { message }
}
