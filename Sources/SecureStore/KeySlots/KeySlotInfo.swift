/// What `EncryptedStore.slots(at:)` tells about a key slot, without unlocking anything. The slot's kind fills it in
/// (`KeySlotKind.describe`).
package struct KeySlotInfo: Equatable, Sendable {
    /// The kind of secret that opens a slot, named as `keyslot list` shows it. Each slot kind declares its own name
    /// (as an extension with a static constant, in the kind's file).
    package struct Kind: RawRepresentable, Hashable, Sendable {
        /// The name, e.g. `passphrase` or `key-file`.
        package var rawValue: String

        /// A kind named `rawValue`.
        package init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// A passphrase, stretched with scrypt.
        package static let passphrase = Kind(rawValue: "passphrase")
        /// A 32-byte key file, expanded with HKDF-SHA256 (machine-bound or not: see `isBoundToMachine`).
        package static let keyFile = Kind(rawValue: "key-file")
    }

    /// A parameter value worth showing.
    package enum Value: Equatable, Sendable {
        /// Text, e.g. a KDF name.
        case text(String)
        /// A whole number, e.g. scrypt's log2(N).
        case integer(Int)
        /// A yes/no property.
        case flag(Bool)
    }

    /// One named parameter of a slot, as `keyslot list --json` shows it.
    package struct Parameter: Equatable, Sendable {
        /// The parameter's name, e.g. `logN`.
        package var name: String
        /// Its value.
        package var value: Value

        /// A parameter `name` with `value`.
        package init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// The slot's position in the store (0-based); `removeSlot(at:)` takes it.
    package var index: Int
    /// The kind of secret that opens the slot.
    package var kind: Kind
    /// One line on how the slot makes its key, e.g. `scrypt N=2^17 r=8 p=1` or
    /// `HKDF-SHA256, bound to this machine and user`.
    package var summary = ""
    /// The slot's parameters worth showing, in order (no secrets, no salts).
    package var parameters: [Parameter] = []
    /// Whether opening the slot needs a secret from the user; `false` for slots that unlock through the machine or
    /// its environment, which an unlocker can try before asking for anything.
    package var needsUserSecret = true
    /// For a passphrase slot, the scrypt cost as log2(N); `nil` for other slots.
    package var scryptLogN: Int?
    /// For a passphrase slot, scrypt's block size r; `nil` for other slots.
    package var scryptR: Int?
    /// For a passphrase slot, scrypt's parallelism p; `nil` for other slots.
    package var scryptP: Int?
    /// Whether the slot opens only on this machine and as the user who made it (`--bind-to-machine`).
    package var isBoundToMachine = false

    init(index: Int, kind: Kind, needsUserSecret: Bool, isBoundToMachine: Bool) {
        self.index = index
        self.kind = kind
        self.needsUserSecret = needsUserSecret
        self.isBoundToMachine = isBoundToMachine
    }
}
