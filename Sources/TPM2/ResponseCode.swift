/// A tss2 response code (`TSS2_RC`): which layer answered (the TPM itself, the TCTI, ESYS) and, for the TPM, the
/// error number without the handle/session/parameter index that TPM 2.0 format-one codes carry.
struct ResponseCode: Equatable, CustomStringConvertible {
    /// The raw code.
    var raw: UInt32

    /// TPM 2.0 codes this module tells apart (TPM 2.0 Part 2, *TPM_RC*).
    enum TPM: UInt32 {
        /// TPM_RC_INITIALIZE: the TPM was not started (TPM2_Startup).
        case initialize = 0x100
        /// TPM_RC_POLICY_FAIL: a policy check failed (the PCRs differ from the sealed policy).
        case policyFail = 0x09D
        /// TPM_RC_INTEGRITY: the private blob does not verify under the parent (another TPM's, or a cleared seed).
        case integrity = 0x09F
        /// TPM_RC_LOCKOUT: dictionary-attack lockout.
        case lockout = 0x921
        /// TPM_RC_PCR_CHANGED: the PCRs changed between the policy and the command.
        case pcrChanged = 0x928
    }

    /// The TCTI layer (TSS2_TCTI_RC_LAYER): the transport to the TPM failed.
    var isTransport: Bool { raw & 0xFF_0000 == 0x0A_0000 }
    /// The TPM itself answered (layer 0).
    var isFromTPM: Bool { raw & 0xFF_0000 == 0 }

    /// The TPM's error number without an index, for codes of the TPM layer.
    var tpmCode: TPM? {
        guard isFromTPM else { return nil }
        let number = raw & 0x080 != 0 ? raw & 0x0BF : raw & 0xFFF
        return TPM(rawValue: number)
    }

    /// `0x…` with eight hex digits, as tss2's `tpm2_rc_decode` takes it.
    var description: String {
        let hex = String(raw, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
