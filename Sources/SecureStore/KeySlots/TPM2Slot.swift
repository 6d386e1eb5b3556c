import TPM2

/// What a TPM2 slot unlocks with: the TPM to ask (a TCTI string such as `device:/dev/tpmrm0`) and, for a new slot,
/// the PCRs to bind its key to.
///
/// A slot that cannot open with this TPM (bound PCRs changed, another TPM, another user) is passed over so that
/// another TPM2 slot of the store may still open; the material remembers why, and `noSlotOpens` reports it.
package struct TPM2Device: UnlockMaterial {
    /// The TCTI string naming the TPM (`TPMSealing.tcti(explicit:environment:)` resolves the CLI's and environment's).
    package var tcti: String
    /// For a new slot: the PCRs of the SHA-256 bank its key is sealed against (empty: no PCR policy).
    package var pcrs: [Int]
    /// Why slots of the store were passed over, for `noSlotOpens`.
    private let passedOver = PassedOver()
    /// It opens TPM2 slots only.
    package var slotKind: KeySlotInfo.Kind? { .tpm2 }

    /// The TPM at `tcti`; `pcrs` matter only when a slot is made.
    package init(tcti: String, pcrs: [Int] = []) {
        self.tcti = tcti
        self.pcrs = Array(Set(pcrs)).sorted()
    }

    /// The TCTI string to use: `explicit` when given, else `CREDSTORE_TPM2_DEVICE`, else `device:/dev/tpmrm0`.
    package static func tcti(explicit: String?, environment: [String: String]) -> String {
        TPMSealing.tcti(explicit: explicit, environment: environment)
    }

    /// The first reason a TPM2 slot was passed over (a `TPM2Error` or a `SecureStoreError`), else that no TPM2 slot
    /// opens with this TPM.
    package func noSlotOpens(storeAt path: String) -> any Error {
        if let reason = passedOver.first { return reason }
        return SecureStoreError(.wrongKeyFile, path: path, "no TPM2 key slot of the store \(path) opens with the TPM "
                                    + "at \(tcti)", hint: "open it with another of its key slots")
    }

    /// Remembers why a slot was passed over.
    func record(_ reason: any Error) {
        passedOver.append(reason)
    }

    /// The reasons, kept across the copies of one material value.
    private final class PassedOver: @unchecked Sendable {
        // @unchecked: `mutex` guards `reasons`.
        private let mutex = ProcessMutex()
        private var reasons: [any Error] = []

        var first: (any Error)? { mutex.withLock { reasons.first } }

        func append(_ reason: any Error) {
            mutex.withLock { reasons.append(reason) }
        }
    }
}

extension KeySlotInfo.Kind {
    /// A key sealed to a TPM 2.0.
    package static let tpm2 = KeySlotInfo.Kind(rawValue: "tpm2")
}

/// Kind 4 (FORMAT.md): a random 32-byte secret sealed to the TPM (a keyed-hash data object under the storage root
/// key, optionally with a PCR policy); the KEK is HKDF-SHA256 over that secret and the user's uid, so the slot opens
/// only on that TPM, with the PCRs as they were (when bound), and as the user who made it.
///
/// Parameters: `uid u32 ‖ salt (32) ‖ pcr_mask u32 ‖ 32-byte value per bound PCR ‖ TPM2B_PUBLIC ‖ TPM2B_PRIVATE`
/// (the two TPM structures as the TPM marshals them: a big-endian u16 size, then the bytes).
struct TPM2Slot: KeySlotKind {
    static let kindByte: UInt8 = 4
    static let name = KeySlotInfo.Kind.tpm2
    /// The TPM opens it: an unlocker may try it before prompting.
    static let needsUserSecret = false
    /// It opens only with the TPM that sealed it.
    static let isBoundToMachine = true
    /// HKDF's info (domain separation).
    static let info: [UInt8] = Array("credstore/v1 TPM2 slot".utf8)
    /// The size of the sealed secret.
    static let sealedSize = 32
    /// The most bytes a marshalled public or private area may take here (a keyed-hash object takes ~80 and ~130).
    static let maximumAreaSize = 1024

    /// The uid of the user who made the slot (for messages; the KEK mixes in the uid of whoever opens it).
    var userID: UInt32
    var salt: [UInt8]
    /// The sealed object and the PCR values it was sealed against.
    var sealed: TPMSealing.SealedObject

    static func accepts(_ secret: UnlockSecret) -> Bool {
        if case let .material(material) = secret { return material is TPM2Device }
        return false
    }

    static func check(_ secret: UnlockSecret) throws {
        guard case let .material(material) = secret, let device = material as? TPM2Device else { return }
        if let pcr = device.pcrs.first(where: { !TPMSealing.pcrRange.contains($0) }) {
            throw SecureStoreError(.invalidArgument, "PCR \(pcr) is not one of the TPM's PCRs 0-23",
                                   hint: "name PCRs from 0 to 23")
        }
    }

