import ArgumentParser
import CredentialLookup
import SecureStore
import UnlockAgent

/// `credstore passwd`: changes the passphrase of one passphrase slot.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change the store's passphrase.",
        discussion: """
            Asks for the current passphrase and the new one (twice), on the terminal without echo, or reads them \
            from --passphrase-file/--passphrase-fd and --new-passphrase-file/--new-passphrase-fd. Only the slot \
            that the current passphrase opens is re-wrapped; profiles are not re-encrypted and other slots (key \
            files, other passphrases) keep working. A key file cannot stand in for the current passphrase here. \
            The data key stays the same: if the old passphrase may have leaked, run 'credstore rekey' afterwards, \
            or a copy of the store taken earlier plus the old passphrase still decrypts every later save.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var newPassphraseOptions: NewPassphraseOptions

    func run() throws {
        let unlocker = storeOptions.unlocker(newPassphrase: newPassphraseOptions)
        let path = unlocker.storePath
        _ = try EncryptedStore.slots(at: path)  // fail on a missing or broken store before asking anything
        let (store, current) = try unlocker.openWithCurrentPassphrase()  // a typo at the prompt is asked for again
        let new = try unlocker.passphrase(.replacement)
        try store.changePassphrase(from: current, to: new)
        Output.print("Changed the passphrase of \(path).")
    }
}
