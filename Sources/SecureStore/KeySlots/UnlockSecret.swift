/// A secret that unlocks the store through one of its key slots. Each slot kind says which of these it accepts
/// (`KeySlotKind.accepts`); the store tries every slot whose kind does.
package enum UnlockSecret: Sendable {
    /// A passphrase (UTF-8; normalised to Unicode NFC before use; must not be empty).
    case passphrase(SecretBytes)
    /// The 32 bytes of a key file (see `KeyFile.read(at:)`).
    case keyFile(SecretBytes)
    /// What a slot kind beyond passphrases and key files unlocks with — the TPM to ask, the credentials and endpoint
    /// of a key service. The kind that accepts it recognises its type; no other kind does.
    case material(any UnlockMaterial)
}

/// What the caller hands in for a slot kind that unlocks with something other than a passphrase or key file (for
/// example the TPM device to use, or credentials for a key service obtained outside the store).
package protocol UnlockMaterial: Sendable {
    /// The error when no slot of the store at `path` opens with this material (none of its kind, or none that
    /// unwraps), naming what was tried: a `SecureStoreError`, or the error type of the library the material talks
    /// to (a TPM's `TPM2Error`).
    func noSlotOpens(storeAt path: String) -> any Error
    /// The kind of slot this material opens, so that an unlocker tries it only on a store that has such a slot (and
    /// reports its error only then); `nil`: try it on any store with a slot that needs no user secret.
    var slotKind: KeySlotInfo.Kind? { get }
}

extension UnlockMaterial {
    /// No particular kind: tried on any store with a slot that needs no user secret.
    package var slotKind: KeySlotInfo.Kind? { nil }
}

extension UnlockSecret {
    /// Whether `self` and `other` are the same passphrase or the same key file. Material is never compared: it may
    /// open a slot through a device or a service, so only unwrapping tells.
    func isSame(as other: UnlockSecret) -> Bool {
        switch (self, other) {
        case let (.passphrase(a), .passphrase(b)), let (.keyFile(a), .keyFile(b)): return a == b
        default: return false
        }
    }
}
