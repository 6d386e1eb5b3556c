import ArgumentParser
import CredentialLookup
import Glibc
import SecureStore
import UnlockAgent

/// `credstore keyslot list|add|remove`: manages the key slots that unlock the store.
struct KeySlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyslot",
        abstract: "List, add or remove the passphrases and key files that unlock the store.",
        discussion: """
            A store has 1 to 8 key slots, each opening it with a passphrase or a key file. Removing a slot does not \
            change the data key: a copy of the store taken earlier still opens with the removed secret, and yields the \
            key that decrypts every later save. Run 'credstore rekey' after removing a slot whose secret may have \
            leaked.
            """,
        subcommands: [List.self, Add.self, Remove.self]
    )

    /// `credstore keyslot list`: shows the slots without unlocking.
    struct List: ParsableCommand {
        // Every command names itself: ArgumentParser otherwise derives the name with String(describing:) on the
        // type, whose dynamic casts scan every protocol conformance in the binary on each run (~1 ms of startup).
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show the key slots (no passphrase needed).")

        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print the slots as a JSON array.") var json = false

        func run() throws {
            let path = storeOptions.storePath()
            let slots = try EncryptedStore.slots(at: path)
            // The store does not record key file paths (FORMAT.md); with --key-file, open the store with that file
            // alone (no agent, no other source) and mark the slot it opened.
            var opened: Int?
            var keyFileOpensNothing = false
            if let keyFile = storeOptions.keyFile.map(PathExpansion.expand) {
                do {
                    opened = try EncryptedStore.open(at: path, with: .keyFile(try KeyFile.read(at: keyFile)))
                        .unlockedSlotIndex
                } catch let error as SecureStoreError where error.code == .wrongKeyFile {
                    keyFileOpensNothing = true
                }
            }
            if json {
                let objects: [JSONValue] = slots.map { slot in
                    var object: [String: JSONValue] = [
                        "Index": .number(slot.index), "Kind": .string(slot.kind.rawValue),
                    ]
                    for parameter in slot.parameters {
                        let name = Self.pascalCase(parameter.name)
                        switch parameter.value {
                        case let .text(text): object[name] = .string(text)
                        case let .integer(number): object[name] = .number(number)
                        case let .flag(flag): object[name] = .bool(flag)
                        }
                    }
                    if storeOptions.keyFile != nil { object["OpenedByKeyFile"] = .bool(slot.index == opened) }
                    return .object(object)
                }
                Output.write(JSONValue.array(objects).serialized() + "\n")
            } else {
                let marked = storeOptions.keyFile != nil
                Output.write(Output.table(
                    header: (marked ? [""] : []) + ["SLOT", "KIND", "KDF"],
                    rows: slots.map { slot in
                        (marked ? [slot.index == opened ? "*" : ""] : [])
                            + [String(slot.index), slot.kind.rawValue, slot.summary]
                    }))
                if let keyFile = storeOptions.keyFile, let opened {
                    Output.print("* the key file \(keyFile) opens slot \(opened).")
                }
            }
            if keyFileOpensNothing, let keyFile = storeOptions.keyFile {
                throw CLIFailure("the key file \(keyFile) opens none of the key slots of \(path)",
                                 hint: "each key-file slot opens with one file; try the other key files you have",
                                 exitCode: .wrongSecret)
            }
        }

        /// A parameter name as a JSON member name: PascalCase like every other JSON key (`logN` → `LogN`).
        static func pascalCase(_ name: String) -> String {
            name.prefix(1).uppercased() + name.dropFirst()
        }
    }

    /// `credstore keyslot add`: adds a passphrase or key-file slot.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a passphrase, key-file, TPM2 or AWS KMS slot.",
            discussion: """
                Unlocks the store with an existing secret, then adds a slot for a new passphrase (asked twice, or \
                from --new-passphrase-file/--new-passphrase-fd), with --new-key-file PATH for a key file \
                (generated if it does not exist), with --tpm2 for a key sealed to this machine's TPM \
                (--tpm2-device, --tpm2-pcrs), or with --kms-key ARN for a key wrapped by AWS KMS (--kms-region, \
                --kms-profile; the AWS credentials come from outside the store).
                """)

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var newPassphraseOptions: NewPassphraseOptions
        @Option(name: .customLong("new-key-file"), help: ArgumentHelp(
            "Add a key-file slot for this file, generating it (32 random bytes, mode 0600) if it does not exist.",
            valueName: "path"))
        var newKeyFile: String?

        @Flag(name: .customLong("bind-to-machine"), help: """
            Make the new key-file slot open only on this machine and as this user (it mixes /etc/machine-id and \
            your uid into the key); requires --new-key-file.
            """)
        var bindToMachine = false

        @OptionGroup var tpm2Options: TPM2SlotOptions
        @OptionGroup var kmsOptions: KMSSlotOptions

        func validate() throws {
            if kmsOptions.kmsKey != nil && (tpm2Options.tpm2 || newKeyFile != nil) {
                throw ValidationError("--kms-key, --tpm2 and --new-key-file each add a slot: add one at a time")
            }
            if bindToMachine && newKeyFile == nil {
                throw ValidationError("--bind-to-machine binds a key-file slot and needs --new-key-file PATH")
            }
            if tpm2Options.tpm2 && newKeyFile != nil {
                throw ValidationError("--tpm2 and --new-key-file each add a slot: add one at a time")
            }
        }

        func run() throws {
            let unlocker = storeOptions.unlocker(newPassphrase: newPassphraseOptions)
            let kms = try kmsOptions.access(storeOptions)
            let store = try unlocker.open()
            if let kms, let key = kms.newSlotKey {
                try store.addSlot(.material(kms))
                let profile = key.profile.map { "profile \($0)" } ?? "credentials from the environment or role"
                Output.print("Added a KMS slot (key \(key.keyID), region \(key.region), \(profile)) to \(store.path).")
            } else if tpm2Options.tpm2 {
                let device = try tpm2Options.device(storeOptions)
                try store.addSlot(.material(device))
                let pcrs = device.pcrs.isEmpty ? "no PCR policy"
                    : "bound to PCRs " + device.pcrs.map(String.init).joined(separator: ",")
                Output.print("Added a TPM2 slot (\(pcrs), TPM \(device.tcti)) to \(store.path).")
            } else if let newKeyFile {
                let existed = EncryptedStore.exists(at: newKeyFile)
                let key = existed ? try KeyFile.read(at: newKeyFile) : try KeyFile.generate(at: newKeyFile)
                do {
                    try store.addSlot(.keyFile(key), bindingToMachine: bindToMachine)
                } catch {
                    if !existed { unlink(newKeyFile) }
                    throw error
                }
                let notes = (existed ? [] : ["generated"]) + (bindToMachine ? ["bound to this machine and user"] : [])
                let detail = notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")"
                Output.print("Added a key-file slot for \(newKeyFile)\(detail) to \(store.path).")
            } else {
                try store.addSlot(.passphrase(try unlocker.passphrase(.replacement)))
                Output.print("Added a passphrase slot to \(store.path).")
            }
        }
    }

    /// `credstore keyslot remove`: removes one slot, never the last.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a key slot (never the last one).",
            discussion: """
                The data key stays the same: a copy of the store taken earlier still opens with the removed \
                secret and yields the key of every later save. If that secret may have leaked, run 'credstore \
                rekey' afterwards.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The slot number, as 'credstore keyslot list' shows it.") var slot: Int

        func run() throws {
            let store = try storeOptions.openStore()
            try store.removeSlot(at: slot)
            Output.print("Removed key slot \(slot) from \(store.path).")
        }
    }
}
