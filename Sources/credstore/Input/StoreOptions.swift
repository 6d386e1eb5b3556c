import ArgumentParser
import CredentialLookup
import FoundationEssentials
import SecureStore
import UnlockAgent

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
        "A file holding the passphrase; one trailing newline (LF or CRLF) is ignored (also "
            + "CREDSTORE_PASSPHRASE_FILE). It must be mode 0600 and yours.", valueName: "path"))
    var passphraseFile: String?

    @Option(name: .customLong("passphrase-fd"), help: ArgumentHelp(
        "An open file descriptor to read the passphrase from, up to end of file; one trailing newline (LF or CRLF) "
            + "is ignored.", valueName: "n"))
    var passphraseFD: Int32?

    @Option(name: .customLong("tpm2-device"), help: ArgumentHelp(
        "The TPM for TPM2 key slots, as a tss2 TCTI string (also CREDSTORE_TPM2_DEVICE; default "
            + "device:/dev/tpmrm0, the kernel's resource manager), e.g. swtpm:host=127.0.0.1,port=2321.",
        valueName: "tcti"))
    var tpm2Device: String?

    /// The hint shown when no secret source is available.
    static let secretOptionsHint = "pass --key-file PATH, --passphrase-file PATH or --passphrase-fd N, set "
        + "CREDSTORE_KEY_FILE or CREDSTORE_PASSPHRASE_FILE, provide $CREDENTIALS_DIRECTORY/credstore.key, or run "
        + "the command on a terminal; or run 'credstore unlock' once on a terminal, and the unlock agent serves "
        + "the store to every later command (AWS tools' credential_process included) until its timeout"

    /// The environment, read once per run (`ProcessEnvironment`): it is consulted ~10 times per command (store
    /// path, key file, passphrase file, systemd credentials, agent socket).
    var environment: [String: String] { ProcessEnvironment.current }

    /// The store path, without opening anything (for commands that need no unlock, such as `list`).
    func storePath() -> String {
        StoreLocation.resolve(explicit: store, environment: environment)
    }

    /// The unlock rules for these options (UnlockAgent's `StoreUnlocker`): the agent, the key file, the systemd
    /// credential, the passphrase file or descriptor, a TPM2 slot (when the store has one), then a no-echo prompt on
    /// the controlling terminal, if there is one. With `newPassphrase`, also where a new passphrase comes from.
    func unlocker(newPassphrase: NewPassphraseOptions? = nil) -> StoreUnlocker {
        var unlocker = StoreUnlocker(storePath: store, keyFile: keyFile, passphraseFile: passphraseFile,
                                     passphraseDescriptor: passphraseFD, environment: environment,
                                     prompt: SecretSources.promptPassphrase, tpm2Device: tpm2Device)
        // Whether there is a terminal is found out only when the prompt is about to ask (a lookup that needs no
        // secret never opens /dev/tty), and at most once per process (`SecretSources.hasTerminal`). `confirm` is
        // only asked after the prompt has asked, so on a terminal.
        unlocker.promptIsAvailable = { SecretSources.hasTerminal }
        unlocker.confirm = TerminalQuestions.confirm
        unlocker.newPassphraseFile = newPassphrase?.newPassphraseFile
        unlocker.newPassphraseDescriptor = newPassphrase?.newPassphraseFD
        // A KMS slot opens with AWS credentials from outside the store; nothing is loaded or sent unless the store
        // has one (StoreUnlocker tries a material only for a store with a slot of its kind).
        unlocker.machineMaterials.append(KMSKeyService(storePath: unlocker.storePath, environment: environment))
        return unlocker
    }

    /// Opens and unlocks the store by the unlock rules; with `create`, a missing store is created first.
    /// A store that is created says so on stderr (`note: created a new store at P`): a store that vanished (moved
    /// aside by someone who could write its directory, deleted, a changed CREDSTORE_STORE) is never replaced by an
    /// empty one silently.
    func openStore(create: Bool = false) throws -> EncryptedStore {
        let unlocker = unlocker()
        guard create else { return try unlocker.open() }
        let existed = EncryptedStore.exists(at: unlocker.storePath)
        let store = try unlocker.openOrCreate()
        if !existed { StandardError.line("note: created a new store at \(unlocker.storePath)") }
        return store
    }
}

/// Options of a new TPM2 slot (`init --tpm2`, `keyslot add --tpm2`).
struct TPM2SlotOptions: ParsableArguments {
    @Flag(name: .customLong("tpm2"), help: """
        Add a slot whose key is sealed to this machine's TPM 2.0 (chosen with --tpm2-device): it opens the store \
        without a passphrase, but only with that TPM, as this user, and (with --tpm2-pcrs) only while those PCRs \
        keep their values. Keep another slot to recover with.
        """)
    var tpm2 = false

    @Option(name: .customLong("tpm2-pcrs"), help: ArgumentHelp(
        "Bind the TPM2 slot to these PCRs of the SHA-256 bank (comma-separated, 0-23; e.g. 7 for the Secure Boot "
            + "state): a firmware, boot loader or Secure Boot change then keeps it from opening.", valueName: "list"))
    var tpm2PCRs: String?

    /// The PCRs of `--tpm2-pcrs`, checked.
    ///
    /// - Throws: `ValidationError` for a malformed list, or `--tpm2-pcrs` without `--tpm2`.
    func pcrs() throws -> [Int] {
        guard let tpm2PCRs else { return [] }
        guard tpm2 else { throw ValidationError("--tpm2-pcrs binds a TPM2 slot and needs --tpm2") }
        let items = tpm2PCRs.split(separator: ",", omittingEmptySubsequences: false)
        let pcrs = items.compactMap { Int($0.filter { $0 != " " }) }
        guard !items.isEmpty, pcrs.count == items.count, pcrs.allSatisfy((0...23).contains) else {
            throw ValidationError("--tpm2-pcrs takes PCR numbers from 0 to 23, separated by commas (e.g. 7 or 0,7)")
        }
        return pcrs
    }

    func validate() throws {
        _ = try pcrs()
    }

    /// The material a new TPM2 slot is made with, for the TPM `storeOptions` name.
    func device(_ storeOptions: StoreOptions) throws -> TPM2Device {
        TPM2Device(tcti: TPM2Device.tcti(explicit: storeOptions.tpm2Device, environment: storeOptions.environment),
                   pcrs: try pcrs())
    }
}

/// Options naming a new passphrase for `passwd` and `keyslot add`, so they can run without a terminal.
struct NewPassphraseOptions: ParsableArguments {
    @Option(name: .customLong("new-passphrase-file"), help: ArgumentHelp(
        "A file holding the new passphrase (mode 0600; one trailing newline, LF or CRLF, is ignored); otherwise it "
            + "is asked twice on the terminal.",
        valueName: "path"))
    var newPassphraseFile: String?

    @Option(name: .customLong("new-passphrase-fd"), help: ArgumentHelp(
        "An open file descriptor to read the new passphrase from, up to end of file; one trailing newline (LF or "
            + "CRLF) is ignored.", valueName: "n"))
    var newPassphraseFD: Int32?
}
