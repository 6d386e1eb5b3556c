/// One key slot as stored: its kind's parameters, and the data key wrapped under the KEK those parameters lead to.
///
/// The wrap is the same for every kind (FORMAT.md, *Key slots*): AES-256-GCM under the kind's KEK, with a fresh nonce,
/// and an AAD binding the format version, the store id, the kind, the flags and the parameter bytes.
struct KeySlot: Equatable {
    static let wrappedSize = StoreFormat.dataKeySize + AESGCM.tagSize

    /// The kind's parameters (the slot body before the nonce).
    var parameters: any KeySlotKind
    var nonce: [UInt8]
    var wrappedKey: [UInt8]

    /// The slot's kind.
    var kind: any KeySlotKind.Type { type(of: parameters) }

    static func == (lhs: KeySlot, rhs: KeySlot) -> Bool {
        lhs.kind.kindByte == rhs.kind.kindByte && lhs.parameterBytes == rhs.parameterBytes && lhs.nonce == rhs.nonce
            && lhs.wrappedKey == rhs.wrappedKey
    }

    /// What `EncryptedStore.slots(at:)` reports for this slot at `index`.
    func info(index: Int) -> KeySlotInfo {
        var info = KeySlotInfo(index: index, kind: kind.name, needsUserSecret: kind.needsUserSecret,
                               isBoundToMachine: kind.isBoundToMachine)
        parameters.describe(&info)
        return info
    }

    /// The slot body's bytes before the nonce: what the wrap's AAD binds.
    var parameterBytes: [UInt8] {
        var writer = ByteWriter()
        parameters.encodeParameters(into: &writer)
        return writer.bytes
    }

    func encode(into writer: inout ByteWriter) {
        let body = parameterBytes + nonce + wrappedKey
        writer.u8(kind.kindByte)
        writer.u8(0)  // flags, reserved
        writer.u16(UInt16(body.count))
        writer.raw(body)
    }

    /// Parses one slot body of kind byte `kind`; a kind not among `kinds` is malformed.
    /// A slot whose kind byte no kind in the list claims: the file is corrupt (FORMAT.md), and the message names the
    /// kind.
    struct UnknownKind: Error {
        /// The kind byte found.
        var kind: UInt8
    }

    static func decode(
        kind: UInt8, flags: UInt8, body: UnsafeRawBufferPointer, kinds: [any KeySlotKind.Type]
    ) throws -> KeySlot {
        guard flags == 0 else { throw ByteReader.Truncated() }
        guard let slotKind = KeySlotKinds.kind(byte: kind, among: kinds) else { throw UnknownKind(kind: kind) }
        var reader = ByteReader(body)
        let parameters = try slotKind.init(parsing: &reader)
        let nonce = try reader.take(AESGCM.nonceSize)
        let wrapped = try reader.take(wrappedSize)
        guard reader.remaining == 0 else { throw ByteReader.Truncated() }
        return KeySlot(parameters: parameters, nonce: nonce, wrappedKey: wrapped)
    }

    func aad(storeID: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(StoreFormat.Label.slotAAD)
        writer.u16(StoreFormat.version)
        writer.raw(storeID)
        writer.u8(kind.kindByte)
        writer.u8(0)
        writer.raw(parameterBytes)
        return writer.bytes
    }

    /// The data key, or `nil` when `secret` does not open this slot.
    func unwrap(_ secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard let kek = try parameters.keyEncryptionKey(for: secret, in: context) else { return nil }
        guard let key = try AESGCM.open(key: kek, nonce: nonce, sealed: wrappedKey, aad: aad(storeID: context.storeID)),
              key.count == StoreFormat.dataKeySize
        else { return nil }
        return key
    }

    /// A new slot of `kind` wrapping `dataKey` for `secret`, with fresh parameters and nonce.
    static func make(
        _ kind: any KeySlotKind.Type, for secret: UnlockSecret, dataKey: SecretBytes, in context: KeySlotContext
    ) throws -> KeySlot {
        try make(opening: kind, for: secret, dataKey: dataKey, in: context)
    }

    /// This slot renewed for a data-key rotation: the same kind and what the user chose for it (`renewed`), fresh
    /// parameters and nonce, wrapping `dataKey` for `secret`.
    func renewed(for secret: UnlockSecret, dataKey: SecretBytes, in context: KeySlotContext) throws -> KeySlot {
        try Self.renew(parameters, for: secret, dataKey: dataKey, in: context)
    }

    private static func renew<Kind: KeySlotKind>(
        _ parameters: Kind, for secret: UnlockSecret, dataKey: SecretBytes, in context: KeySlotContext
    ) throws -> KeySlot {
        try wrap(try parameters.renewed(for: secret, in: context), of: Kind.self, dataKey: dataKey, in: context)
    }

    private static func make<Kind: KeySlotKind>(
        opening kind: Kind.Type, for secret: UnlockSecret, dataKey: SecretBytes, in context: KeySlotContext
    ) throws -> KeySlot {
        try wrap(try Kind.create(for: secret, in: context), of: kind, dataKey: dataKey, in: context)
    }

    private static func wrap<Kind: KeySlotKind>(
        _ new: NewKeySlot<Kind>?, of kind: Kind.Type, dataKey: SecretBytes, in context: KeySlotContext
    ) throws -> KeySlot {
        guard let new else {
            throw SecureStoreError(.invalidArgument, "a \(Kind.name.rawValue) slot does not open with this secret",
                                   hint: "give the secret of the kind the slot takes")
        }
        var slot = KeySlot(parameters: new.parameters, nonce: try Random.bytes(AESGCM.nonceSize), wrappedKey: [])
        slot.wrappedKey = try AESGCM.seal(key: new.keyEncryptionKey, nonce: slot.nonce, plaintext: dataKey,
                                          aad: slot.aad(storeID: context.storeID))
        return slot
    }
}
