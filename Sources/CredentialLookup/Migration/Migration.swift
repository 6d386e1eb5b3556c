import SecureStore
import SharedFileStore

/// Moves plaintext profiles of the shared credentials and config files into the encrypted store, and optionally
/// removes their plaintext secrets and points the config file at the store (`credstore migrate`).
///
/// The order is what makes it crash-safe; each step is one atomic, fsynced file replacement:
/// 1. the store is written, one profile at a time (`FaultPoint.beforeStoreWrite(n)`/`.afterStoreWrite(n)`);
/// 2. the store is re-opened from disk and must hold exactly the imported values of every profile whose plaintext
///    may change, else nothing else happens (`.verified` once it does);
/// 3. the config file, rewired and cleaned in one replacement so the AWS tools keep working at every instant
///    (`.configWritten`);
/// 4. the credentials file (`.credentialsWritten`).
///
/// Stopped anywhere, every secret is still in the store or in a plaintext file, and running it again finishes the
/// job. A plaintext secret is removed only when every definition of it in the file (overridden and hidden ones too)
/// equals the store's verified copy.
package struct Migration {
    /// What to migrate, and which changes are allowed.
    package struct Options: Sendable {
        /// The profiles to migrate, or `nil` for every profile of the shared files. A name that is in neither file
        /// makes the run change nothing (`MigrationReport.notFound`).
        package var profiles: [String]?
        /// Whether a different key pair the store holds under the same name may be replaced.
        package var overwrite: Bool
        /// Whether the migrated secrets are removed from the plaintext files once the store verifiably holds them.
        package var removePlaintext: Bool
        /// Whether to only report what would happen, changing nothing.
        package var dryRun: Bool

        /// Options; by default every profile is imported, nothing is overwritten and the plaintext files stay as
        /// they are.
        package init(profiles: [String]? = nil, overwrite: Bool = false, removePlaintext: Bool = false,
                    dryRun: Bool = false) {
            self.profiles = profiles
            self.overwrite = overwrite
            self.removePlaintext = removePlaintext
            self.dryRun = dryRun
        }
    }

    /// How the config file is pointed at the store: the `credential_process` command line written for each migrated
    /// profile. The caller spells it (this library does not know how its executable is invoked).
    package struct ConfigRewiring {
        /// The `credential_process` value for a profile name.
        package var command: (String) -> String
        /// Whether an existing, different `credential_process` of a profile (`existing`, `profile`) is an earlier
        /// command of the caller's that may be replaced; any other is kept.
        package var replaces: (_ existing: String, _ profile: String) -> Bool

        /// A rewiring that writes `command(profile)` and replaces only the existing commands `replaces` accepts.
        package init(command: @escaping (String) -> String,
                    replaces: @escaping (_ existing: String, _ profile: String) -> Bool = { _, _ in false }) {
            self.command = command
            self.replaces = replaces
        }
    }

    /// A named step of `run()`, in the order reached. A run that stops at one of them leaves a state from which no
    /// secret is lost and a rerun completes the migration.
    package enum FaultPoint: Hashable, Sendable, CustomStringConvertible {
        /// Before the store write of the n-th profile that needs one (counting from 0).
        case beforeStoreWrite(Int)
        /// After the store write of the n-th profile that needs one.
        case afterStoreWrite(Int)
        /// After the store was re-read and holds every imported profile; no plaintext file changed yet.
        case verified
        /// After the config file was rewired and cleaned (reached only when it was to be changed).
        case configWritten
        /// After the credentials file was cleaned (reached only with `removePlaintext` and a credentials file).
        case credentialsWritten

        /// The stable name, e.g. `before-store-write-0` or `config-written`.
        package var description: String {
            switch self {
            case .beforeStoreWrite(let index): return "before-store-write-\(index)"
            case .afterStoreWrite(let index): return "after-store-write-\(index)"
            case .verified: return "verified"
            case .configWritten: return "config-written"
            case .credentialsWritten: return "credentials-written"
            }
        }
    }

    /// The shared credentials file to migrate from, or `nil` for none (only a config file).
    package var credentialsPath: String?
    /// The shared config file to migrate from (and to rewire).
    package var configPath: String
    /// The encrypted store's path.
    package var storePath: String
    /// What to migrate, and which changes are allowed.
    package var options: Options
    /// How to point the config file at the store, or `nil` to leave `credential_process` alone.
    package var rewiring: ConfigRewiring?
    /// Opens the store, creating it when missing; called at most once, and only when the store must be read or
    /// written (profile names are read without it).
    private let openStore: () throws -> EncryptedStore

    /// Called once before the first write of a run that is not a dry run, when `options.overwrite` is about to
    /// replace key pairs the store holds: with those profiles as stored, and the open store. Throwing stops the run
    /// before anything changed. `credstore migrate` asks there whether a key pair that exists nowhere else may be
    /// lost (its secret cannot be fetched again from AWS).
    package var confirmOverwrites: ((_ replaced: [StoredProfile], _ store: EncryptedStore) throws -> Void)?

    #if DEBUG
    /// Test seam (DEBUG builds only): called at each `FaultPoint` of a run that is not a dry run. Throwing stops the
    /// run there with that error, as a crash at that instant would; the hook may also change the store or the files,
    /// standing in for another process.
    package var faultHook: ((FaultPoint) throws -> Void)?
    #endif

    /// A migration that opens the store with `openStore` when it needs to.
    ///
    /// - Parameters:
    ///   - credentialsPath: The shared credentials file, or `nil` for none.
    ///   - configPath: The shared config file.
    ///   - storePath: The encrypted store's path (its profile names are read without unlocking it).
    ///   - options: What to migrate, and which changes are allowed.
    ///   - rewiring: How to point the config file at the store, or `nil` to leave it alone.
    ///   - openStore: Opens the store at `storePath`, creating it when missing.
    package init(credentialsPath: String?, configPath: String, storePath: String, options: Options = Options(),
                rewiring: ConfigRewiring? = nil, openStore: @escaping () throws -> EncryptedStore) {
        self.credentialsPath = credentialsPath
        self.configPath = configPath
        self.storePath = storePath
        self.options = options
        self.rewiring = rewiring
        self.openStore = openStore
    }

    /// A migration into a store that is already open.
    ///
    /// - Parameters:
    ///   - credentialsPath: The shared credentials file, or `nil` for none.
    ///   - configPath: The shared config file.
    ///   - store: The open store.
    ///   - options: What to migrate, and which changes are allowed.
    ///   - rewiring: How to point the config file at the store, or `nil` to leave it alone.
    package init(credentialsPath: String?, configPath: String, store: EncryptedStore, options: Options = Options(),
                rewiring: ConfigRewiring? = nil) {
        self.init(credentialsPath: credentialsPath, configPath: configPath, storePath: store.path, options: options,
                  rewiring: rewiring, openStore: { store })
    }

    /// Plans and carries out the migration (in a dry run: only plans it, and simulates the plaintext edits in memory).
    ///
    /// - Returns: One entry per profile. When a profile asked for by name is in none of the files
    ///   (`MigrationReport.notFound`), nothing was changed. Conflicting profiles and plaintext secrets that had to be
    ///   kept are reported, not thrown: everything else was migrated.
    /// - Throws: `CredentialLookupError` with code `migrationNotVerified` when the re-read store does not hold what
    ///   was written (the plaintext files are unchanged); `SecureStoreError` from opening, reading or writing the
    ///   store; `SharedFileError` from reading or editing the shared files. Whatever happened before the error stays
    ///   done, and no secret is lost.
    package func run() throws -> MigrationReport {
        let shared = try SharedProfiles(credentialsPath: credentialsPath, configPath: configPath)
        let storedNames: Set<String> = EncryptedStore.exists(at: storePath)
            ? Set(try EncryptedStore.profileNames(at: storePath)) : []
        var handle: EncryptedStore?
        func unlocked() throws -> EncryptedStore {
            if let handle { return handle }
            let opened = try openStore()
            handle = opened
            return opened
        }

        let plan = try MigrationPlanner.plan(shared: shared, names: options.profiles, storedNames: storedNames,
                                             stored: { try unlocked().profile(named: $0) },
                                             overwrite: options.overwrite)
        var report = MigrationReport(storePath: storePath, dryRun: options.dryRun, profiles: plan)
        // A name in neither file is most likely a typo: change nothing rather than part of what was asked.
        guard report.notFound.isEmpty else { return report }
        // A role profile that is its own source keeps its plaintext keys unless the config is rewired to name the
        // stored copy as its source: without them (and without that) the role would have no source.
        let eligible = plan.filter { $0.allowsPlaintextChanges && ($0.roleSource == nil || rewiring != nil) }
            .map(\.name)
        let roleSources = Dictionary(uniqueKeysWithValues: plan.filter { eligible.contains($0.name) }
            .compactMap { entry in entry.roleSource.map { (entry.name, $0) } })
        let plainEligible = eligible.filter { roleSources[$0] == nil }

        if options.dryRun {
            // Simulate the plaintext edits on in-memory copies, against what the store would hold. Decrypted up
            // front: reading a stored profile can fail (a corrupt record), the planner's lookup cannot.
            var held = [String: StoredProfile]()
            for name in eligible {
                held[name] = try plan.first { $0.name == name }?.imported
                    ?? handle?.profile(named: roleSources[name] ?? name)
            }
            var config = shared.config
            var credentials = shared.credentials
            if let rewiring {
                report.record(try MigrationPlanner.rewire(plainEligible, in: &config, command: rewiring.command,
                                                          isOurs: rewiring.replaces))
                report.record(try MigrationPlanner.pointRoles(roleSources, in: &config, credentials: credentials,
                                                              command: rewiring.command, isOurs: rewiring.replaces))
            }
            if options.removePlaintext {
                report.record(try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &config,
                                                                          stored: { held[$0] }),
                              path: configPath)
                if let credentialsPath {
                    report.record(try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &credentials,
                                                                              stored: { held[$0] }),
                                  path: credentialsPath)
                }
            }
            return report
        }

        let overwritten = plan.filter { $0.status == .overwritten }.map(\.name)
        if let confirmOverwrites, !overwritten.isEmpty {
            let store = try unlocked()
            try confirmOverwrites(try overwritten.compactMap { try store.profile(named: $0) }, store)
        }

        // 1. The store: each write is its own locked, fsynced, atomic replacement of the file.
        for (index, entry) in plan.filter(\.needsStoreWrite).enumerated() {
            guard let imported = entry.imported else { continue }
            try reach(.beforeStoreWrite(index))
            try unlocked().set(imported)
            try reach(.afterStoreWrite(index))
        }

        // 2. Re-open the store from disk and check it holds exactly what was imported, before touching plaintext.
        var verified = [String: StoredProfile]()
        if !eligible.isEmpty {
            let reopened = try EncryptedStore.open(at: storePath, agentDataKey: try unlocked().agentDataKey())
            for entry in plan where entry.allowsPlaintextChanges {
                let copy = try reopened.profile(named: entry.roleSource ?? entry.name)
                if let imported = entry.imported, copy != imported {
                    throw CredentialLookupError(.migrationNotVerified(profile: entry.name, store: storePath))
                }
                verified[entry.name] = copy
            }
        }
        try reach(.verified)

        // 3. Only now the plaintext files: the config first (rewired and cleaned in one atomic replacement, so the
        //    AWS tools keep working at every instant), then the credentials file. Each edit re-reads its file under
        //    its lock and compares with the verified copies, so a value edited since the plan is kept.
        guard !eligible.isEmpty && (rewiring != nil || options.removePlaintext) else { return report }
        // A self-sourced role's `source_profile` may be set in the credentials file (which wins over the config
        // file): then that file is edited too, after the config gained the stored source.
        let roleSourceInCredentials = !roleSources.isEmpty && shared.credentials.profileNames.contains {
            roleSources[$0] != nil && shared.credentials.value(forKey: "source_profile", inProfile: $0) != nil
        }
        let (rewired, removed) = try SharedFileEditor.edit(path: configPath, kind: .config) { file in
            var rewired = try rewiring.map {
                try MigrationPlanner.rewire(plainEligible, in: &file, command: $0.command, isOurs: $0.replaces)
            } ?? [:]
            if let rewiring {
                rewired.merge(try MigrationPlanner.pointRoles(roleSources, in: &file, credentials: shared.credentials,
                                                              command: rewiring.command,
                                                              isOurs: rewiring.replaces)) { $1 }
            }
            let removed = options.removePlaintext
                ? try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &file, stored: { verified[$0] })
                : [:]
            return (rewired, removed)
        }
        report.record(rewired)
        report.record(removed, path: configPath)
        try reach(.configWritten)
        if options.removePlaintext || roleSourceInCredentials, let credentialsPath {
            let removed = try SharedFileEditor.edit(path: credentialsPath, kind: .credentials) { file in
                try MigrationPlanner.pointRolesInCredentials(roleSources, in: &file)
                return options.removePlaintext
                    ? try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &file, stored: { verified[$0] })
                    : [:]
            }
            report.record(removed, path: credentialsPath)
            try reach(.credentialsWritten)
        }
        return report
    }

    /// Calls the DEBUG-only fault hook at `point`; nothing in release builds.
    private func reach(_ point: FaultPoint) throws {
        #if DEBUG
        try faultHook?(point)
        #endif
    }
}
