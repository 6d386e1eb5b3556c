/// Every key-slot kind this build knows, in the order `addSlot` prefers them when several accept a secret. Adding a
/// kind is one file and one line here (see `KeySlotKind`).
enum KeySlotKinds {
    /// The registered kinds.
    static let all: [any KeySlotKind.Type] = [
        PassphraseSlot.self,
        KeyFileSlot.self,
        BoundKeyFileSlot.self,
        TPM2Slot.self,
        KMSSlot.self,
    ]

    /// The kind with kind byte `byte` among `kinds`, or `nil`.
    static func kind(byte: UInt8, among kinds: [any KeySlotKind.Type]) -> (any KeySlotKind.Type)? {
        kinds.first { $0.kindByte == byte }
    }

    /// The kind a new slot for `secret` gets: the first of `kinds` that accepts it and is bound to the machine as
    /// asked; without `boundToMachine`, any kind that accepts it when no unbound one does.
    ///
    /// - Throws: `SecureStoreError.invalidArgument` when no kind accepts `secret` that way.
    static func kind(
        for secret: UnlockSecret, boundToMachine: Bool, among kinds: [any KeySlotKind.Type]
    ) throws -> any KeySlotKind.Type {
        let accepting = kinds.filter { $0.accepts(secret) }
        if let kind = accepting.first(where: { $0.isBoundToMachine == boundToMachine })
            ?? (boundToMachine ? nil : accepting.first) {
            return kind
        }
        if boundToMachine, !accepting.isEmpty {
            let bindable = kinds.filter { $0.isBoundToMachine }.map { $0.name.rawValue }.joined(separator: " or ")
            throw SecureStoreError(.invalidArgument,
                                   "only \(bindable) slots can be bound to this machine",
                                   hint: "bind only \(bindable) slots to the machine")
        }
        throw SecureStoreError(.invalidArgument,
                               "no kind of key slot opens with this secret", hint: "give a passphrase or a key file")
    }
}
