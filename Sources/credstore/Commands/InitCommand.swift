import ArgumentParser
import CredentialLookup
import Glibc
import SecureStore
import UnlockAgent

/// `credstore init`: creates the encrypted store with a passphrase slot and/or a key-file slot.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the encrypted store.",
        discussion: """
            Creates an empty encrypted store (mode 0600, in a directory of mode 0700) protected by a passphrase, a \
            key file, the TPM, or several of them. The passphrase is asked twice on the terminal without echo, \
            unless it comes from --passphrase-file or --passphrase-fd. With --key-file PATH the key file is used if \
            it exists and generated (32 random bytes, mode 0600) if it does not; use it for unattended unlocking by \
            cron or systemd. With --tpm2 a slot sealed to this machine's TPM opens the store without a secret; a \
            store whose only slot is the TPM's is lost with the TPM (or, with --tpm2-pcrs, with a firmware update), \
            so that needs a confirmation on the terminal or --no-recovery-slot. An existing store is never \
            overwritten.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Flag(name: .customLong("no-passphrase"), help: "Create no passphrase slot; requires --key-file or --tpm2.")
    var noPassphrase = false

    @OptionGroup var tpm2Options: TPM2SlotOptions

    @Flag(name: .customLong("no-recovery-slot"), help: """
        With --tpm2 --no-passphrase and no --key-file: create the store with the TPM2 slot alone without asking \
        (it cannot be opened again if the TPM is cleared or replaced, or a bound PCR changes).
        """)
    var noRecoverySlot = false

    @Flag(name: .customLong("bind-to-machine"), help: """
        Make the key-file slot open only on this machine and as this user (it mixes /etc/machine-id and your uid \
        into the key), so a copy of the store and key file is useless elsewhere; requires --key-file.
        """)
    var bindToMachine = false

    func run() throws {
        let unlocker = storeOptions.unlocker()
        let path = unlocker.storePath
        guard !EncryptedStore.exists(at: path) else {
            throw CLIFailure("a store already exists at \(path); nothing was changed",
                             hint: "add a slot with 'credstore keyslot add', or choose another path with --store")
        }
        let keyPath = unlocker.keyFile
        if bindToMachine && keyPath == nil {
            throw CLIFailure("--bind-to-machine binds a key-file slot and needs --key-file PATH",
                             hint: "add --key-file PATH", exitCode: .usage)
        }
        if noPassphrase && keyPath == nil && !tpm2Options.tpm2 {
            throw CLIFailure("--no-passphrase needs --key-file PATH or --tpm2: the store must have at least one slot",
                             hint: "add --key-file PATH, or leave out --no-passphrase", exitCode: .usage)
        }
        if tpm2Options.tpm2 && noPassphrase && keyPath == nil {
            try confirmTPM2Only(path)
        }
        var secrets: [UnlockSecret] = []
        var description: [String] = []
        if !noPassphrase {
            // Ask for the passphrase before generating a key file, so a failed prompt leaves nothing behind.
            let passphrase = try unlocker.passphrase(.initialSlot)
            if passphrase.isEmpty {
                throw CLIFailure("the passphrase is empty; nothing was created", hint: "choose a non-empty passphrase",
                                 exitCode: .invalidInput)
            }
            secrets.append(.passphrase(passphrase))
            description.append("passphrase")
        }
        var generatedKey: String?
        if let keyPath {
            let key = try StoreUnlocker.readOrGenerateKeyFile(at: keyPath)
            secrets.append(.keyFile(key.secret))
            if key.generated {
                description.append("key file \(keyPath) (generated"
                                   + (bindToMachine ? ", bound to this machine and user)" : ")"))
                generatedKey = keyPath
            } else {
                description.append("key file \(keyPath)" + (bindToMachine ? " (bound to this machine and user)" : ""))
            }
        }
        if tpm2Options.tpm2 {
            let device = try tpm2Options.device(storeOptions)
            secrets.append(.material(device))
            description.append("TPM2 (" + (device.pcrs.isEmpty ? "no PCR policy"
                : "PCRs " + device.pcrs.map(String.init).joined(separator: ",")) + ")")
        }
        do {
            _ = try EncryptedStore.create(at: path, secrets: secrets, bindingKeyFilesToMachine: bindToMachine)
        } catch {
            if let generatedKey { unlink(generatedKey) }
            throw error
        }
        Output.print("Created the encrypted store \(path) with slots: \(description.joined(separator: ", ")).")
    }

    /// A store whose only slot is the TPM's is lost with the TPM: asked on the terminal, or `--no-recovery-slot`.
    private func confirmTPM2Only(_ path: String) throws {
        if noRecoverySlot { return }
        let question = "The store \(path) would open only through this machine's TPM: if the TPM is cleared or "
            + "replaced" + (tpm2Options.tpm2PCRs == nil ? "" : ", or a bound PCR changes (a firmware or Secure Boot "
                + "update)") + ", nothing opens it again. Create it without a passphrase or key file to recover with?"
        guard SecretSources.hasTerminal else {
            throw CLIFailure("a store with only a TPM2 slot cannot be opened again once the TPM is cleared or "
                             + "replaced; nothing was created",
                             hint: "leave out --no-passphrase, add --key-file PATH for a recovery slot, or pass "
                                + "--no-recovery-slot to create it anyway", exitCode: .usage)
        }
        guard TerminalQuestions.confirm(question) else {
            throw CLIFailure("nothing was created", hint: "leave out --no-passphrase, or add --key-file PATH",
                             exitCode: .failure)
        }
    }
}
