/// Kind 3 (FORMAT.md): a key-file slot whose KEK also mixes in this machine's id and the user's uid
/// (`--bind-to-machine`), so a copied store and key file do not open on another machine or as another user.
///
/// Parameters: a 32-byte salt. KEK: HKDF-SHA256 over `key ‖ MachineBinding` (see `MachineBinding`).
struct BoundKeyFileSlot: KeySlotKind {
    static let kindByte: UInt8 = 3
    /// Listed as a key-file slot, with `isBoundToMachine` set.
    static let name = KeySlotInfo.Kind.keyFile
    static let needsUserSecret = true
    static let isBoundToMachine = true
    /// HKDF's info (domain separation).
    static let info: [UInt8] = Array("credstore/v1 machine-bound key-file slot".utf8)

    var salt: [UInt8]

    static func accepts(_ secret: UnlockSecret) -> Bool {
        KeyFileSlot.accepts(secret)
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
        try KeyFileSlot.checkSize(key)
        let slot = BoundKeyFileSlot(salt: try Random.bytes(32))
        // Fail here, with the reason, rather than write a slot that never opens.
        let binding = try context.machine.material()
        return NewKeySlot(parameters: slot, keyEncryptionKey: try slot.keyEncryptionKey(key, binding: binding))
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        // On another machine, as another user, or without a readable machine id the KEK differs (or cannot be
        // made) and the slot simply does not open.
        guard case let .keyFile(key) = secret, key.count == KeyFile.size,
              let binding = try? context.machine.material()
        else { return nil }
        return try keyEncryptionKey(key, binding: binding)
    }

    private func keyEncryptionKey(_ key: SecretBytes, binding: SecretBytes) throws -> SecretBytes {
        try KDF.hkdfSHA256(key: key.appending(binding), salt: salt, info: Self.info, length: 32)
    }

    func describe(_ info: inout KeySlotInfo) {
        info.summary = "HKDF-SHA256, bound to this machine and user"
        info.parameters = [.init("kdf", .text("hkdf-sha256")), .init("boundToMachine", .flag(true))]
    }
}
