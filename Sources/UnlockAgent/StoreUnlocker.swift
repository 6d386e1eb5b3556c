import Glibc
import SecureStore

/// The unlock rules, in one value: where the secret that opens (or creates) an encrypted store comes from, and in
/// which order. The `credstore` CLI builds one from its options; a Swift program gets the same rules through
/// CredentialLookup's front door, `CredentialSearch`, which builds one from its parameters.
///
/// The order, first match wins: the unlock agent (when it holds this store's key); the key file (`keyFile`, else
/// `CREDSTORE_KEY_FILE`); the systemd credential `$CREDENTIALS_DIRECTORY/credstore.key`; the passphrase file
/// (`passphraseFile`, else `CREDSTORE_PASSPHRASE_FILE`); the passphrase descriptor; the slots that need no secret
/// from the user (a TPM2 or AWS KMS slot: `machineMaterials`), when the store has one; the prompt (up to
/// `promptAttempts` tries). With none of them it fails at once (`no-secret-source`, or why the TPM or KMS did not open
/// it) instead of waiting for input, and a store without a passphrase slot is never prompted for (`no-key-file`).
package struct StoreUnlocker {
    /// The store file: the path given, else `CREDSTORE_STORE`, else `$XDG_DATA_HOME/credstore/store`, else
    /// `~/.local/share/credstore/store`.
    package let storePath: String
    /// The key file: the path given, else `CREDSTORE_KEY_FILE`.
    package let keyFile: String?
    /// The passphrase file: the path given, else `CREDSTORE_PASSPHRASE_FILE`.
    package let passphraseFile: String?
    /// An open descriptor to read the passphrase from, up to end of file.
    package let passphraseDescriptor: Int32?
    /// A file holding a new passphrase (for `PassphraseNeed.replacement`).
    package var newPassphraseFile: String?
    /// An open descriptor to read a new passphrase from (for `PassphraseNeed.replacement`).
    package var newPassphraseDescriptor: Int32?
    /// The environment the paths above and the agent's socket are looked up in.
    package let environment: [String: String]
    /// Asks for a passphrase with the text it is given (e.g. on a terminal, without echo); `nil` when there is nobody
    /// to ask. Called only when no other source is at hand.
    package var prompt: ((String) throws -> SecretBytes)?
    /// Whether `prompt` can ask right now (e.g. a terminal can be opened); asked only when the prompt is about to be
    /// used, so a command that never needs it never pays for finding out (the CLI's costs an open of /dev/tty).
    package var promptIsAvailable: () -> Bool = { true }
    /// Asks a yes/no question (e.g. on a terminal); `nil` when there is nobody to ask. Used to confirm a short new
    /// passphrase.
    package var confirm: ((String) throws -> Bool)?
    /// What opens the store's slots that need no secret from the user (`KeySlotInfo.needsUserSecret` false), tried
    /// in this order before the prompt when the store has such a slot: the TPM (`tpm2Device`, else
    /// `CREDSTORE_TPM2_DEVICE`, else the kernel's resource manager), then what a caller above adds (the CLI and
    /// `CredentialSearch` add AWS KMS access, `KMSKeyService`). A material is tried only when the store has a slot
    /// of its `slotKind`; nothing is loaded or asked for a store without such a slot.
    package var machineMaterials: [any UnlockMaterial]
    /// Whether an agent key that no longer authenticates the store (its data key was rotated, or the file altered:
    /// the key cannot tell which) is forgotten, so that the next command has no key at hand. True for what uses the
    /// store; `list`, which only shows it, sets it to false: else a listing with a key file at hand would make the
    /// agent forget its key, and the next lookup through the agent alone would no longer catch a renamed record
    /// before falling through to a plaintext profile of that name (SECURITY.md).
    package var forgetsStaleAgentKey = true

    /// How often the prompt asks for a passphrase before giving up: a wrong passphrase, or a new one whose
    /// confirmation differs, is asked for again rather than ending the command (and losing what was typed before).
    package static let promptAttempts = 3
    /// New passphrases shorter than this (in characters) are confirmed with `confirm` before they are used.
    package static let recommendedPassphraseLength = 12

    /// The unlock rules for one store.
    ///
    /// - Parameters:
    ///   - storePath: the store file; `nil` or empty for the default (see `storePath`).
    ///   - keyFile: a key file; `nil` or empty for `CREDSTORE_KEY_FILE`, if set.
    ///   - passphraseFile: a passphrase file; `nil` or empty for `CREDSTORE_PASSPHRASE_FILE`, if set.
    ///   - passphraseDescriptor: an open descriptor holding the passphrase.
    ///   - environment: the process environment (or a chosen one); secrets are never read from it, only paths.
    ///   - prompt: asks for a passphrase when nothing else is at hand; `nil` when there is nobody to ask.
    ///   - tpm2Device: the TCTI string of the TPM for TPM2 slots; `nil` or empty for `CREDSTORE_TPM2_DEVICE`, else
    ///     `device:/dev/tpmrm0`.
    package init(storePath: String? = nil, keyFile: String? = nil, passphraseFile: String? = nil,
                passphraseDescriptor: Int32? = nil, environment: [String: String],
                prompt: ((String) throws -> SecretBytes)? = nil, tpm2Device: String? = nil) {
        self.storePath = StoreLocation.resolve(explicit: storePath, environment: environment)
        self.keyFile = Self.given(keyFile) ?? Self.given(environment["CREDSTORE_KEY_FILE"])
        self.passphraseFile = Self.given(passphraseFile) ?? Self.given(environment["CREDSTORE_PASSPHRASE_FILE"])
        self.passphraseDescriptor = passphraseDescriptor
        self.environment = environment
        self.prompt = prompt
        self.machineMaterials = [TPM2Device(tcti: TPM2Device.tcti(explicit: tpm2Device, environment: environment))]
    }

    /// The systemd credential `$CREDENTIALS_DIRECTORY/credstore.key`, when it exists.
    package var systemdCredential: String? {
        guard let directory = Self.given(environment["CREDENTIALS_DIRECTORY"]) else { return nil }
        let path = directory + "/credstore.key"
        return EncryptedStore.exists(at: path) ? path : nil
    }

    /// Opens and unlocks the store: through the unlock agent when it holds this store's key (unless `askingAgent` is
    /// false: a command that must prove knowledge of a real secret, such as handing the key to the agent or
    /// re-keying), else with `secret()`. A mistyped passphrase at the prompt is asked for again (`promptAttempts`).
    ///
    /// - Throws: `SecureStoreError` when there is no store (before any secret is asked for), the secret is wrong or
    ///   a file is unsafe; `UnlockAgentError` when no secret source is at hand or a passphrase cannot be read.
    package func open(askingAgent: Bool = true) throws -> EncryptedStore {
        if !EncryptedStore.exists(at: storePath) {
            // Fail before asking for a secret that could not open anything.
            _ = try EncryptedStore.profileNames(at: storePath)
        }
        // The unlock agent first (no secret, no KDF); any problem with it falls through to the other sources.
        if askingAgent, let store = AgentClient(environment: environment)
            .openStore(at: storePath, forgettingStaleKey: forgetsStaleAgentKey) {
            return store
        }
        var notice = ""
        if !hasSuppliedSecret, let attempt = openWithoutUserSecret() {
            switch attempt {
            case let .success(store): return store
            case let .failure(error):
                // Said before the passphrase is asked for, else it is the error: it says more than "no secret".
                guard asksPromptToUnlock, !hasNoPassphraseSlot else { throw error }
                notice = "The store's \(machineSlotKinds) slot did not open it: \(error)\n"
            }
        }
        guard asksPromptToUnlock else { return try EncryptedStore.open(at: storePath, with: try secret()) }
        return try openWithPassphrase(.unlock, notice: notice).store
    }

    /// Whether a key file, the systemd credential, a passphrase file or a descriptor was given: those come first.
    private var hasSuppliedSecret: Bool {
        keyFile != nil || systemdCredential != nil || passphraseFile != nil || passphraseDescriptor != nil
    }

    /// The store opened through a slot that needs no secret from the user, trying `machineMaterials` in order; `nil`
    /// when the store has no such slot (then nothing is tried: no TPM library is even loaded), else the store or the
    /// first material's error.
    private func openWithoutUserSecret() -> Result<EncryptedStore, any Error>? {
        guard let slots = try? EncryptedStore.slots(at: storePath), slots.contains(where: { !$0.needsUserSecret })
        else { return nil }
        var firstError: (any Error)?
        // A material for a kind the store has no slot of is not tried: its "no slot opens" would hide the real error.
        let kinds = Set(slots.map(\.kind))
        for material in machineMaterials where material.slotKind.map(kinds.contains) ?? true {
            do {
                return .success(try EncryptedStore.open(at: storePath, with: .material(material)))
            } catch {
                firstError = firstError ?? error
            }
        }
        return firstError.map { .failure($0) }
    }

    /// The kinds of the store's slots that need no user secret, as `keyslot list` names them (e.g. `tpm2`).
    private var machineSlotKinds: String {
        let slots = (try? EncryptedStore.slots(at: storePath)) ?? []
        let kinds = slots.filter { !$0.needsUserSecret }.map(\.kind.rawValue)
        return kinds.enumerated().filter { kinds.firstIndex(of: $0.element) == $0.offset }.map(\.element)
            .joined(separator: "/")
    }

    /// Opens the store with its current passphrase (which a key file cannot stand in for, e.g. to change it), and
    /// returns both; a mistyped passphrase at the prompt is asked for again (`promptAttempts`).
    ///
    /// - Throws: as `open()`; `UnlockAgentError` (`no-current-passphrase`) when there is no source of it.
    package func openWithCurrentPassphrase() throws -> (store: EncryptedStore, passphrase: SecretBytes) {
        try openWithPassphrase(.current)
    }

    /// Opens the store with the passphrase for `need`; when it comes from the prompt, a mistyped one is asked for
    /// again (and whatever the command read before, such as a pasted secret, is not thrown away).
    private func openWithPassphrase(
        _ need: PassphraseNeed, notice: String = ""
    ) throws -> (store: EncryptedStore, passphrase: SecretBytes) {
        let retries = passphraseFile == nil && passphraseDescriptor == nil && hasPrompt
        var notice = notice
        for attempt in 1... {
            do {
                let typed = try passphrase(need, notice: notice)
                return (try EncryptedStore.open(at: storePath, with: .passphrase(typed)), typed)
            } catch let error as SecureStoreError
                        where retries && error.code == .wrongPassphrase && attempt < Self.promptAttempts {
                notice = "That passphrase does not open the store; try again.\n"
            }
        }
        fatalError("unreachable: the last attempt returns or throws")
    }

    /// Whether `secret()` would come down to the prompt: no key file, systemd credential, passphrase file or
    /// descriptor, and a prompt at hand.
    private var asksPromptToUnlock: Bool {
        keyFile == nil && systemdCredential == nil && passphraseFile == nil && passphraseDescriptor == nil
            && hasPrompt
    }

    /// Whether a prompt is at hand: one was given, and it can ask now.
    private var hasPrompt: Bool {
        prompt != nil && promptIsAvailable()
    }

    /// Opens the store when that needs nobody to type a secret: with a key file, the systemd credential, a
    /// passphrase file or descriptor (the agent first, as always), else through a running agent that holds its
    /// key, else through a slot that needs no user secret (a TPM2 slot; one that does not open counts as no secret
    /// at hand); `nil` when none of them is at hand. Lookups call it to verify the store's names before falling
    /// through.
    package func openWithoutAsking() throws -> EncryptedStore? {
        if hasSuppliedSecret { return try open() }
        // Only the agent: ask it directly, as `AgentClient.openStore` would, but let the failure stop the lookup
        // (that method hides every failure, so the normal chain can report it). A key that does not authenticate the
        // file means its data key was rotated or the file was altered, which the agent's key cannot tell apart: the
        // key is forgotten (unless `forgetsStaleAgentKey` is false) and the lookup fails rather than fall through (the
        // next command has no key at hand).
        let client = AgentClient(environment: environment)
        // No agent directory, no agent: one lstat, before realpath's readlink per component of the store path.
        guard (try? client.location.check()) == true, let canonical = AgentClient.canonicalPath(storePath),
              let reply = try? client.send(.get(storePath: canonical)), reply.status == .ok, let key = reply.key
        else {
            // A slot the machine opens (a TPM) is a secret at hand too; when it does not open, the lookup goes on as
            // without a secret (the store is opened, and the TPM's error reported, only when it holds the profile).
            if case let .success(store) = openWithoutUserSecret() { return store }
            return nil
        }
        do {
            return try EncryptedStore.open(at: storePath, agentDataKey: key)
        } catch let error as SecureStoreError where error.code == .wrongKeyFile {
            if forgetsStaleAgentKey { _ = try? client.send(.lock(storePath: canonical)) }
            throw error
        }
    }

    /// Opens the store like `open()`, creating it first when there is none: with the key file (generated, mode 0600,
    /// when it does not exist yet), else with a passphrase (a prompted one is asked twice). A key file generated for
    /// a store that then cannot be created is removed again.
    package func openOrCreate() throws -> EncryptedStore {
        guard !EncryptedStore.exists(at: storePath) else { return try open() }
        let secret: UnlockSecret
        var generatedKey: String?
        if let keyFile {
            let key = try Self.readOrGenerateKeyFile(at: keyFile)
            secret = .keyFile(key.secret)
            if key.generated { generatedKey = keyFile }
        } else {
            secret = .passphrase(try passphrase(.creation))
        }
        do {
            return try EncryptedStore.create(at: storePath, secrets: [secret])
        } catch {
            if let generatedKey { unlink(generatedKey) }  // a key to no store would only mislead
            throw error
        }
    }

    /// The secret that unlocks the store, without asking the agent: the key file, the systemd credential, else
    /// `passphrase(.unlock)`.
    package func secret() throws -> UnlockSecret {
        if let keyFile { return .keyFile(try KeyFile.read(at: keyFile)) }
        if let systemdCredential { return .keyFile(try KeyFile.readSystemdCredential(at: systemdCredential)) }
        return .passphrase(try passphrase(.unlock))
    }

    /// What a passphrase is asked for; it decides the sources, the prompt and the error when none is at hand.
    package enum PassphraseNeed: Sendable {
        /// The passphrase that opens the store (the last steps of the unlock order).
        case unlock
        /// The passphrase of a store being created by `openOrCreate()` without a key file (a prompt asks twice).
        case creation
        /// The passphrase slot of a new store, needed even when a key file is given too (a prompt asks twice).
        case initialSlot
        /// The store's current passphrase, which a key file cannot stand in for (changing it).
        case current
        /// A new passphrase for the store, from `newPassphraseFile`, `newPassphraseDescriptor` or the prompt (which
        /// asks twice).
        case replacement
    }

    /// The passphrase for `need`: the passphrase file, else the descriptor (for `.replacement`: the new-passphrase
    /// file, else its descriptor), else the prompt (asking twice for a new passphrase), else an `UnlockAgentError`
    /// that names the store (`no-secret-source`, `no-initial-passphrase`, `no-current-passphrase`,
    /// `no-new-passphrase`). The only place this rule is written.
    ///
    /// A store that has no passphrase slot (read from its slot list, without unlocking) is never asked a passphrase
    /// for: `.unlock` then fails at once with `no-key-file` (`no-secret-source`, saying so, when there is no prompt).
    /// A new passphrase is asked for again (up to `promptAttempts` times) when its confirmation differs or a short one
    /// is not confirmed.
    package func passphrase(_ need: PassphraseNeed) throws -> SecretBytes {
        try passphrase(need, notice: "")
    }

    /// `passphrase(_:)`, with `notice` shown before the (first) prompt.
    private func passphrase(_ need: PassphraseNeed, notice: String) throws -> SecretBytes {
        if let supplied = try suppliedPassphrase(replacement: need == .replacement) { return supplied }
        let keyFileOnly = need == .unlock && hasNoPassphraseSlot
        guard let prompt, promptIsAvailable() else { throw noSource(need, keyFileOnly: keyFileOnly) }
        if keyFileOnly {
            throw UnlockAgentError(.noKeyFile, path: storePath, "the store \(storePath) has no passphrase slot: only "
                                        + "a key file opens it, and none was given")
        }
        switch need {
        case .unlock: return try prompt(notice + "Passphrase for \(storePath): ")
        case .current: return try prompt(notice + "Current passphrase for \(storePath): ")
        case .creation, .initialSlot, .replacement: return try newPassphrase(prompt, notice: notice)
        }
    }

    /// A new passphrase from the prompt: asked twice, and again when the two differ or a short one is not confirmed.
    private func newPassphrase(_ prompt: (String) throws -> SecretBytes, notice: String) throws -> SecretBytes {
        var notice = notice
        for _ in 1...Self.promptAttempts {
            let first = try prompt(notice + "New passphrase for \(storePath): ")
            // Characters as UTF-8 lead bytes, counted in place: the passphrase is never copied into a String.
            let length = first.withUnsafeBytes { bytes in bytes.filter { $0 & 0xC0 != 0x80 }.count }
            if !first.isEmpty, length < Self.recommendedPassphraseLength, let confirm,
               !(try confirm("That passphrase has only \(length) characters; \(Self.recommendedPassphraseLength) or "
                                + "more are recommended. Use it anyway?")) {
                notice = ""
                continue
            }
            if try prompt("Repeat to confirm: ") == first { return first }
            notice = "The two passphrases differ; try again.\n"
        }
        throw UnlockAgentError(.passphrasesDiffer, path: storePath,
                               "no passphrase was confirmed in \(Self.promptAttempts) tries")
    }

    /// The key file at `path`, generated (mode 0600) when there is none yet. The caller removes a generated file
    /// again when the store it was for cannot be created.
    package static func readOrGenerateKeyFile(at path: String) throws -> (secret: SecretBytes, generated: Bool) {
        if EncryptedStore.exists(at: path) { return (try KeyFile.read(at: path), false) }
        return (try KeyFile.generate(at: path), true)
    }

    /// The passphrase from a file or descriptor, if one was given.
    private func suppliedPassphrase(replacement: Bool) throws -> SecretBytes? {
        let file = replacement ? newPassphraseFile : passphraseFile
        let descriptor = replacement ? newPassphraseDescriptor : passphraseDescriptor
        if let file { return try PassphraseFile.read(at: file) }
        if let descriptor { return try PassphraseDescriptor.read(descriptor) }
        return nil
    }

    /// Whether the store exists and none of its slots is a passphrase slot (read without unlocking).
    private var hasNoPassphraseSlot: Bool {
        guard let slots = try? EncryptedStore.slots(at: storePath), !slots.isEmpty else { return false }
        return !slots.contains { $0.kind == .passphrase }
    }

    private func noSource(_ need: PassphraseNeed, keyFileOnly: Bool = false) -> UnlockAgentError {
        switch need {
        case .unlock, .creation:
            return UnlockAgentError(.noSecretSource, path: storePath, "the store \(storePath) needs a passphrase or "
                                        + "key file, and none is available (no terminal)"
                                        + (keyFileOnly ? "; it has no passphrase slot: only a key file opens it" : ""))
        case .initialSlot:
            return UnlockAgentError(.noInitialPassphrase, path: storePath, "a passphrase is needed for the new store "
                                        + "\(storePath), and there is no terminal to ask on")
        case .current:
            return UnlockAgentError(.noCurrentPassphrase, path: storePath, "the current passphrase of \(storePath) is "
                                        + "needed, and there is no terminal to ask on")
        case .replacement:
            return UnlockAgentError(.noNewPassphrase, path: storePath, "a new passphrase is needed for \(storePath), "
                                        + "and there is no terminal to ask on")
        }
    }

    /// `value` unless it is `nil` or empty (an empty option or variable means "not given").
    private static func given(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
