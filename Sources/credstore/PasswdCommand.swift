import ArgumentParser
import CredentialLookup

/// `credstore passwd`: changes the passphrase of one passphrase slot.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change the store's passphrase.",
        discussion: """
            Asks for the current passphrase and the new one (twice), on the terminal without echo, or reads them \
            from --passphrase-file/--passphrase-fd and --new-passphrase-file/--new-passphrase-fd. Only the slot \
            that the current passphrase opens is re-wrapped; profiles are not re-encrypted and other slots (key \
            files, other passphrases) keep working. A key file cannot stand in for the current passphrase here.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var newPassphraseOptions: NewPassphraseOptions

    func run() throws {
        let path = storeOptions.storePath()
        _ = try EncryptedStore.slots(at: path)  // fail on a missing or broken store before asking anything
        let current: SecretBytes
        if let supplied = try storeOptions.suppliedPassphrase() {
            current = supplied
        } else if SecretSources.hasTerminal {
            current = try SecretSources.promptPassphrase("Current passphrase for \(path): ")
        } else {
            throw CLIFailure("passwd needs the current passphrase of \(path), and there is no terminal to ask on",
                             hint: "pass --passphrase-file PATH or --passphrase-fd N", exitCode: .noSecretSource)
        }
        let store = try EncryptedStore.open(at: path, with: .passphrase(current))
        let new = try newPassphraseOptions.newPassphrase(for: path)
        try store.changePassphrase(from: current, to: new)
        print("Changed the passphrase of \(path).")
    }
}
