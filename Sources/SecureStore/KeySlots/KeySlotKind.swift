/// One kind of key slot: how a slot of that kind turns what the caller has at hand into its key-encryption key (KEK).
///
/// A key slot wraps the store's data key under a KEK (AES-256-GCM, FORMAT.md *Key slots*); everything around that
/// wrap — the slot header, the nonce, the wrapped key, the AAD that binds the slot's parameters — is common and lives
/// in `KeySlot`. A kind owns only what differs: its kind byte, its parameters (the slot body before the nonce), how a
/// new slot's KEK is made, how an existing slot's KEK is derived or unwrapped again, and what `keyslot list` shows.
/// A value of a conforming type is one slot's parsed parameters. The store knows the kinds listed in
/// `KeySlotKinds.all`, and nothing else about any of them: it never switches over kinds.
///
/// ## Adding a slot kind
///
/// A kind is one new file under `Sources/SecureStore/KeySlots/` plus one line in `KeySlotKinds.all`; nothing else in
/// the store changes. For a TPM2 slot, whose KEK is sealed to the TPM and which needs no secret from the user:
///
/// ```swift
/// /// What a TPM2 slot unlocks with: the TPM to use (a TCTI string such as `device:/dev/tpmrm0`).
/// public struct TPM2Device: UnlockMaterial {
///     public var tcti: String
///     public func noSlotOpens(storeAt path: String) -> SecureStoreError { /* "the TPM … does not open …" */ }
/// }
///
/// extension KeySlotInfo.Kind {
///     /// A KEK sealed to a TPM2.
///     public static let tpm2 = KeySlotInfo.Kind(rawValue: "tpm2")
/// }
///
/// /// Kind 4 (FORMAT.md): the KEK is a random 32 bytes sealed to the TPM's storage root key.
/// struct TPM2Slot: KeySlotKind {
///     static let kindByte: UInt8 = 4
///     static let name = KeySlotInfo.Kind.tpm2
///     static let needsUserSecret = false      // an unlocker may try it before prompting
///     static let isBoundToMachine = true      // `keyslot add --bind-to-machine` may pick it for a TPM2Device
///
///     var pcrs: [UInt8]
///     var sealedPublic: [UInt8]
///     var sealedPrivate: [UInt8]
///
///     static func accepts(_ secret: UnlockSecret) -> Bool {
///         if case let .material(material) = secret { return material is TPM2Device }
///         return false
///     }
///     init(parsing reader: inout ByteReader) throws { /* pcrs, then the two sealed blobs, u16-length-prefixed */ }
///     func encodeParameters(into writer: inout ByteWriter) { /* the same fields, in the same order */ }
///     static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
///         guard case let .material(material) = secret, let device = material as? TPM2Device else { return nil }
///         let kek = try Random.secret(32)
///         let sealed = try TPMSealing.seal(kek, device: device.tcti, pcrs: …)   // tss2-esys, loaded with dlopen
///         return NewKeySlot(parameters: TPM2Slot(…), keyEncryptionKey: kek)
///     }
///     func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
///         guard case let .material(material) = secret, let device = material as? TPM2Device else { return nil }
///         return try TPMSealing.unseal(sealedPublic, sealedPrivate, device: device.tcti, pcrs: pcrs)
///     }
///     func describe(_ info: inout KeySlotInfo) {
///         info.summary = "TPM2, PCRs " + pcrs.map(String.init).joined(separator: ",")
///         info.parameters = [.init("pcrs", .text(…))]
///     }
/// }
/// ```
///
/// and in `KeySlotKinds.all`, one line: `TPM2Slot.self,`. The caller then writes
/// `store.addSlot(.material(TPM2Device(tcti: "device:/dev/tpmrm0")))` and
/// `EncryptedStore.open(at: path, with: .material(TPM2Device(…)))`: the store picks the kind that `accepts` the
/// material, and `KeySlotInfo.needsUserSecret` tells an unlocker that this store can be tried without prompting. An
/// AWS KMS slot is the same shape: a `KMSAccess: UnlockMaterial` carrying the credentials and endpoint from outside
/// the store, parameters holding the key ARN, region and the KMS ciphertext blob, `create` calling `GenerateDataKey`
/// with an encryption context built from `context.storeID` and a slot id kept in its parameters (not
/// `context.slotIndex`, which shifts when an earlier slot is removed), and `keyEncryptionKey` calling `Decrypt` with
/// the same context. The test target's `ChallengeSlot` (SecureStoreTests/KeySlotKindTests.swift) is
/// a working kind added exactly this way, given to the store for one test through `KeySlotEnvironment.kinds` (a
/// debug-build test seam; release builds know `KeySlotKinds.all` only).
///
/// What a kind must keep: `init(parsing:)` consumes exactly the parameter bytes and throws on anything malformed or
/// out of bounds *before* any expensive work (the store reports it as corruption); `encodeParameters` writes back
/// exactly what was parsed (the wrap's AAD binds those bytes, and the encoding must stay canonical); the kind byte and
/// the parameter layout are specified in FORMAT.md before a store with such a slot is written.
protocol KeySlotKind: Sendable {
    /// The kind byte in the slot header (FORMAT.md, *Key slots*). Unique among `KeySlotKinds.all`.
    static var kindByte: UInt8 { get }
    /// The kind as `keyslot list` and errors name it.
    static var name: KeySlotInfo.Kind { get }
    /// Whether opening a slot of this kind needs a secret from the user (a passphrase, a key file). `false` for kinds
    /// that unlock through something the machine or its environment provides (a TPM, a key service): an unlocker can
    /// try those before asking anybody for anything.
    static var needsUserSecret: Bool { get }
    /// Whether a slot of this kind opens only on the machine (and as the user) that made it. `addSlot` with
    /// `bindingToMachine: true` picks the bound kind that accepts the secret.
    static var isBoundToMachine: Bool { get }

