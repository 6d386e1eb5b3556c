extension EncryptedStore {
    /// How many scrypt derivations (passphrase slots) this process has run: a diagnostic that lets tests and the
    /// unlock agent's status prove that repeated unlocks through the agent pay no KDF.
    public static var passphraseDerivationCount: Int { KDF.scryptRuns.value }
}
