import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SecureStore
import SharedFileStore

/// `credstore migrate`: moves plaintext profiles of ~/.aws/credentials (and ~/.aws/config) into the encrypted store,
/// optionally removing the plaintext secrets and pointing the config file at `credstore export`.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move plaintext profiles from ~/.aws/credentials and ~/.aws/config into the encrypted store.",
        discussion: """
            Every profile of the shared files that holds an access key pair (or only those named with --profile) is \
            imported into the encrypted store with its region and other settings; the store is created on first \
            use. A profile whose name the store already holds with a different key pair is reported as conflicting \
            and left alone unless --overwrite is given. Profiles without keys (a region only, a role, SSO) are \
            skipped, with the reason.

            The order is crash-safe: the store is written and flushed to disk, re-opened and checked to hold exactly \
            the imported values, and only then are the plaintext files rewritten, each atomically. A secret is \
            removed from a plaintext file only when the store holds the same value. If the command is interrupted, \
            every secret is still in the store or in the plaintext file, and running it again finishes the job.

            --remove-plaintext removes aws_access_key_id, aws_secret_access_key and aws_session_token (and the \
            legacy aws_security_token) of each migrated profile from both files, keeping comments, other keys and \
            other profiles byte for byte. Old copies may survive in backups and free disk blocks: rotate keys that \
            were ever stored in plain text (see SECURITY.md). --rewire-config adds \
            'credential_process = <this binary> export --profile NAME --format credential-process' to each migrated \
            profile of the config file, so the AWS CLI and SDKs keep working. The exit status is 0 when every \
            profile was migrated or skipped, 66 when a profile named with --profile does not exist (nothing is \
            changed), and 1 when a profile conflicts or a plaintext secret had to be kept.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("from"), help: ArgumentHelp(
        "Migrate from this credentials file instead of AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials (a file "
            + "named 'config' is read as the config file instead).", valueName: "path"))
    var from: String?

    @Option(name: [.customShort("p"), .customLong("profile")], help: ArgumentHelp(
        "Migrate only this profile; repeat for several. Without it, every profile with keys is migrated.",
        valueName: "name"))
    var profiles: [String] = []

    @Flag(name: .customLong("remove-plaintext"), help: ArgumentHelp(
        "Remove the migrated secrets from the plaintext files once the store verifiably holds them."))
    var removePlaintext = false

    @Flag(name: .customLong("rewire-config"), help: ArgumentHelp(
        "Add a credential_process that runs 'credstore export' to each migrated profile of the config file."))
    var rewireConfig = false

    @Flag(name: .customLong("dry-run"), help: "Print what would change, and change nothing.")
    var dryRun = false

    @Flag(name: .customLong("overwrite"), help: ArgumentHelp(
        "Replace a different key pair that the store already holds under the same name."))
    var overwrite = false

    @Flag(name: .customLong("force"), help: ArgumentHelp(
        "With --overwrite, replace a store key pair even when it exists nowhere else (it is then lost)."))
    var force = false

    @Flag(name: .customLong("json"), help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let environment = ProcessEnvironment.current
        let locations = SharedFileLocations(environment: environment)
        var credentialsPath: String? = locations.credentialsPath
        var configPath = locations.configPath
        if let from = from.map(PathExpansion.expand) {
            guard access(from, F_OK) == 0 else {
                let number = errno
                throw CLIFailure("cannot read \(from) (from --from): \(String(cString: strerror(number)))",
                                 hint: "give the path of a shared credentials file", exitCode: .notFound)
            }
            if ProfileFileKind.guess(forPath: from) == .config {
                credentialsPath = nil
                configPath = from
            } else {
                credentialsPath = from
            }
        }
        let storePath = store.storePath()
        // `--store` is written into credential_process only when the store is not the one found by default, and
        // always absolute: the AWS tools run it from any directory.
        let namedStore = store.store != nil || environment["CREDSTORE_STORE"] != nil
            ? PathExpansion.absolute(storePath) : nil
        let rewiring = rewireConfig ? Migration.ConfigRewiring(
            command: { ExportCommandLine.command(executable: ExportCommandLine.executablePath(), profile: $0,
                                                 store: namedStore) },
            replaces: { ExportCommandLine.isExport($0, forProfile: $1, storePath: storePath,
                                                   environment: environment) }) : nil
        let options = Migration.Options(profiles: profiles.isEmpty ? nil : profiles, overwrite: overwrite,
                                        removePlaintext: removePlaintext, dryRun: dryRun)
        let openStore = { [store] in try store.openStore(create: true) }
        var planned = Migration(credentialsPath: credentialsPath, configPath: configPath, storePath: storePath,
                                options: options, rewiring: rewiring, openStore: openStore)
        let sharedCatalogs = [credentialsPath.map { SharedFileCatalog(path: $0, kind: .credentials) },
                              SharedFileCatalog(path: configPath, kind: .config)].compactMap { $0 }
        planned.confirmOverwrites = { [force] replaced, handle in
            try Self.confirmLosingStoreKeys(replaced, store: handle, sharedCatalogs: sharedCatalogs, force: force)
        }
        let migration = MigrationKillSwitch.adapt(planned, environment: environment)

        // Removing plaintext replaces a file by rename: its other hard links keep the old content, secrets included.
        var linked: [String: stat] = [:]
        for path in [credentialsPath, configPath].compactMap({ $0 }) {
            var info = stat()
            if stat(path, &info) == 0 && info.st_nlink > 1 { linked[path] = info }
        }
        let report = try migration.run()
        if rewireConfig {
            for warning in Self.rewiringWarnings(executable: ExportCommandLine.executablePath(), storePath: storePath,
                                                 environment: environment) {
                Warnings.say(warning)
            }
        }
        if removePlaintext && !dryRun {
            let cleaned = Set(report.profiles.flatMap(\.removedPlaintext).map(\.path))
            for path in cleaned.sorted() {
                guard let info = linked[path] else { continue }
                Warnings.say("\(path) had \(info.st_nlink) hard links: the secrets were removed from this name only; "
                             + "the other links (find them with 'find / -xdev -inum \(info.st_ino)') still hold them "
                             + "in plaintext")
            }
        }
        guard report.notFound.isEmpty else {
            let files = [credentialsPath, configPath].compactMap { $0 }.joined(separator: " or ")
            throw CLIFailure("profile " + report.notFound.map { "'\($0)'" }.joined(separator: ", ")
                             + " is not in \(files); nothing was changed",
                             hint: "check the names with 'credstore shared-profiles'", exitCode: .notFound)
        }
        try summarize(report, configPath: configPath)
    }

    // MARK: - Last copies

    /// Asks before `--overwrite` replaces store key pairs that no other profile (of the store or the shared files)
    /// holds: a secret access key cannot be fetched again from AWS. `force` skips the question; without a terminal the
    /// migration is refused before anything changed.
    static func confirmLosingStoreKeys(_ replaced: [StoredProfile], store: EncryptedStore,
                                       sharedCatalogs: [SharedFileCatalog], force: Bool) throws {
        let copies = try KeyCopies(store: EncryptedStoreCatalog(store: store), sharedCatalogs: sharedCatalogs)
        let leaving = Set(replaced.map { ProfilePlace(storeType: .secureStore, location: store.path, name: $0.name) })
        let lost = replaced.filter {
            copies.isLastCopy(accessKeyID: $0.accessKeyID, secretAccessKey: $0.secretAccessKey, leaving: leaving)
        }
        guard !lost.isEmpty else { return }
        let what = lost.map { "'\($0.name)' (access key \($0.accessKeyID))" }.joined(separator: ", ")
        let profiles = lost.count == 1 ? "profile" : "profiles"
        try TerminalQuestions.requireConsent(
            "The store \(store.path) holds \(profiles) \(what) with a key pair that exists nowhere else; "
                + "--overwrite replaces it with the plaintext one and loses that key. Overwrite?",
            force: force,
            refusal: "the store \(store.path) holds \(profiles) \(what) with a key pair that exists nowhere else; "
                + "--overwrite would lose that key, so nothing was changed",
            hint: "save it under another name first (credstore export --profile NAME shows it; then credstore set "
                + "--profile OTHER), or pass --force with --overwrite to replace it anyway")
    }

    // MARK: - Warnings

    /// Warnings for a `--rewire-config` that will not work well later: a credential_process that runs a binary in a
    /// build or temporary directory (gone after a clean or a reboot), and a store that only a passphrase opens
    /// (every AWS call would then ask for it, and tools without a terminal fail with exit 83).
    static func rewiringWarnings(executable: String, storePath: String, environment: [String: String]) -> [String] {
        var warnings: [String] = []
        if ExportCommandLine.isTransient(executable, environment: environment) {
            warnings.append("credential_process runs \(executable), in a build or temporary directory that may "
                            + "disappear; install credstore (e.g. 'sudo install -m 0755 BINARY /usr/bin/credstore') "
                            + "and run '/usr/bin/credstore migrate --rewire-config' again: it updates the lines")
        }
        if let slots = try? EncryptedStore.slots(at: storePath), !slots.isEmpty,
           slots.allSatisfy({ $0.kind == .passphrase }) {
            warnings.append("the store \(storePath) opens only with a passphrase: every AWS call through "
                            + "credential_process will ask for it (about 0.5 s of scrypt each), and tools without a "
                            + "terminal will fail (exit 83); add a key file with 'credstore keyslot add "
                            + "--new-key-file ~/.config/credstore/key' and set CREDSTORE_KEY_FILE for them, or run "
                            + "'credstore unlock' once per session (the unlock agent then serves the key)")
        }
        return warnings
    }

    // MARK: - Summary

    private func summarize(_ report: MigrationReport, configPath: String) throws {
        let plan = report.profiles
        let storePath = report.storePath
        let would = dryRun ? "would be " : ""
        func detail(_ entry: ProfileMigration) -> String {
            var parts: [String] = []
            if let reason = entry.reason { parts.append(reason) }
            if dryRun, entry.status == .migrated || entry.status == .overwritten, let imported = entry.imported {
                parts.append("access key \(imported.accessKeyID) would be "
                             + (entry.status == .overwritten ? "written over the store's copy" : "imported"))
            }
            for removal in entry.removedPlaintext {
                parts.append("\(removal.keys.joined(separator: ", ")) \(would)removed from \(removal.path)")
            }
            for kept in entry.keptPlaintext {
                parts.append("\(kept.keys.joined(separator: ", ")) kept in \(kept.path): the value differs from the "
                             + "store's")
            }
            switch entry.rewiring {
            case .added?: parts.append("credential_process \(would)added to \(configPath)")
            case .keptOther?: parts.append("its other credential_process in \(configPath) was kept")
            case .unchanged?, nil: break
            }
            return parts.joined(separator: "; ")
        }
        /// The STATUS column: in a dry run nothing was migrated yet, so the changes read "would …".
        func status(_ status: ProfileMigration.Status) -> String {
            guard dryRun else { return status.rawValue }
            switch status {
            case .migrated: return "would migrate"
            case .overwritten: return "would overwrite"
            default: return status.rawValue
            }
        }
        func byPath(_ keys: [PlaintextKeys]) -> JSONValue {
            .object(Dictionary(keys.map { ($0.path, JSONValue.array($0.keys.map { .string($0) })) }) { $1 })
        }
        if json {
            Output.printJSON([
                "Store": .string(storePath),
                "DryRun": .bool(dryRun),
                "Profiles": .array(plan.map { entry in
                    .object([
                        "ProfileName": .string(entry.name),
                        "Status": .string(entry.status.rawValue),
                        "Reason": entry.reason.map { .string($0) } ?? .null,
                        "AccessKeyId": entry.imported.map { .string($0.accessKeyID) } ?? .null,
                        "Sources": .array(entry.sources.compactMap(\.path).map { .string($0) }),
                        "PlaintextRemoved": byPath(entry.removedPlaintext),
                        "PlaintextKept": byPath(entry.keptPlaintext),
                        "CredentialProcess": entry.rewiring.map { .string($0.rawValue) } ?? .null,
                    ])
                }),
            ])
        } else if plan.isEmpty {
            Output.print("No profiles in the shared files; nothing to migrate.")
        } else {
            let migrated = report.migratedCount
            Output.print(dryRun ? "Dry run: nothing was changed. The encrypted store is \(storePath)."
                                : "Migrated \(migrated) profile\(migrated == 1 ? "" : "s") into \(storePath).")
            Output.write(Output.table(header: ["PROFILE", "STATUS", "DETAIL"],
                                      rows: plan.map { [$0.name, status($0.status), detail($0)] }))
            if removePlaintext && !dryRun && report.removedAnyPlaintext {
                Output.print("Old copies of the removed secrets may survive in backups, editor files and free disk "
                             + "blocks: rotate these keys (see SECURITY.md).")
            }
        }
        let conflicting = report.conflicting
        let kept = report.keptPlaintext
        guard dryRun || (conflicting.isEmpty && kept.isEmpty) else {
            var problems: [String] = []
            if !conflicting.isEmpty {
                problems.append("profile " + conflicting.map { "'\($0)'" }.joined(separator: ", ")
                                + " conflicts with a different key pair in the store and was not migrated")
            }
            if !kept.isEmpty {
                problems.append("plaintext secrets of " + kept.map { "'\($0)'" }.joined(separator: ", ")
                                + " differ from the store's copy and were kept")
            }
            throw CLIFailure(problems.joined(separator: "; "),
                             hint: "pass --overwrite to replace the store's key pair with the plaintext one; the "
                                + "store's key pair is then lost unless another profile holds it (it asks, or needs "
                                + "--force, then): save it under another name first (credstore export --profile NAME "
                                + "shows it; then credstore set --profile OTHER)", exitCode: .failure)
        }
    }
}

/// A test seam for the binary-level crash test, in DEBUG builds only: `CREDSTORE_TEST_MIGRATE_KILL_AT=STEP` makes
/// `migrate` SIGKILL itself on reaching the `Migration.FaultPoint` named STEP (e.g. `after-store-write-0`). Release
/// builds return the migration unchanged.
enum MigrationKillSwitch {
    static func adapt(_ migration: Migration, environment: [String: String]) -> Migration {
        #if DEBUG
        guard let step = environment["CREDSTORE_TEST_MIGRATE_KILL_AT"] else { return migration }
        var adapted = migration
        adapted.faultHook = { point in
            if point.description == step { kill(getpid(), SIGKILL) }
        }
        return adapted
        #else
        return migration
        #endif
    }
}
