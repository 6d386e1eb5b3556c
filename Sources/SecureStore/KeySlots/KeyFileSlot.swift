/// Kind 2 (FORMAT.md): a 32-byte key file, expanded with HKDF-SHA256 into the KEK — for unattended unlocking.
///
/// Parameters: a 32-byte salt.
struct KeyFileSlot: KeySlotKind {
    static let kindByte: UInt8 = 2
    static let name = KeySlotInfo.Kind.keyFile
    static let needsUserSecret = true
    /// HKDF's info (domain separation).
    static let info: [UInt8] = Array("credstore/v1 key-file slot".utf8)

    var salt: [UInt8]

    static func accepts(_ secret: UnlockSecret) -> Bool {
        if case .keyFile = secret { return true }
        return false
    }

    init(salt: [UInt8]) {
        self.salt = salt
    }

    init(parsing reader: inout ByteReader) throws {
        salt = try reader.take(32)
    }

    func encodeParameters(into writer: inout ByteWriter) {
        writer.raw(salt)
    }

    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        guard case let .keyFile(key) = secret else { return nil }
        try checkSize(key)
        let slot = KeyFileSlot(salt: try Random.bytes(32))
        guard let kek = try slot.keyEncryptionKey(for: secret, in: context) else { return nil }
        return NewKeySlot(parameters: slot, keyEncryptionKey: kek)
    }

    /// Throws `invalidArgument` unless `key` is exactly `KeyFile.size` bytes (shared with the bound kind).
    static func checkSize(_ key: SecretBytes) throws {
        guard key.count == KeyFile.size else {
            throw SecureStoreError(.invalidArgument, "a key file must hold exactly \(KeyFile.size) bytes",
                                   hint: "use the key file generated for the store")
        }
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard case let .keyFile(key) = secret, key.count == KeyFile.size else { return nil }
        return try KDF.hkdfSHA256(key: key, salt: salt, info: Self.info, length: 32)
    }

    func describe(_ info: inout KeySlotInfo) {
        info.summary = "HKDF-SHA256"
        info.parameters = [.init("kdf", .text("hkdf-sha256")), .init("boundToMachine", .flag(false))]
    }
}
