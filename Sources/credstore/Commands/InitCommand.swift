import ArgumentParser
import CredentialLookup
import Glibc
import UnlockAgent

/// `credstore init`: creates the encrypted store with a passphrase slot and/or a key-file slot.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the encrypted store.",
        discussion: """
            Creates an empty encrypted store (mode 0600, in a directory of mode 0700) protected by a passphrase, a \
            key file, or both. The passphrase is asked twice on the terminal without echo, unless it comes from \
            --passphrase-file or --passphrase-fd. With --key-file PATH the key file is used if it exists and \
            generated (32 random bytes, mode 0600) if it does not; use it for unattended unlocking by cron or \
            systemd. An existing store is never overwritten.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Flag(name: .customLong("no-passphrase"), help: "Create only the key-file slot; requires --key-file.")
    var noPassphrase = false

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
        if noPassphrase && keyPath == nil {
            throw CLIFailure("--no-passphrase needs --key-file PATH: the store must have at least one slot",
                             hint: "add --key-file PATH, or leave out --no-passphrase", exitCode: .usage)
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
        do {
            _ = try EncryptedStore.create(at: path, secrets: secrets, bindingKeyFilesToMachine: bindToMachine)
        } catch {
            if let generatedKey { unlink(generatedKey) }
            throw error
        }
        Output.print("Created the encrypted store \(path) with slots: \(description.joined(separator: ", ")).")
    }
}
