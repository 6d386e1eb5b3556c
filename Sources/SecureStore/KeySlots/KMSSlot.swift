/// The AWS KMS key a KMS slot wraps its KEK under, and where the credentials to use it come from.
package struct KMSKey: Equatable, Sendable {
    /// The key as given to `keyslot add --kms-key` (a key ARN, an alias ARN, a key id); passed to `Decrypt` as
    /// `KeyId`, so that a ciphertext made under another key is refused.
    package var keyID: String
    /// The region of the KMS endpoint (`--kms-region`, else the one in the ARN).
    package var region: String
    /// The shared-file profile whose credentials call KMS (`--kms-profile`); `nil`: the environment, an ECS task role
    /// or an instance role. Never a profile of the store the slot unlocks.
    package var profile: String?

    /// The key `keyID` in `region`, used with `profile`'s credentials (none: the default chain outside the store).
    package init(keyID: String, region: String, profile: String? = nil) {
        self.keyID = keyID
        self.region = region
        self.profile = profile
    }
}

/// What a KMS slot unlocks with: a way to call AWS KMS with credentials from outside the store. SecureStore knows no
/// AWS client; a layer above it (CredentialLookup's `KMSKeyService`) implements this over AWSAPI's `KMSClient`.
///
/// A slot whose key refuses (access denied, key disabled, another context) is passed over so that another slot
/// may still open; the material remembers why (`record`) and `noSlotOpens` reports it.
package protocol KMSAccess: UnlockMaterial {
    /// For a new slot: the key to wrap its KEK under. `nil` when the material only opens existing slots.
    var newSlotKey: KMSKey? { get }
    /// `GenerateDataKey` (32 bytes) under `key` with `context`: the plaintext KEK and the ciphertext blob to keep.
    func generateDataKey(_ key: KMSKey, context: [String: String]) throws
        -> (plaintext: SecretBytes, ciphertext: [UInt8])
    /// `Decrypt` of `ciphertext` with `context` and `key.keyID`: the KEK.
    func decrypt(_ ciphertext: [UInt8], key: KMSKey, context: [String: String]) throws -> SecretBytes
    /// Whether `error`, thrown by `decrypt`, only passes this slot over (KMS refused it: denied, disabled, another
    /// context); any other error stops the search.
    func passesOver(_ error: any Error) -> Bool
    /// Remembers why a slot was passed over, for `noSlotOpens`.
    func record(_ reason: any Error)
}

extension KeySlotInfo.Kind {
    /// A KEK wrapped by AWS KMS.
    package static let kms = KeySlotInfo.Kind(rawValue: "kms")
}

/// Kind 5 (FORMAT.md, *KMS slot*): the KEK is a 32-byte data key from KMS `GenerateDataKey`; the slot keeps its
/// ciphertext blob, which only KMS `Decrypt` with the same encryption context turns back into the KEK. The context
/// binds the store id, the slot's own id and the purpose, so the blob opens no other store and no other
/// slot.
///
/// Parameters: `slot_id (16) ‖ key_id ‖ region ‖ profile ‖ blob`, each of the last four a big-endian u16
/// length and that many bytes (UTF-8 text; `profile` may be empty: no profile).
struct KMSSlot: KeySlotKind {
    static let kindByte: UInt8 = 5
    static let name = KeySlotInfo.Kind.kms
    /// KMS opens it with credentials from outside the store: an unlocker may try it before prompting.
    static let needsUserSecret = false
    /// The size of the KEK KMS generates.
    static let keySize = 32
    /// The purpose string in the encryption context.
    static let purpose = "credstore/v1 KMS slot key-encryption key"
    /// Bounds of the text parameters (bytes) and the blob (KMS ciphertexts of a 32-byte key are ~180 bytes).
    static let keyIDRange = 1...2048
    static let regionRange = 1...64
    static let profileRange = 0...256
    static let blobRange = 1...4096

    /// A random id, fixed for the slot's life: the encryption context binds it (the slot index shifts when an
    /// earlier slot is removed).
    var slotID: [UInt8]
    var key: KMSKey
    var ciphertext: [UInt8]

    init(slotID: [UInt8], key: KMSKey, ciphertext: [UInt8]) {
        self.slotID = slotID
        self.key = key
        self.ciphertext = ciphertext
    }

