import SystemLayer

/// The encrypted profile store: one file holding profiles encrypted with AES-256-GCM under a random data key, which
/// 1–8 key slots wrap for passphrases (scrypt) or key files (HKDF-SHA256). FORMAT.md specifies the file. What a slot
/// needs to open is up to its kind (`KeySlotKind`, one file each under `KeySlots/`); the store goes through the kinds
/// in `KeySlotKinds.all` and never names one.
///
/// An `EncryptedStore` is an unlocked store. Every mutation takes the store's lock, re-reads the file, re-applies the
/// change to what is there now (so concurrent writers never lose each other's updates) and replaces the file
/// atomically. A failed mutation leaves the file as it was.
package final class EncryptedStore {
    /// The store file.
    package let path: String
    #if DEBUG
    /// The scrypt costs, the machine binding and the slot kinds; `.standard` everywhere except tests, which may also
    /// swap the machine binding of an open store (test seam: debug builds only).
    var slotEnvironment: KeySlotEnvironment
    #else
    /// The scrypt costs, the machine binding and the slot kinds.
    let slotEnvironment: KeySlotEnvironment
    #endif
    /// How long a mutation waits for another writer's lock before failing with `locked` (tests shorten it).
    var lockTimeout: Double = 10

    private var dataKey: SecretBytes
    /// The secret this store was opened with, to re-open after another process rotated the data key.
    private var unlockSecret: UnlockSecret?
    /// The slot `unlockSecret` opened, to avoid a second scrypt run when `changePassphrase` gets the same secret.
    private var unlockedSlot: KeySlot?
    private var image: StoreImage
    /// The profiles, decrypted on first read (the authenticator, which covers every record, verified on open).
    private var records: RecordList
    /// The file as this store last read or wrote it. A mutation that re-reads exactly these bytes under the lock
    /// reuses what it already verified instead of parsing and authenticating the file again.
    private var fileBytes: [UInt8]

    private init(path: String, slotEnvironment: KeySlotEnvironment, loaded: Loaded, fileBytes: [UInt8],
                 unlockSecret: UnlockSecret?) {
        self.path = path
        self.slotEnvironment = slotEnvironment
        self.dataKey = loaded.dataKey
        self.unlockedSlot = loaded.slot
        self.image = loaded.image
        self.records = loaded.records
        self.fileBytes = fileBytes
        self.unlockSecret = unlockSecret
    }

    private var lockPath: String { path + ".lock" }

    /// The index (as `slots(at:)` numbers them) of the slot the store was opened with; `nil` when it was opened
    /// without a slot (with a data key from the unlock agent). `keyslot list --key-file` uses it to say which slot
    /// a key file opens, since the store does not record key file paths.
    package var unlockedSlotIndex: Int? {
        unlockedSlot.flatMap { image.slots.firstIndex(of: $0) }
    }

    // MARK: - Without unlocking

    /// Whether anything exists at `path` (a store, or something in its way).
    ///
    /// - Parameter path: the store path.
    package static func exists(at path: String) -> Bool {
        SafeFile.exists(path)
    }

    /// The profile names in the store, in file order, read without unlocking (names are stored in clear).
    ///
    /// - Parameter path: the store path.
    /// - Throws: `SecureStoreError` (`.notFound`, `.unsafePermissions`, `.corrupt`, `.unsupportedVersion`, `.io`).
    package static func profileNames(at path: String) throws -> [String] {
        try readImage(path, kinds: KeySlotKinds.all).records.map(\.name)
    }

    /// The key slots of the store, read without unlocking.
    ///
    /// - Parameter path: the store path.
    /// - Throws: `SecureStoreError` (`.notFound`, `.unsafePermissions`, `.corrupt`, `.unsupportedVersion`, `.io`).
    package static func slots(at path: String) throws -> [KeySlotInfo] {
        try readImage(path, kinds: KeySlotKinds.all).slots.enumerated().map { index, slot in slot.info(index: index) }
    }

    #if DEBUG
    /// Test seam (debug builds only): the slots of a store that holds slots of a test-only kind among `kinds`.
    static func slots(at path: String, kinds: [any KeySlotKind.Type]) throws -> [KeySlotInfo] {
        try readImage(path, kinds: kinds).slots.enumerated().map { index, slot in slot.info(index: index) }
    }
    #endif

    // MARK: - Creating and opening

    /// Creates an empty store with one key slot per secret, each of the kind that accepts it (`KeySlotKinds.all`).
    ///
    /// - Parameters:
    ///   - path: where to create it; missing directories are created with mode 0700, the file gets mode 0600.
    ///   - secrets: 1 to 8 passphrases, key files or other unlock material.
    ///   - bindingKeyFilesToMachine: make the slots of secrets that a machine-bound kind accepts open only on this
    ///     machine and as this user (for key files: their KEK mixes in `/etc/machine-id` and the uid; FORMAT.md,
    ///     kind 3). Passphrase slots are never bound.
    /// - Returns: the new store, unlocked.
    /// - Throws: `SecureStoreError`: `.alreadyExists` if something is at `path`, `.invalidArgument` for no or too many
    ///   secrets, an empty passphrase or an unreadable machine id, `.locked`, `.io`.
    package static func create(at path: String, secrets: [UnlockSecret],
                              bindingKeyFilesToMachine: Bool = false) throws -> EncryptedStore {
        try create(at: path, secrets: secrets, policy: .standard, bindingKeyFilesToMachine: bindingKeyFilesToMachine)
    }

    /// Creates a store whose passphrase slots use `policy` (tests pass a cheap one).
    static func create(
        at path: String, secrets: [UnlockSecret], policy: ScryptPolicy, lockTimeout: Double = 10,
        bindingKeyFilesToMachine: Bool = false
    ) throws -> EncryptedStore {
        try createStore(at: path, secrets: secrets, environment: KeySlotEnvironment(policy: policy),
                        lockTimeout: lockTimeout, bindingKeyFilesToMachine: bindingKeyFilesToMachine)
    }

    #if DEBUG
    /// Test seam (debug builds only): creates a store for another machine binding or with a test-only slot kind.
    static func create(
        at path: String, secrets: [UnlockSecret], environment: KeySlotEnvironment, lockTimeout: Double = 10,
        bindingKeyFilesToMachine: Bool = false
    ) throws -> EncryptedStore {
        try createStore(at: path, secrets: secrets, environment: environment, lockTimeout: lockTimeout,
                        bindingKeyFilesToMachine: bindingKeyFilesToMachine)
    }
    #endif

    private static func createStore(
        at path: String, secrets: [UnlockSecret], environment: KeySlotEnvironment, lockTimeout: Double,
        bindingKeyFilesToMachine: Bool
    ) throws -> EncryptedStore {
        let kinds = environment.kinds
        guard (1...StoreFormat.maximumSlots).contains(secrets.count) else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "a store needs 1 to \(StoreFormat.maximumSlots) key slots, not \(secrets.count)",
                                   hint: "give a passphrase and/or a key file")
        }
        let slotKinds = try secrets.map { secret in
            // Binding applies to the secrets a bound kind takes; the others get their ordinary kind.
            let bound = bindingKeyFilesToMachine && kinds.contains { $0.isBoundToMachine && $0.accepts(secret) }
            let kind = try KeySlotKinds.kind(for: secret, boundToMachine: bound, among: kinds)
            try kind.check(secret)
            return kind
        }
        guard !exists(at: path) else { throw alreadyExists(path) }
        try SafeFile.makeDirectory(PathName.directory(of: path))
        try SafeFile.checkStoreDirectory(of: path)
        let lock = try StoreLock(path + ".lock", storePath: path, timeout: lockTimeout)
        guard !exists(at: path) else { throw alreadyExists(path) }
        let dataKey = try Random.secret(StoreFormat.dataKeySize)
        let storeID = try Random.bytes(StoreFormat.storeIDSize)
        let slots = try secrets.enumerated().map { index, secret in
            try KeySlot.make(slotKinds[index], for: secret, dataKey: dataKey,
                             in: environment.context(storeID: storeID, slotIndex: index, path: path))
        }
        var image = StoreImage(storeID: storeID, slots: slots, saveSalt: [], records: [], authenticatorNonce: [],
                               authenticatorTag: [])
        try image.seal([], dataKey: dataKey, path: path)
        let bytes = try image.encode(dataKey: dataKey, path: path)
        try SafeFile.replace(path, with: bytes, previous: nil, what: "store")
        withExtendedLifetime(lock) {}
        let store = EncryptedStore(path: path, slotEnvironment: environment,
                                   loaded: Loaded(image: image, dataKey: dataKey, records: RecordList(path: path),
                                                  slot: slots[0]),
                                   fileBytes: bytes, unlockSecret: secrets[0])
        store.lockTimeout = lockTimeout
        return store
    }

    private static func alreadyExists(_ path: String) -> SecureStoreError {
        SecureStoreError(.alreadyExists, path: path, "a store already exists at \(path)",
                         hint: "use it (add a key slot to it), or choose another path")
    }

    /// Opens and unlocks the store with a passphrase or key file.
    ///
    /// - Parameters:
    ///   - path: the store path.
    ///   - secret: a passphrase or key file matching one of the store's slots.
    /// - Returns: the unlocked store. The file authenticator, which covers every record, has verified; each profile
    ///   is decrypted (and its own tag verified) when it is first read.
    /// - Throws: `SecureStoreError`: `.wrongPassphrase` / `.wrongKeyFile` if no slot opens, `.corrupt` if anything
    ///   was altered (including out-of-bound KDF parameters, rejected before the KDF runs), `.unsupportedVersion`,
    ///   `.unsafePermissions`, `.notFound`, `.io`; for unlock material, what the material reports (a TPM's
    ///   `TPM2Error`: no TPM, lockout, a changed PCR, another TPM).
    package static func open(at path: String, with secret: UnlockSecret) throws -> EncryptedStore {
        try open(at: path, with: secret, policy: .standard)
    }

    /// Opens the store accepting passphrase slots within `policy` (tests pass a cheap one).
    static func open(at path: String, with secret: UnlockSecret, policy: ScryptPolicy) throws -> EncryptedStore {
        try openStore(at: path, with: secret, environment: KeySlotEnvironment(policy: policy))
    }

    #if DEBUG
    /// Test seam (debug builds only): opens the store as another machine or user, or with a test-only slot kind.
    static func open(
        at path: String, with secret: UnlockSecret, environment: KeySlotEnvironment
    ) throws -> EncryptedStore {
        try openStore(at: path, with: secret, environment: environment)
    }
    #endif

    private static func openStore(
        at path: String, with secret: UnlockSecret, environment: KeySlotEnvironment
    ) throws -> EncryptedStore {
        let bytes = try readFile(path)
        let loaded = try load(parseForOpening(bytes, path: path, kinds: environment.kinds), file: bytes, path: path,
                              secret: secret, knownKey: nil, environment: environment)
        return EncryptedStore(path: path, slotEnvironment: environment, loaded: loaded, fileBytes: bytes,
                              unlockSecret: secret)
    }

    /// For the unlock agent only: opens the store with a data key it already holds (from `agentDataKey()`), without
    /// any KDF work. Everyone else opens with a passphrase or key file.
    ///
    /// - Parameters:
    ///   - path: the store path.
    ///   - agentDataKey: the 32-byte data key.
    /// - Throws: `SecureStoreError`: `.wrongKeyFile` if the key does not authenticate the store (for example after
    ///   `rotateDataKey`), `.corrupt`, `.unsupportedVersion`, `.unsafePermissions`, `.notFound`, `.io`.
    package static func open(at path: String, agentDataKey: SecretBytes) throws -> EncryptedStore {
        let bytes = try readFile(path)
        let environment = KeySlotEnvironment.standard
        let loaded = try load(parseForOpening(bytes, path: path, kinds: environment.kinds), file: bytes, path: path,
                              secret: nil, knownKey: agentDataKey, environment: environment)
        return EncryptedStore(path: path, slotEnvironment: environment, loaded: loaded, fileBytes: bytes,
                              unlockSecret: nil)
    }

    /// For the unlock agent only: the store's data key, so the agent can later `open(at:agentDataKey:)` without the
    /// passphrase. Whoever holds it can decrypt the store until `rotateDataKey()`; keep it in `SecretBytes` only.
    package func agentDataKey() -> SecretBytes {
        dataKey
    }

    // MARK: - The session cache's access (same module)

    /// The store id and data key the session cache is sealed with, checked under the store's lock (which the caller
    /// holds) against the file on disk: when another process re-keyed the store since this object read it, this data
    /// key no longer authenticates the file, and a session sealed under it would be readable with the old key.
    ///
    /// - Throws: `SecureStoreError` `.wrongKeyFile` when the file is no longer authenticated by this data key (re-keyed
    ///   or altered since); the read errors.
    func sessionCacheKey() throws -> (storeID: [UInt8], dataKey: SecretBytes) {
        let fresh = try Self.readFile(path)
        if fresh != fileBytes {
            let current = try StoreImage.parse(fresh, path: path, kinds: slotEnvironment.kinds)
            guard current.storeID == image.storeID, try current.isAuthentic(dataKey: dataKey, parsedFrom: fresh) else {
                throw SecureStoreError(.wrongKeyFile, path: path,
                                       "the store \(path) was re-keyed or replaced by another process since it was "
                                       + "opened; its session cache was not changed",
                                       hint: "open the store again")
            }
        }
        return (image.storeID, dataKey)
    }

    /// The store id (FORMAT.md), which the session cache's header repeats.
    var storeIdentifier: [UInt8] { image.storeID }

    /// The store's write lock (`STORE.lock`), which the session cache's writers take too, so a re-key and a session
    /// save never interleave.
    func takeLock() throws -> AnyObject {
        try StoreLock(lockPath, storePath: path, timeout: lockTimeout)
    }

    // MARK: - Reading

    /// The profile names, in file order.
    package var profileNames: [String] { records.names }

    /// The profile called `name`, or `nil`. Only this profile's record is decrypted, once.
    ///
    /// - Parameter name: the profile name: case-sensitive, compared by Unicode canonical equivalence (NFC and NFD
    ///   spellings of one name are the same name; FORMAT.md, *Records*).
    /// - Throws: `SecureStoreError.corrupt` if its record does not verify or decode (the file authenticator verified,
    ///   so only a writer holding the data key could have made such a record).
    package func profile(named name: String) throws -> StoredProfile? {
        guard let index = records.index(of: name) else { return nil }
        return try records.profile(at: index)
    }

    // MARK: - Changing profiles

    /// Inserts `profile`, or replaces the profile of the same name in place. Names and setting keys compare by
    /// canonical equivalence; a replaced profile keeps the stored bytes of its name and of equivalent setting keys.
    ///
    /// - Parameter profile: the profile to store.
    /// - Throws: `SecureStoreError`: `.invalidArgument` for a bad name, empty access key id or secret; `.locked`,
    ///   `.corrupt`, `.io` and the other open errors when re-reading.
    package func set(_ profile: StoredProfile) throws {
        try set(profile, checking: false, check: { _ in })
    }

    /// `set(profile)`, with a compare step inside the write: `check` sees the profile the store holds under that
    /// name as re-read under the store's lock (or `nil`), and throwing from it leaves the store unchanged. A command
    /// that asked a question about the profile it replaces (`credstore default`) refuses so when another writer
    /// changed it in the meantime, instead of overwriting what it never asked about.
    ///
    /// - Throws: what `check` throws; otherwise as `set(_:)`.
    package func set(_ profile: StoredProfile, ifCurrent check: (StoredProfile?) throws -> Void) throws {
        try set(profile, checking: true, check: check)
    }

    /// Changes one profile as re-read under the store's lock: `change` gets the record the store holds under `name`
    /// now (or `nil`) and returns the profile to store in its place. A writer that changes a few fields (a key
    /// rotation's journal, say) so never writes back a copy read before the lock and never overwrites a setting
    /// another writer changed in between. Throwing from `change` leaves the store unchanged.
    ///
    /// - Throws: what `change` throws; otherwise as `set(_:)`.
    package func update(named name: String, _ change: (StoredProfile?) throws -> StoredProfile) throws {
        try mutate { current in
            let index = current.records.index(of: name)
            var profile = try change(try index.map { try current.records.profile(at: $0) })
            try Self.validate(profile, path: path)
            if let index {
                profile.name = current.records.names[index]
                current.records.replace(at: index, with: profile)
            } else {
                guard current.records.count < StoreFormat.maximumRecords else {
                    throw SecureStoreError(.invalidArgument, path: path, "the store \(path) is full",
                                           hint: "remove profiles you no longer need")
                }
                current.records.append(profile)
            }
            current.resealRecords = true
        }
    }

    /// The rules every stored profile meets (`set` and `update` check them before writing).
    private static func validate(_ profile: StoredProfile, path: String) throws {
        try ProfileName.check(profile.name)
        guard !profile.accessKeyID.isEmpty, !profile.secretAccessKey.isEmpty else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "profile \(profile.name) needs an access key id and a secret access key",
                                   hint: "give both")
        }
        guard !profile.settings.keys.contains(where: { $0.isEmpty || $0.utf8.count > 0xffff - 2 }) else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "profile \(profile.name) has a setting name that is empty or longer than 65533 "
                                   + "bytes",
                                   hint: "give every setting a name of at most 65533 bytes")
        }
    }

    /// The one write of `set`; `check` runs only when `checking` (a plain `set` decrypts no old record).
    private func set(_ profile: StoredProfile, checking: Bool, check: (StoredProfile?) throws -> Void) throws {
        try Self.validate(profile, path: path)
        try mutate { current in
            let index = current.records.index(of: profile.name)
            if checking { try check(try index.map { try current.records.profile(at: $0) }) }
            if let index {
                // Names and setting keys compare by canonical equivalence, and an existing one keeps the bytes it
                // was first stored with (FORMAT.md, *Records*): `café` in NFD updates the NFC `café`, no rename.
                var kept = profile
                kept.name = current.records.names[index]
                if let stored = try? current.records.profile(at: index) {
                    kept.settings = Self.keepingStoredKeys(of: stored.settings, in: profile.settings)
                }
                current.records.replace(at: index, with: kept)
            } else {
                guard current.records.count < StoreFormat.maximumRecords else {
                    throw SecureStoreError(.invalidArgument, path: path, "the store \(path) is full",
                                           hint: "remove profiles you no longer need")
                }
                current.records.append(profile)
            }
            current.resealRecords = true
        }
    }

    /// `settings` with each key that is canonically equivalent to a key of `stored` spelled as in `stored`.
    private static func keepingStoredKeys(
        of stored: [String: String], in settings: [String: String]
    ) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in settings {
            // Dictionary lookup is by canonical equivalence; the key it finds has the stored bytes.
            result[stored.index(forKey: key).map { stored[$0].key } ?? key] = value
        }
        return result
    }

    /// Removes the profile called `name`.
    ///
    /// - Throws: `SecureStoreError`: `.profileNotFound` if there is none; the open and write errors.
    package func remove(named name: String) throws {
        try mutate { current in
            guard let index = current.records.index(of: name) else {
                throw profileNotFound(name)
            }
            current.records.remove(at: index)
            current.resealRecords = true
        }
    }

    /// Renames the profile `name` to `newName`, keeping its position. A `newName` canonically equivalent to `name`
    /// changes nothing (the stored bytes stay).
    ///
    /// - Throws: `SecureStoreError`: `.profileNotFound`, `.alreadyExists` if `newName` is taken, `.invalidArgument`
    ///   for a bad name; the open and write errors.
    package func rename(_ name: String, to newName: String) throws {
        try ProfileName.check(newName)
        try mutate { current in
            guard let index = current.records.index(of: name) else {
                throw profileNotFound(name)
            }
            guard name != newName else { return }
            guard current.records.index(of: newName) == nil else {
                throw SecureStoreError(.alreadyExists, path: path, "the store \(path) already has a profile \(newName)",
                                       hint: "remove it first or choose another name")
            }
            var renamed = try current.records.profile(at: index)
            renamed.name = newName
            current.records.replace(at: index, with: renamed)
            current.resealRecords = true
        }
    }

    private func profileNotFound(_ name: String) -> SecureStoreError {
        SecureStoreError(.profileNotFound, path: path, "the store \(path) has no profile named \(name)",
                         hint: "check the name against the store's profile names")
    }

    // MARK: - Key slots

    /// Re-wraps the data key of the passphrase slot that `old` opens under `new`. Records are not re-encrypted and
    /// other slots are unchanged.
    ///
    /// - Throws: `SecureStoreError`: `.wrongPassphrase` if `old` opens no slot, `.invalidArgument` for an empty
    ///   `new`; the open and write errors.
    package func changePassphrase(from old: SecretBytes, to new: SecretBytes) throws {
        _ = try Passphrase.normalize(new)
        try mutate { current in
            let index = try slotIndex(opening: .passphrase(old), in: current)
            current.image.slots[index] = try KeySlot.make(current.image.slots[index].kind, for: .passphrase(new),
                                                          dataKey: current.dataKey,
                                                          in: context(current.image, slotIndex: index))
            if case let .passphrase(held)? = current.unlockSecret, held == old {
                current.unlockSecret = .passphrase(new)
                current.unlockedSlot = current.image.slots[index]
            }
        }
    }

    /// Adds a key slot for `secret`, of the kind that accepts it (`KeySlotKinds.all`).
    ///
    /// - Parameters:
    ///   - secret: the passphrase, key file or other unlock material the new slot opens with.
    ///   - bindingToMachine: make the slot open only on this machine and as this user (a machine-bound kind that
    ///     accepts `secret`, such as a bound key-file slot).
    /// - Throws: `SecureStoreError`: `.invalidArgument` when the store already has 8 slots, for an empty passphrase,
    ///   a key that is not 32 bytes, a bound passphrase or an unreadable machine id; the open and write errors.
    package func addSlot(_ secret: UnlockSecret, bindingToMachine: Bool = false) throws {
        let kind = try KeySlotKinds.kind(for: secret, boundToMachine: bindingToMachine,
                                         among: slotEnvironment.kinds)
        try kind.check(secret)
        try mutate { current in
            guard current.image.slots.count < StoreFormat.maximumSlots else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "the store \(path) already has \(StoreFormat.maximumSlots) key slots",
                                       hint: "remove a key slot first")
            }
            current.image.slots.append(try KeySlot.make(kind, for: secret, dataKey: current.dataKey,
                                                        in: context(current.image,
                                                                    slotIndex: current.image.slots.count)))
        }
    }

    /// Removes the key slot at `index` (as listed by `slots(at:)`). The last slot is never removed.
    ///
    /// The data key is unchanged, so a copy of the old secret still opens old copies of the file; use
    /// `rotateDataKey()` to cut a leaked secret off completely.
    ///
    /// - Throws: `SecureStoreError.invalidArgument` for a bad index or the last slot; the open and write errors.
    package func removeSlot(at index: Int) throws {
        try mutate { current in
            guard current.image.slots.indices.contains(index) else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "the store \(path) has no key slot \(index)",
                                       hint: "check the number against the store's key slots")
            }
            guard current.image.slots.count > 1 else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "slot \(index) is the last key slot of \(path); removing it would lock you out",
                                       hint: "add another key slot first")
            }
            current.image.slots.remove(at: index)
        }
    }

    /// Replaces the data key and re-encrypts every record and re-wraps every slot under the new one.
    ///
    /// Every slot kept must be re-wrapped, which needs its secret: the secret this store was opened with covers its
    /// own slot; pass the secrets of the other slots in `otherSecrets`, or name the slots to drop in `droppingSlots`
    /// (indices into the file as it is under the lock). The slots without a secret must be exactly `droppingSlots`,
    /// so a slot another process added meanwhile is never dropped unasked; at least one slot always stays. One atomic
    /// write: a failure or a crash leaves the old file, old key and old slots, as they were. A caller that asked the
    /// user which slots to drop names them by identity instead (`rotateDataKey(otherSecrets:droppingIdentified:)`):
    /// indices shift when another process removes and adds slots meanwhile.
    ///
    /// - Throws: `SecureStoreError.invalidArgument` naming a slot with no secret given, when the slots without a
    ///   secret are not `droppingSlots`, or when no slot would stay; the open and write errors.
    package func rotateDataKey(otherSecrets: [UnlockSecret] = [], droppingSlots: Set<Int> = []) throws {
        try rotateDataKey(otherSecrets: otherSecrets, dropCount: droppingSlots.count) { index, _ in
            droppingSlots.contains(index)
        }
    }

    /// `rotateDataKey(otherSecrets:droppingSlots:)` with the slots to drop named by identity (`slotIdentity(at:)` of
    /// the slots `slotsNotOpened(by:)` found): the rotation goes ahead only when the slots without a secret, under
    /// the lock, are exactly these slots, so a slot that took a confirmed slot's index meanwhile is never dropped.
    ///
    /// - Throws: as `rotateDataKey(otherSecrets:droppingSlots:)`.
    package func rotateDataKey(otherSecrets: [UnlockSecret], droppingIdentified dropping: Set<KeySlotIdentity>)
        throws {
        try rotateDataKey(otherSecrets: otherSecrets, dropCount: dropping.count) { _, slot in
            dropping.contains(KeySlotIdentity(slot))
        }
    }

    /// What a key slot is, independent of its index: its stored bytes (kind, parameters, nonce and wrapped key).
    /// Every slot is wrapped under a fresh nonce, so no two slots share an identity.
    package struct KeySlotIdentity: Hashable, Sendable {
        private let bytes: [UInt8]

        init(_ slot: KeySlot) {
            var writer = ByteWriter()
            slot.encode(into: &writer)
            bytes = writer.bytes
        }
    }

    /// The identity of the slot at `index` in the file as this store last read or wrote it (the indices
    /// `slotsNotOpened(by:)` returns), for `rotateDataKey(otherSecrets:droppingIdentified:)`; `nil` for an index
    /// it does not have.
    package func slotIdentity(at index: Int) -> KeySlotIdentity? {
        image.slots.indices.contains(index) ? KeySlotIdentity(image.slots[index]) : nil
    }

    /// The rotation. `isDropped` says, under the lock, whether the caller agreed to drop the slot at an index of the
    /// current file; the slots no secret opens must be exactly the `dropCount` slots it agrees to.
    private func rotateDataKey(otherSecrets: [UnlockSecret], dropCount: Int,
                               isDropped: (Int, KeySlot) -> Bool) throws {
        let candidates = (unlockSecret.map { [$0] } ?? []) + otherSecrets
        try mutate { current in
            let matches = try secretsBySlot(current.image, dataKey: current.dataKey, candidates: candidates)
            let unopened = Set(matches.indices.filter { matches[$0] == nil })
            if let index = unopened.filter({ !isDropped($0, current.image.slots[$0]) }).min() {
                let slot = current.image.slots[index]
                throw SecureStoreError(.invalidArgument, path: path,
                                       "cannot re-wrap key slot \(index) (\(slot.kind.name.rawValue)) of \(path) "
                                       + "without its secret; nothing was changed",
                                       hint: "give that slot's secret too, or remove the slot first")
            }
            guard unopened.count == dropCount else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "the key slots of \(path) changed while it was being re-keyed; nothing "
                                       + "was changed", hint: "run the command again")
            }
            guard unopened.count < matches.count else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "re-keying \(path) would drop every key slot; nothing was changed",
                                       hint: "give the secret of at least one slot")
            }
            let kept = matches.indices.compactMap { index in matches[index].map { (index, $0) } }
            let newKey = try Random.secret(StoreFormat.dataKeySize)
            // Each slot keeps its kind (a bound slot stays bound) and what was chosen for it (a TPM2 slot's PCRs),
            // with fresh parameters, at its new index.
            let oldSlots = current.image.slots
            current.image.slots = []
            for (newIndex, (oldIndex, secret)) in kept.enumerated() {
                current.image.slots.append(try oldSlots[oldIndex].renewed(for: secret, dataKey: newKey,
                                                                          in: context(current.image,
                                                                                      slotIndex: newIndex)))
            }
            if let unlockSecret, let index = kept.firstIndex(where: { $0.1.isSame(as: unlockSecret) }) {
                current.unlockedSlot = current.image.slots[index]
            }
            current.dataKey = newKey
            current.resealRecords = true
            // Sessions sealed under the old key must not outlive it (FORMAT.md, *Session cache*): they are dropped,
            // durably, before the new key is written, so a crash in between loses only sessions, which are re-made.
            try SessionCache.discardFile(forStoreAt: path)
        }
    }

    /// The indices of the key slots that neither `secrets` nor the secret this store was opened with opens, in
    /// order (for `rotateDataKey(otherSecrets:droppingSlots:)`). Runs each passphrase slot's KDF once per secret
    /// tried.
    ///
    /// - Throws: `SecureStoreError` when a slot's parameters are out of bounds.
    package func slotsNotOpened(by secrets: [UnlockSecret]) throws -> [Int] {
        let candidates = (unlockSecret.map { [$0] } ?? []) + secrets
        let matches = try secretsBySlot(image, dataKey: dataKey, candidates: candidates)
        return matches.indices.filter { matches[$0] == nil }
    }

    /// For each slot of `image`, the first of `candidates` that opens it to `dataKey`, or `nil`.
    private func secretsBySlot(_ image: StoreImage, dataKey: SecretBytes,
                               candidates: [UnlockSecret]) throws -> [UnlockSecret?] {
        try image.slots.enumerated().map { index, slot in
            for candidate in candidates {
                if let unlockedSlot, slot == unlockedSlot, let unlockSecret, candidate.isSame(as: unlockSecret) {
                    return candidate
                }
                if let key = try slot.unwrap(candidate, in: context(image, slotIndex: index)), key == dataKey {
                    return candidate
                }
            }
            return nil
        }
    }

    /// The context a slot kind gets for slot `slotIndex` of `image`.
    private func context(_ image: StoreImage, slotIndex: Int) -> KeySlotContext {
        slotEnvironment.context(storeID: image.storeID, slotIndex: slotIndex, path: path)
    }

    private func slotIndex(opening secret: UnlockSecret, in current: Current) throws -> Int {
        if let unlockedSlot, let unlockSecret, secret.isSame(as: unlockSecret),
           let index = current.image.slots.firstIndex(of: unlockedSlot) {
            return index
        }
        for (index, slot) in current.image.slots.enumerated() {
            if let key = try slot.unwrap(secret, in: context(current.image, slotIndex: index)),
               key == current.dataKey {
                return index
            }
        }
        throw Self.wrongSecret(secret, image: current.image, path: path)
    }

    // MARK: - Loading and saving

    private struct Loaded {
        var image: StoreImage
        var dataKey: SecretBytes
        var records: RecordList
        var slot: KeySlot?
    }

    private struct Current {
        var image: StoreImage
        var dataKey: SecretBytes
        var records: RecordList
        var resealRecords = false
        /// The secret and slot the object holds once this change is saved; adopted only after a successful write,
        /// so a failed save leaves the object as it was.
        var unlockSecret: UnlockSecret?
        var unlockedSlot: KeySlot?
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        try SafeFile.checkStoreDirectory(of: path)
        return try SafeFile.read(path, what: "store", maximumSize: StoreFormat.maximumFileSize)
    }

    /// Reads and parses the file without unlocking it, remembering the result for an `open` that may follow.
    private static func readImage(_ path: String, kinds: [any KeySlotKind.Type]) throws -> StoreImage {
        let bytes = try readFile(path)
        let image = try StoreImage.parse(bytes, path: path, kinds: kinds)
        ParsedStoreCache.shared.remember(image, parsedFrom: bytes, path: path)
        return image
    }

    /// Parses `bytes` just read from `path`, unless `readImage` parsed these very bytes already.
    private static func parseForOpening(
        _ bytes: [UInt8], path: String, kinds: [any KeySlotKind.Type]
    ) throws -> StoreImage {
        if let image = ParsedStoreCache.shared.take(parsedFrom: bytes, path: path) { return image }
        return try StoreImage.parse(bytes, path: path, kinds: kinds)
    }

    /// Unlocks `image` with `secret` (or checks `knownKey`) and verifies the authenticator. Records are decrypted
    /// later, one by one, when read (`RecordList`): the authenticator already covers every sealed byte.
    private static func load(
        _ image: StoreImage, file: [UInt8], path: String, secret: UnlockSecret?, knownKey: SecretBytes?,
        environment: KeySlotEnvironment
    ) throws -> Loaded {
        var dataKey: SecretBytes?
        var openedSlot: KeySlot?
        var authentic = false
        if let knownKey, knownKey.count == StoreFormat.dataKeySize,
           try image.isAuthentic(dataKey: knownKey, parsedFrom: file) {
            dataKey = knownKey
            authentic = true
        } else if let secret {
            for (index, slot) in image.slots.enumerated() where slot.kind.accepts(secret) {
                let context = environment.context(storeID: image.storeID, slotIndex: index, path: path)
                if let key = try slot.unwrap(secret, in: context) {
                    dataKey = key
                    openedSlot = slot
                    break
                }
            }
            guard dataKey != nil else { throw wrongSecret(secret, image: image, path: path) }
        }
        guard let dataKey else {
            throw SecureStoreError(.wrongKeyFile, path: path,
                                   "the agent's data key does not open the store \(path): its data key was rotated "
                                   + "or the file was altered", hint: "unlock it again with its passphrase or key file")
        }
        guard try authentic || image.isAuthentic(dataKey: dataKey, parsedFrom: file) else {
            throw SecureStoreError.corrupt(path, "its authenticator does not verify: the header, a key slot or the "
                                           + "record list was altered")
        }
        let recordKey = try StoreImage.recordKey(dataKey: dataKey, saveSalt: image.saveSalt)
        let records = RecordList(sealedIn: image, recordKey: recordKey, path: path)
        return Loaded(image: image, dataKey: dataKey, records: records, slot: openedSlot)
    }

    private static func wrongSecret(_ secret: UnlockSecret, image: StoreImage, path: String) -> any Error {
        switch secret {
        case .passphrase:
            if !image.slots.contains(where: { $0.kind.accepts(secret) }) {
                return SecureStoreError(.wrongPassphrase, path: path, "the store \(path) has no passphrase slot",
                                        hint: "unlock it with its key file")
            }
            return SecureStoreError(.wrongPassphrase, path: path, "the passphrase does not open the store \(path)",
                                    hint: "check the passphrase (it is case-sensitive) and try again")
        case .keyFile:
            if !image.slots.contains(where: { $0.kind.accepts(secret) }) {
                return SecureStoreError(.wrongKeyFile, path: path, "the store \(path) has no key-file slot",
                                        hint: "unlock it with its passphrase")
            }
            if image.slots.contains(where: { $0.kind.isBoundToMachine && $0.kind.accepts(secret) }) {
                return SecureStoreError(.wrongKeyFile, path: path,
                                        "the key file does not open the store \(path); its key-file slots include one "
                                        + "bound to the machine and user that made it, which opens only there",
                                        hint: "run as the store's owner on the machine it was made on, or check that "
                                            + "the key file given is this store's key file")
            }
            return SecureStoreError(.wrongKeyFile, path: path, "the key file does not open the store \(path)",
                                    hint: "check that the key file given is this store's key file")
        case let .material(material):
            return material.noSlotOpens(storeAt: path)
        }
    }

    /// Takes the lock, re-reads the file, applies `change` to what is there now, writes atomically, and adopts the
    /// result. Nothing is written if `change` throws.
    private func mutate(_ change: (inout Current) throws -> Void) throws {
        let lock = try StoreLock(lockPath, storePath: path, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        let freshBytes = try Self.readFile(path)
        let loaded: Loaded
        do {
            if freshBytes == fileBytes {
                // Unchanged since this store verified it (same bytes, authenticated under `dataKey`).
                loaded = Loaded(image: image, dataKey: dataKey, records: records, slot: nil)
            } else {
                loaded = try Self.load(StoreImage.parse(freshBytes, path: path, kinds: slotEnvironment.kinds),
                                       file: freshBytes, path: path, secret: unlockSecret, knownKey: dataKey,
                                       environment: slotEnvironment)
            }
        } catch let error as SecureStoreError where error.code == .wrongPassphrase || error.code == .wrongKeyFile {
            throw SecureStoreError(error.code, path: path,
                                   "the store \(path) was changed by another process and the secret it was opened "
                                   + "with no longer opens it; nothing was changed",
                                   hint: "open the store again with its current passphrase or key file")
        }
        if let slot = loaded.slot { unlockedSlot = slot }
        var current = Current(image: loaded.image, dataKey: loaded.dataKey, records: loaded.records,
                              unlockSecret: unlockSecret, unlockedSlot: unlockedSlot)
        try change(&current)
        if current.resealRecords {
            // Every record is re-encrypted under the new save salt (FORMAT.md, *Saving*); records nobody read are
            // decrypted for that, once, but not decoded.
            let recordKey = try current.image.seal(plaintexts: try current.records.plaintexts(),
                                                   dataKey: current.dataKey, path: path)
            current.records = current.records.resealed(in: current.image, recordKey: recordKey)
        }
        let bytes = try current.image.encode(dataKey: current.dataKey, path: path)
        try SafeFile.checkStoreDirectory(of: path)
        try SafeFile.replace(path, with: bytes, previous: freshBytes, what: "store")
        image = current.image
        dataKey = current.dataKey
        records = current.records
        fileBytes = bytes
        unlockSecret = current.unlockSecret
        unlockedSlot = current.unlockedSlot
    }
}
