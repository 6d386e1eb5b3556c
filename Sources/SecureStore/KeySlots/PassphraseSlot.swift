/// Kind 1 (FORMAT.md): a passphrase, normalised to NFC and stretched with scrypt into the KEK.
///
/// Parameters: `logN u8 ‖ r u32 ‖ p u32 ‖ salt_len u8 ‖ salt` (16–64 bytes of salt; 32 when written). The costs are
/// checked against the store's `ScryptPolicy` before any KDF work, so a tampered header can neither weaken a slot
/// nor make the KDF allocate without bound.
struct PassphraseSlot: KeySlotKind {
    static let kindByte: UInt8 = 1
    static let name = KeySlotInfo.Kind.passphrase
    static let needsUserSecret = true
    /// Prefixed to the slot's salt to make scrypt's salt (domain separation).
    static let saltLabel: [UInt8] = Array("credstore/v1 passphrase slot".utf8)

    var logN: UInt8
    var r: UInt32
    var p: UInt32
    var salt: [UInt8]

    static func accepts(_ secret: UnlockSecret) -> Bool {
        if case .passphrase = secret { return true }
        return false
    }

    static func check(_ secret: UnlockSecret) throws {
        if case let .passphrase(passphrase) = secret { _ = try Passphrase.normalize(passphrase) }
    }

    init(logN: UInt8, r: UInt32, p: UInt32, salt: [UInt8]) {
        self.logN = logN
        self.r = r
        self.p = p
        self.salt = salt
    }

    init(parsing reader: inout ByteReader) throws {
        logN = try reader.u8()
        r = try reader.u32()
        p = try reader.u32()
        let saltLength = Int(try reader.u8())
        guard (16...64).contains(saltLength) else { throw ByteReader.Truncated() }
        salt = try reader.take(saltLength)
    }

    func encodeParameters(into writer: inout ByteWriter) {
        writer.u8(logN)
        writer.u32(r)
        writer.u32(p)
        writer.u8(UInt8(salt.count))
        writer.raw(salt)
    }

    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        let slot = PassphraseSlot(logN: context.policy.writeLogN, r: ScryptPolicy.r, p: ScryptPolicy.p,
                                  salt: try Random.bytes(32))
        // Writing always uses the policy's own cost, so the bound check cannot fail here.
        guard let kek = try slot.keyEncryptionKey(for: secret, in: context) else { return nil }
        return NewKeySlot(parameters: slot, keyEncryptionKey: kek)
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard case let .passphrase(passphrase) = secret else { return nil }
        try context.policy.check(logN: logN, r: r, p: p, path: context.path)
        return try KDF.scrypt(password: try Passphrase.normalize(passphrase), salt: Self.saltLabel + salt,
                              n: UInt64(1) << UInt64(logN), r: r, p: p, length: 32)
    }

    func describe(_ info: inout KeySlotInfo) {
        info.summary = "scrypt N=2^\(logN) r=\(r) p=\(p)"
        info.parameters = [.init("kdf", .text("scrypt")), .init("logN", .integer(Int(logN))),
                           .init("r", .integer(Int(r))), .init("p", .integer(Int(p)))]
        info.scryptLogN = Int(logN)
        info.scryptR = Int(r)
        info.scryptP = Int(p)
    }
}