    /// The encryption context of the slot `slotID` of the store `storeID` (FORMAT.md): lowercase hex ids.
    static func encryptionContext(storeID: [UInt8], slotID: [UInt8]) -> [String: String] {
        ["credstore:store-id": hex(storeID), "credstore:slot-id": hex(slotID), "credstore:purpose": purpose]
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] }
        return String(decoding: text, as: UTF8.self)
    }

    static func accepts(_ secret: UnlockSecret) -> Bool {
        if case let .material(material) = secret { return material is any KMSAccess }
        return false
    }

    init(parsing reader: inout ByteReader) throws {
        slotID = try reader.take(16)
        let keyID = try Self.text(&reader, Self.keyIDRange)
        let region = try Self.text(&reader, Self.regionRange)
        let profile = try Self.text(&reader, Self.profileRange)
        key = KMSKey(keyID: keyID, region: region, profile: profile.isEmpty ? nil : profile)
        let size = Int(try reader.u16())
        guard Self.blobRange.contains(size) else { throw ByteReader.Truncated() }
        ciphertext = try reader.take(size)
    }

    /// One length-prefixed UTF-8 text within `range` bytes, without control characters.
    private static func text(_ reader: inout ByteReader, _ range: ClosedRange<Int>) throws -> String {
        let size = Int(try reader.u16())
        guard range.contains(size) else { throw ByteReader.Truncated() }
        let bytes = try reader.take(size)
        guard let text = String(validating: bytes, as: UTF8.self),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw ByteReader.Truncated()
        }
        return text
    }

    func encodeParameters(into writer: inout ByteWriter) {
        writer.raw(slotID)
        for text in [key.keyID, key.region, key.profile ?? ""] {
            writer.u16(UInt16(text.utf8.count))
            writer.raw(Array(text.utf8))
        }
        writer.u16(UInt16(ciphertext.count))
        writer.raw(ciphertext)
    }

    static func check(_ secret: UnlockSecret) throws {
        guard case let .material(material) = secret, let access = material as? any KMSAccess else { return }
        guard let key = access.newSlotKey else {
            throw SecureStoreError(.invalidArgument, "no KMS key was named for the new slot",
                                   hint: "name the KMS key")
        }
        for (name, value, range) in [("key id", key.keyID, keyIDRange), ("region", key.region, regionRange),
                                     ("profile", key.profile ?? "", profileRange)] {
            guard range.contains(value.utf8.count),
                  !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw SecureStoreError(.invalidArgument, "the KMS \(name) must be \(range.lowerBound)-"
                                           + "\(range.upperBound) bytes without control characters",
                                       hint: "give a valid KMS \(name)")
            }
        }
    }

    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        guard case let .material(material) = secret, let access = material as? any KMSAccess else { return nil }
        try check(secret)
        guard let key = access.newSlotKey else { return nil }
        return try make(key, with: access, in: context)
    }

    /// A new slot under the same KMS key, region and profile when the data key is rotated (the rotation's material
    /// names no key of its own): a fresh slot id, a fresh data key from KMS.
    func renewed(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        guard case let .material(material) = secret, let access = material as? any KMSAccess else { return nil }
        return try Self.make(key, with: access, in: context)
    }

    /// A slot under `key`: a random slot id, and a data key KMS generates with that slot's encryption context.
    private static func make(_ key: KMSKey, with access: any KMSAccess, in context: KeySlotContext) throws
        -> NewKeySlot<Self> {
        let slotID = try Random.bytes(16)
        let generated = try access.generateDataKey(key, context: encryptionContext(storeID: context.storeID,
                                                                                   slotID: slotID))
        guard generated.plaintext.count == keySize, blobRange.contains(generated.ciphertext.count) else {
            throw SecureStoreError(.cryptoFailure, "KMS returned a data key of \(generated.plaintext.count) bytes "
                                       + "and a ciphertext of \(generated.ciphertext.count) bytes",
                                   hint: "check that the endpoint is AWS KMS")
        }
        return NewKeySlot(parameters: KMSSlot(slotID: slotID, key: key, ciphertext: generated.ciphertext),
                          keyEncryptionKey: generated.plaintext)
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard case let .material(material) = secret, let access = material as? any KMSAccess else { return nil }
        do {
            let kek = try access.decrypt(ciphertext, key: key,
                                         context: Self.encryptionContext(storeID: context.storeID, slotID: slotID))
            return kek.count == Self.keySize ? kek : nil
        } catch where access.passesOver(error) {
            // Another KMS slot of the store (another key, another account) may still open it.
            access.record(error)
            return nil
        }
    }

    func describe(_ info: inout KeySlotInfo) {
        info.summary = "AWS KMS key \(key.keyID) in \(key.region)"
            + (key.profile.map { ", credentials of profile \($0)" } ?? ", credentials from the environment or role")
        info.parameters = [.init("kmsKeyID", .text(key.keyID)), .init("kmsRegion", .text(key.region)),
                           .init("kmsProfile", .text(key.profile ?? "")), .init("boundToMachine", .flag(false))]
    }
}
