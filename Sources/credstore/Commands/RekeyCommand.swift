import ArgumentParser
import CredentialLookup
import Glibc
import SecureStore
import SystemLayer
import UnlockAgent

/// `credstore rekey`: gives the store a new data key, so a leaked passphrase or key file (or a data key an agent once
/// held) no longer opens what is saved from now on.
struct RekeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Give the store a new data key (after a passphrase or key file leaked).",
        discussion: """
            'passwd' and 'keyslot remove' keep the data key: whoever kept a copy of the store and the old passphrase \
            or key file can still read that copy's data key and with it decrypt every later save. 'rekey' replaces \
            the data key, re-encrypts every profile and re-wraps every remaining key slot, in one atomic write. Run \
            it after 'passwd' or 'keyslot remove' when the old secret may have leaked. Copies of the store made \
            before the re-key keep the profiles they held then: change those keys at AWS too. The session cache \
            (STORE.sessions) is dropped, so no cached session stays readable under the old key; sessions are made \
            again when needed.

            The store is opened with --key-file, the systemd credential, --passphrase-file/--passphrase-fd or a \
            passphrase asked on the terminal (never through the unlock agent). Every other slot needs its secret: \
            give key files with --slot-key-file (repeatable); a passphrase slot is asked for on the terminal. A \
            slot no secret given opens is dropped only after a yes on the terminal, or with --drop-unopened-slots \
            (or --force) without one; at least one slot the given secrets open always stays. The unlock agent is \
            told to forget the old key of this store.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("slot-key-file"), help: ArgumentHelp(
        "The key file of another key slot, to keep that slot (repeatable).", valueName: "path"))
    var slotKeyFiles: [String] = []

    @Flag(name: .customLong("drop-unopened-slots"), help: """
        Drop the key slots that none of the secrets given opens, without asking (required without a terminal).
        """)
    var dropUnopenedSlots = false

    @Flag(name: .customLong("force"), help: "The same as --drop-unopened-slots.")
    var force = false

    func run() throws {
        let unlocker = storeOptions.unlocker()
        let path = unlocker.storePath
        let slotsBefore = try EncryptedStore.slots(at: path)  // fail on a missing or broken store before asking
        // Never the agent: re-keying must prove knowledge of a real secret. A typo at the prompt is asked again.
        let store = try unlocker.open(askingAgent: false)
        let opensWithKeyFile = unlocker.keyFile != nil || unlocker.systemdCredential != nil
        var others: [UnlockSecret] = try slotKeyFiles.map { .keyFile(try KeyFile.read(at: $0)) }
        // A passphrase file or descriptor given next to a key file may open another slot.
        if opensWithKeyFile, unlocker.passphraseFile != nil || unlocker.passphraseDescriptor != nil {
            others.append(.passphrase(try unlocker.passphrase(.unlock)))
        }
        // The machine opens the slots that need no user secret (a TPM2 slot, re-sealed to the same PCRs).
        if slotsBefore.contains(where: { !$0.needsUserSecret }) {
            others += unlocker.machineMaterials.map { .material($0) }
        }
        var unopened = try store.slotsNotOpened(by: others)
        let slots = try EncryptedStore.slots(at: path)
        func kind(_ index: Int) -> String {
            slots.first(where: { $0.index == index })?.kind.rawValue ?? "unknown"
        }
        if !unopened.isEmpty, SecretSources.hasTerminal {
            var pending = unopened.filter { kind($0) == KeySlotInfo.Kind.passphrase.rawValue }
            while !pending.isEmpty {
                let index = pending.removeFirst()
                let passphrase = try SecretSources.promptPassphrase(
                    "Passphrase of key slot \(index) of \(path) (empty to drop the slot): ")
                guard !passphrase.isEmpty else { continue }
                let candidate = UnlockSecret.passphrase(passphrase)
                let notOpened = try store.slotsNotOpened(by: others + [candidate])
                if notOpened.contains(index) {
                    StandardError.write("That passphrase does not open key slot \(index).\n")
                } else {
                    others.append(candidate)
                    pending.removeAll { !notOpened.contains($0) }  // it may open later slots too: not asked again
                }
            }
            unopened = try store.slotsNotOpened(by: others)
        }
        let dropped = unopened.map { "\($0) (\(kind($0)))" }.joined(separator: ", ")
        if !unopened.isEmpty && !(dropUnopenedSlots || force) {
            guard SecretSources.hasTerminal else {
                throw CLIFailure("no secret given opens key slot\(unopened.count == 1 ? "" : "s") \(dropped) of "
                                 + "\(path); nothing was changed",
                                 hint: "give the key file of each with --slot-key-file PATH, or pass "
                                     + "--drop-unopened-slots to drop them", exitCode: .noSecretSource)
            }
            let question = "No secret given opens key slot\(unopened.count == 1 ? "" : "s") \(dropped). Drop "
                + "\(unopened.count == 1 ? "it" : "them") (whoever uses \(unopened.count == 1 ? "it" : "them") "
                + "loses access)?"
            guard TerminalQuestions.confirm(question) else {
                throw CLIFailure("re-keying \(path) was cancelled; nothing was changed",
                                 hint: "give the key file of each slot with --slot-key-file PATH")
            }
        }
        let hadSessions = SessionCache.exists(forStoreAt: path)
        Self.installTestKillPoint(environment: storeOptions.environment)
        // By identity, not index: a slot that took a confirmed slot's index meanwhile is never dropped unasked.
        try store.rotateDataKey(otherSecrets: others,
                                droppingIdentified: Set(unopened.compactMap { store.slotIdentity(at: $0) }))
        // The agent's copy of the old key no longer authenticates the file (it can neither read nor write it);
        // forgetting it also removes the copy from the agent's memory.
        if let canonical = AgentClient.canonicalPath(path) {
            _ = try? AgentClient(environment: storeOptions.environment).send(.lock(storePath: canonical))
        }
        let count = store.profileNames.count
        Output.print("Re-keyed \(path): a new data key, \(count) profile\(count == 1 ? "" : "s") re-encrypted"
                     + (unopened.isEmpty ? "" : ", key slot\(unopened.count == 1 ? "" : "s") \(dropped) dropped")
                     + (hadSessions ? ", the session cache dropped (sessions are made again when needed)" : "")
                     + ". Copies of the store made before keep their old key and contents.")
    }

    /// Test seam (debug builds only): `CREDSTORE_TEST_REKEY_KILL_AT=STEP#N` kills this process with SIGKILL at the
    /// N-th `AtomicWriteStep` named STEP (e.g. `rename#1`) from here on, as a crash or power cut at that instant would.
    private static func installTestKillPoint(environment: [String: String]) {
        #if DEBUG
        AtomicWriteFaultInjection.at(environment["CREDSTORE_TEST_REKEY_KILL_AT"]) {
            kill(getpid(), SIGKILL)
            return nil
        }
        #endif
    }
}