    init(userID: UInt32, salt: [UInt8], sealed: TPMSealing.SealedObject) {
        self.userID = userID
        self.salt = salt
        self.sealed = sealed
    }

    init(parsing reader: inout ByteReader) throws {
        userID = try reader.u32()
        salt = try reader.take(32)
        let mask = try reader.u32()
        guard mask >> 24 == 0 else { throw ByteReader.Truncated() }
        let pcrs = TPMSealing.pcrRange.filter { mask & (UInt32(1) << UInt32($0)) != 0 }
        let values = try pcrs.map { _ in try reader.take(32) }
        let publicArea = try Self.area(&reader)
        let privateArea = try Self.area(&reader)
        sealed = TPMSealing.SealedObject(pcrs: pcrs, pcrValues: values, publicArea: publicArea,
                                         privateArea: privateArea)
    }

    /// One marshalled TPM2B: its u16 size (1...maximumAreaSize) and that many bytes, kept together.
    private static func area(_ reader: inout ByteReader) throws -> [UInt8] {
        let size = Int(try reader.u16())
        guard (1...maximumAreaSize).contains(size) else { throw ByteReader.Truncated() }
        return [UInt8(size >> 8), UInt8(size & 0xff)] + (try reader.take(size))
    }

    func encodeParameters(into writer: inout ByteWriter) {
        writer.u32(userID)
        writer.raw(salt)
        writer.u32(sealed.pcrs.reduce(UInt32(0)) { $0 | UInt32(1) << UInt32($1) })
        for value in sealed.pcrValues { writer.raw(value) }
        writer.raw(sealed.publicArea)
        writer.raw(sealed.privateArea)
    }

    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        guard case let .material(material) = secret, let device = material as? TPM2Device else { return nil }
        try check(secret)
        let sealedSecret = try Random.secret(sealedSize)
        let sealed = try sealedSecret.withUnsafeBytes { bytes in
            try TPMSealing.seal(bytes, tcti: device.tcti, pcrs: device.pcrs)
        }
        let slot = TPM2Slot(userID: context.machine.userID, salt: try Random.bytes(32), sealed: sealed)
        return NewKeySlot(parameters: slot,
                          keyEncryptionKey: try slot.keyEncryptionKey(sealedSecret, userID: context.machine.userID))
    }

    /// Sealed again to the same PCRs (the rotation's material carries whatever PCRs its caller had at hand).
    func renewed(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        guard case let .material(material) = secret, let device = material as? TPM2Device else { return nil }
        return try Self.create(for: .material(TPM2Device(tcti: device.tcti, pcrs: sealed.pcrs)), in: context)
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard case let .material(material) = secret, let device = material as? TPM2Device else { return nil }
        let opener = context.machine.userID
        guard opener == userID else {
            // Another user: the KEK would differ anyway (it mixes in the opener's uid); say so without asking the TPM.
            device.record(SecureStoreError(.wrongKeyFile, path: context.path,
                                           "the TPM2 key slot \(context.slotIndex) of the store \(context.path) was "
                                           + "made by uid \(userID) and opens only for that user (this is uid "
                                           + "\(opener))", hint: "open it as its owner, or with another key slot"))
            return nil
        }
        do {
            return try TPMSealing.unseal(sealed, tcti: device.tcti) { bytes in
                guard bytes.count == Self.sealedSize else { return nil }
                return try keyEncryptionKey(SecretBytes(bytes), userID: opener)
            }
        } catch let error as TPM2Error where error.code == .pcrPolicyNotSatisfied || error.code == .wrongTPM {
            // Another TPM2 slot of the store may still open (one sealed after a firmware update, say).
            device.record(error)
            return nil
        }
    }

    private func keyEncryptionKey(_ sealedSecret: SecretBytes, userID: UInt32) throws -> SecretBytes {
        let uid = SecretBytes([UInt8(userID >> 24 & 0xff), UInt8(userID >> 16 & 0xff), UInt8(userID >> 8 & 0xff),
                               UInt8(userID & 0xff)])
        return try KDF.hkdfSHA256(key: sealedSecret.appending(uid), salt: salt, info: Self.info, length: 32)
    }

    func describe(_ info: inout KeySlotInfo) {
        let pcrs = sealed.pcrs.map(String.init).joined(separator: ",")
        info.summary = "sealed to the TPM, " + (pcrs.isEmpty ? "no PCR policy" : "PCRs \(pcrs)")
            + ", uid \(userID)"
        info.parameters = [.init("PCRs", .text(pcrs)), .init("userID", .integer(Int(userID))),
                           .init("boundToMachine", .flag(true))]
    }
}
