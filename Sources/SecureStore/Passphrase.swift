
/// Passphrase rules: UTF-8, normalised to Unicode NFC (so the same passphrase typed on different systems gives the
/// same key), never empty.
enum Passphrase {
    /// The NFC form of `secret`. Throws `invalidArgument` for an empty or non-UTF-8 passphrase.
    static func normalize(_ secret: SecretBytes) throws -> SecretBytes {
        guard !secret.isEmpty else {
            throw SecureStoreError(.invalidArgument, "the passphrase is empty", hint: "choose a non-empty passphrase")
        }
        let isASCII = secret.withUnsafeBytes { bytes in bytes.allSatisfy { $0 < 0x80 } }
        if isASCII { return secret }  // ASCII is already NFC; avoid an unwipeable String copy.
        guard let text = secret.unsafeUTF8String() else {
            throw SecureStoreError(.invalidArgument, "the passphrase is not valid UTF-8",
                                   hint: "use a passphrase in UTF-8 text")
        }
        // The standard library's own NFC (the one String comparison uses), so no ICU is linked for it.
        return SecretBytes(text._nfcCodeUnits)
    }
}