    /// Whether `secret` is what this kind opens with (for example a passphrase, not a key file). Cheap: no KDF.
    static func accepts(_ secret: UnlockSecret) -> Bool
    /// Rejects a secret this kind accepts but can never be made into a slot (an empty passphrase), before the store
    /// takes its lock. The default accepts everything.
    static func check(_ secret: UnlockSecret) throws

    /// Parses the parameters, the slot body before the nonce, leaving the reader just after them.
    ///
    /// - Throws: anything, for malformed or out-of-bound parameters; the store reports the file as corrupt.
    init(parsing reader: inout ByteReader) throws
    /// Writes the parameters exactly as `init(parsing:)` reads them.
    func encodeParameters(into writer: inout ByteWriter)

    /// Fresh parameters (new salt, new sealed blob) and the KEK for a new slot that `secret` will open.
    ///
    /// - Returns: `nil` when `secret` is not one this kind accepts.
    /// - Throws: `SecureStoreError` when the slot cannot be made (a key of the wrong size, no machine id, no TPM).
    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>?
    /// Fresh parameters and KEK for this slot when the data key is rotated, keeping what the user chose for it (a
    /// TPM2 slot keeps its PCRs, whatever PCRs the material carries). The default is `create`.
    ///
    /// - Returns: `nil` when `secret` is not one this kind accepts.
    func renewed(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>?
    /// This slot's KEK for `secret`.
    ///
    /// - Returns: `nil` when `secret` is not one this kind accepts, or cannot make this slot's KEK here (another
    ///   machine): the store then tries the next slot. A wrong secret of the right kind yields a KEK that does not
    ///   unwrap; the store tells that apart.
    /// - Throws: `SecureStoreError` for what must stop the search, such as out-of-bound KDF parameters (`corrupt`).
    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes?
    /// Fills in what `keyslot list` shows beyond the index and kind: `summary`, `parameters` and any of the
    /// kind-specific fields of `KeySlotInfo`.
    func describe(_ info: inout KeySlotInfo)
}

extension KeySlotKind {
    static var isBoundToMachine: Bool { false }

    func renewed(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        try Self.create(for: secret, in: context)
    }

    static func check(_ secret: UnlockSecret) throws {}
}

/// What a kind's `create` returns: the new slot's parameters and the KEK that will wrap the data key.
struct NewKeySlot<Kind: KeySlotKind> {
    var parameters: Kind
    var keyEncryptionKey: SecretBytes
}

/// What a slot kind may draw on besides the caller's secret: the store the slot belongs to and the environment the
/// store was opened in.
struct KeySlotContext {
    /// The store's id (FORMAT.md header), for a kind that binds it into something outside the file (a key
    /// service's encryption context).
    var storeID: [UInt8]
    /// The slot's position in the store, for messages. It shifts down when an earlier slot is removed, so a kind must
    /// not bind it into its KEK.
    var slotIndex: Int
    /// The store file, for error messages.
    var path: String
    /// The scrypt costs to write and the bounds to accept.
    var policy: ScryptPolicy
    /// The machine and user that bound slots mix into their KEK.
    var machine: MachineBinding
}

/// What a store lets its slot kinds draw on: the scrypt policy, the machine binding and the kinds it knows. Outside
/// tests only the policy is ever changed (tests make it cheap); another machine binding or a test-only kind reaches a
/// store only through the debug-build `create`/`open` overloads (`@testable import`), never through a flag, an
/// environment variable or a process-wide setting.
struct KeySlotEnvironment {
    /// The scrypt costs to write and the bounds to accept.
    var policy: ScryptPolicy = .standard
    /// The machine and user that bound slots mix into their KEK.
    var machine: MachineBinding = .thisMachine
    /// The slot kinds the store can parse, open and create.
    var kinds: [any KeySlotKind.Type] = KeySlotKinds.all

    /// The real thing: standard scrypt costs, this machine and user, every kind in `KeySlotKinds.all`.
    static var standard: KeySlotEnvironment { KeySlotEnvironment() }

    /// The context for slot `slotIndex` of the store `storeID` at `path`.
    func context(storeID: [UInt8], slotIndex: Int, path: String) -> KeySlotContext {
        KeySlotContext(storeID: storeID, slotIndex: slotIndex, path: path, policy: policy, machine: machine)
    }
}
