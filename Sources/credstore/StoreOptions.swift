import ArgumentParser
import CredentialLookup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The options every command that touches the encrypted store shares: where the store is, and where the secret that
/// unlocks it comes from. Secrets themselves are never accepted on the command line.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: ArgumentHelp(
        "The encrypted store file. Defaults to CREDSTORE_STORE, else $XDG_DATA_HOME/credstore/store, else "
            + "~/.local/share/credstore/store.", valueName: "path"))
    var store: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "A 32-byte key file that unlocks the store (also CREDSTORE_KEY_FILE). It must be mode 0600 and yours.",
        valueName: "path"))
    var keyFile: String?

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp(
        "A file holding the passphrase; one trailing newline is ignored (also CREDSTORE_PASSPHRASE_FILE). It must "
            + "be mode 0600 and yours.", valueName: "path"))
    var passphraseFile: String?

    @Option(name: .customLong("passphrase-fd"), help: ArgumentHelp(
        "An open file descriptor to read the passphrase from, up to end of file.", valueName: "n"))
    var passphraseFD: Int32?

    /// The hint shown when no secret source is available.
    static let secretOptionsHint = "pass --key-file PATH, --passphrase-file PATH or --passphrase-fd N, set "
        + "CREDSTORE_KEY_FILE or CREDSTORE_PASSPHRASE_FILE, provide $CREDENTIALS_DIRECTORY/credstore.key, or run "
        + "the command on a terminal"

    /// The environment, read once: it is consulted ~10 times per command (store path, key file, passphrase file,
    /// systemd credentials, agent socket), and each read copies the whole environment into a dictionary. Only
    /// credstore's own configuration variables are read from it, which credstore never changes while it runs.
    var environment: [String: String] { Self.environmentSnapshot }
    private static let environmentSnapshot = ProcessInfo.processInfo.environment

    /// The store path, without opening anything (for commands that need no unlock, such as `list`).
    func storePath() -> String {
        StoreLocation.resolve(explicit: store, environment: environment)
    }

    /// The key file named by `--key-file` or `CREDSTORE_KEY_FILE`, if any.
    var explicitKeyFile: String? {
        if let keyFile, !keyFile.isEmpty { return keyFile }
        if let path = environment["CREDSTORE_KEY_FILE"], !path.isEmpty { return path }
        return nil
    }

    /// A passphrase from `--passphrase-file`/`CREDSTORE_PASSPHRASE_FILE` or `--passphrase-fd`, if one was given.
    func suppliedPassphrase() throws -> SecretBytes? {
        if let passphraseFile, !passphraseFile.isEmpty { return try PassphraseFile.read(at: passphraseFile) }
        if let path = environment["CREDSTORE_PASSPHRASE_FILE"], !path.isEmpty {
            return try PassphraseFile.read(at: path)
        }
        if let passphraseFD { return try SecretSources.passphrase(fromDescriptor: passphraseFD) }
        return nil
    }

    /// The secret that unlocks the store, from the first source available, in this order: `--key-file` /
    /// `CREDSTORE_KEY_FILE`; `$CREDENTIALS_DIRECTORY/credstore.key` (systemd credentials); `--passphrase-file` /
    /// `CREDSTORE_PASSPHRASE_FILE`; `--passphrase-fd`; a no-echo prompt on the controlling terminal. With none, it
    /// fails at once (exit 83) instead of waiting for input.
    func unlockSecret() throws -> UnlockSecret {
        if let path = explicitKeyFile { return .keyFile(try KeyFile.read(at: path)) }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory + "/credstore.key"
            if EncryptedStore.exists(at: path) { return .keyFile(try KeyFile.readSystemdCredential(at: path)) }
        }
        if let passphrase = try suppliedPassphrase() { return .passphrase(passphrase) }
        guard SecretSources.hasTerminal else { throw noSecretSource() }
        return .passphrase(try SecretSources.promptPassphrase("Passphrase for \(storePath()): "))
    }

    /// The key file at `path`, generated (mode 0600) when there is none yet, as `init --key-file` and the first
    /// `set` do. The caller removes a generated file again when the store it was for cannot be created.
    static func readOrGenerateKeyFile(at path: String) throws -> (secret: SecretBytes, generated: Bool) {
        if EncryptedStore.exists(at: path) { return (try KeyFile.read(at: path), false) }
        return (try KeyFile.generate(at: path), true)
    }

    func noSecretSource() -> CLIFailure {
        CLIFailure("the store \(storePath()) needs a passphrase or key file, and none is available (no terminal)",
                   hint: Self.secretOptionsHint, exitCode: .noSecretSource)
    }

    /// Opens and unlocks the store: through the unlock agent when it holds this store's key, else with
    /// `unlockSecret()`. With `create`, a missing store is created with the same secret first (a
    /// passphrase typed on the terminal is asked twice).
    func openStore(create: Bool = false) throws -> EncryptedStore {
        let path = storePath()
        if create, !EncryptedStore.exists(at: path) {
            let secret: UnlockSecret
            var generatedKey: String?
            if let keyPath = explicitKeyFile {
                let key = try Self.readOrGenerateKeyFile(at: keyPath)
                secret = .keyFile(key.secret)
                if key.generated { generatedKey = keyPath }
            } else if let passphrase = try suppliedPassphrase() {
                secret = .passphrase(passphrase)
            } else if SecretSources.hasTerminal {
                secret = .passphrase(try SecretSources.promptPassphrase("New passphrase for \(path): ", confirm: true))
            } else {
                throw noSecretSource()
            }
            do {
                return try EncryptedStore.create(at: path, secrets: [secret])
            } catch {
                if let generatedKey { unlink(generatedKey) }  // a key to no store would only mislead
                throw error
            }
        }
        if !EncryptedStore.exists(at: path) {
            // Fail before asking for a secret that could not open anything.
            _ = try EncryptedStore.profileNames(at: path)
        }
        // The unlock agent first (no secret, no KDF); any problem with it falls through to the other sources.
        if let store = AgentClient(environment: environment).openStore(at: path) { return store }
        return try EncryptedStore.open(at: path, with: try unlockSecret())
    }
}

/// Options naming a new passphrase for `passwd` and `keyslot add`, so they can run without a terminal.
struct NewPassphraseOptions: ParsableArguments {
    @Option(name: .customLong("new-passphrase-file"), help: ArgumentHelp(
        "A file holding the new passphrase (mode 0600); otherwise it is asked twice on the terminal.",
        valueName: "path"))
    var newPassphraseFile: String?

    @Option(name: .customLong("new-passphrase-fd"), help: ArgumentHelp(
        "An open file descriptor to read the new passphrase from.", valueName: "n"))
    var newPassphraseFD: Int32?

    /// The new passphrase from the file, the descriptor or the terminal (asked twice), else exit 83.
    func newPassphrase(for path: String) throws -> SecretBytes {
        if let newPassphraseFile { return try PassphraseFile.read(at: newPassphraseFile) }
        if let newPassphraseFD { return try SecretSources.passphrase(fromDescriptor: newPassphraseFD) }
        guard SecretSources.hasTerminal else {
            throw CLIFailure("a new passphrase is needed for \(path), and there is no terminal to ask on",
                             hint: "pass --new-passphrase-file PATH or --new-passphrase-fd N",
                             exitCode: .noSecretSource)
        }
        return try SecretSources.promptPassphrase("New passphrase for \(path): ", confirm: true)
    }
}
