import ArgumentParser
import CredentialLookup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    @Option(name: .customLong("profile"), help: ArgumentHelp(
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

    @Flag(name: .customLong("json"), help: "Print the summary as JSON.")
    var json = false

    /// What happened to one profile's plaintext copies, for the summary.
    private struct PlaintextChanges {
        var removed: [(path: String, keys: [String])] = []
        var kept: [(path: String, keys: [String])] = []
        var rewiring: Rewiring?
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
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
        let shared = try SharedProfiles(credentialsPath: credentialsPath, configPath: configPath)
        let storePath = store.storePath()
        let storedNames: Set<String> = EncryptedStore.exists(at: storePath)
            ? Set(try EncryptedStore.profileNames(at: storePath)) : []
        var handle: EncryptedStore?
        func unlocked() throws -> EncryptedStore {
            if let handle { return handle }
            let opened = try store.openStore(create: true)
            handle = opened
            return opened
        }

        let plan = try MigrationPlanner.plan(shared: shared, names: profiles.isEmpty ? nil : profiles,
                                             storedNames: storedNames, stored: { try unlocked().profile(named: $0) },
                                             overwrite: overwrite)
        let missing = plan.filter { $0.status == .notFound }
        guard missing.isEmpty else {
            let files = [credentialsPath, configPath].compactMap { $0 }.joined(separator: " or ")
            throw CLIFailure("profile " + missing.map { "'\($0.name)'" }.joined(separator: ", ")
                             + " is not in \(files); nothing was changed",
                             hint: "check the names with 'credstore shared-profiles'", exitCode: .notFound)
        }
        let eligible = plan.filter(\.allowsPlaintextChanges).map(\.name)
        let command = { (name: String) in
            MigrationPlanner.exportCommand(executable: Self.executablePath(), profile: name,
                                           store: store.store != nil || environment["CREDSTORE_STORE"] != nil
                                               ? storePath : nil)
        }

        if dryRun {
            // Simulate the plaintext edits on in-memory copies, against what the store would hold.
            // Decrypted up front: reading a stored profile can fail (a corrupt record), the planner's lookup cannot.
            var held = [String: StoredProfile]()
            for name in eligible {
                held[name] = try plan.first { $0.name == name }?.imported ?? handle?.profile(named: name)
            }
            let wouldHold = { (name: String) -> StoredProfile? in held[name] }
            var changes = [String: PlaintextChanges]()
            var config = shared.config
            var credentials = shared.credentials
            if rewireConfig {
                let outcomes = try MigrationPlanner.rewire(eligible, in: &config, command: command,
                                                           isOurs: MigrationPlanner.isExportCommand)
                for (name, outcome) in outcomes { changes[name, default: .init()].rewiring = outcome }
            }
            if removePlaintext {
                record(try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &config, stored: wouldHold),
                       path: configPath, into: &changes)
                if let credentialsPath {
                    record(try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &credentials,
                                                                       stored: wouldHold),
                           path: credentialsPath, into: &changes)
                }
            }
            try report(plan, changes: changes, storePath: storePath, configPath: configPath)
            return
        }

        // 1. The store: each write is its own locked, fsynced, atomic replacement of the file.
        let writes = plan.filter(\.needsStoreWrite)
        for (index, entry) in writes.enumerated() {
            MigrationCrashSeam.reach("before-store-write-\(index)")
            try unlocked().set(entry.imported!)
            MigrationCrashSeam.reach("after-store-write-\(index)")
        }

        // 2. Re-open the store from disk and check it holds exactly what was imported, before touching plaintext.
        var verified = [String: StoredProfile]()
        if !eligible.isEmpty {
            let reopened = try EncryptedStore.open(at: storePath, agentDataKey: try unlocked().agentDataKey())
            for entry in plan where entry.allowsPlaintextChanges {
                let copy = try reopened.profile(named: entry.name)
                if let imported = entry.imported {
                    guard MigrationPlanner.verify(copy, matches: imported) else {
                        throw CLIFailure("after writing, the store \(storePath) does not hold exactly the imported "
                                         + "values of profile '\(entry.name)' (another process may have changed "
                                         + "it); the plaintext files were not changed",
                                         hint: "run 'credstore migrate' again", exitCode: .failure)
                    }
                }
                verified[entry.name] = copy
            }
        }
        MigrationCrashSeam.reach("verified")

        // 3. Only now the plaintext files: the config first (rewired and cleaned in one atomic replacement, so the
        //    AWS tools keep working at every instant), then the credentials file.
        var changes = [String: PlaintextChanges]()
        if !eligible.isEmpty && (rewireConfig || removePlaintext) {
            let (rewired, removed) = try SharedFileEditor.edit(path: configPath, kind: .config) { file in
                let rewired = rewireConfig
                    ? try MigrationPlanner.rewire(eligible, in: &file, command: command,
                                                  isOurs: MigrationPlanner.isExportCommand)
                    : [:]
                let removed = removePlaintext
                    ? try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &file, stored: { verified[$0] })
                    : [:]
                return (rewired, removed)
            }
            for (name, outcome) in rewired { changes[name, default: .init()].rewiring = outcome }
            record(removed, path: configPath, into: &changes)
            MigrationCrashSeam.reach("config-written")
            if removePlaintext, let credentialsPath {
                let removed = try SharedFileEditor.edit(path: credentialsPath, kind: .credentials) { file in
                    try MigrationPlanner.removePlaintextSecrets(of: eligible, from: &file, stored: { verified[$0] })
                }
                record(removed, path: credentialsPath, into: &changes)
                MigrationCrashSeam.reach("credentials-written")
            }
        }
        try report(plan, changes: changes, storePath: storePath, configPath: configPath)
    }

    private func record(_ outcomes: [String: PlaintextRemoval], path: String,
                        into changes: inout [String: PlaintextChanges]) {
        for (name, outcome) in outcomes {
            switch outcome {
            case .removed(let keys): changes[name, default: .init()].removed.append((path, keys))
            case .keptDifferent(let keys): changes[name, default: .init()].kept.append((path, keys))
            case .notInStore: changes[name, default: .init()].kept.append((path, ProfileEntry.credentialSettingNames))
            }
        }
    }

    // MARK: - Summary

    private func report(_ plan: [ProfileMigration], changes: [String: PlaintextChanges], storePath: String,
                        configPath: String) throws {
        let would = dryRun ? "would be " : ""
        func detail(_ entry: ProfileMigration) -> String {
            var parts: [String] = []
            if let reason = entry.reason { parts.append(reason) }
            let change = changes[entry.name] ?? PlaintextChanges()
            for removal in change.removed {
                parts.append("\(removal.keys.joined(separator: ", ")) \(would)removed from \(removal.path)")
            }
            for kept in change.kept {
                parts.append("\(kept.keys.joined(separator: ", ")) kept in \(kept.path): the value differs from the "
                             + "store's")
            }
            switch change.rewiring {
            case .added?: parts.append("credential_process \(would)added to \(configPath)")
            case .keptOther?: parts.append("its other credential_process in \(configPath) was kept")
            case .unchanged?, nil: break
            }
            return parts.joined(separator: "; ")
        }
        if json {
            Output.printJSON([
                "Store": .string(storePath),
                "DryRun": .bool(dryRun),
                "Profiles": .array(plan.map { entry in
                    let change = changes[entry.name] ?? PlaintextChanges()
                    return .object([
                        "ProfileName": .string(entry.name),
                        "Status": .string(entry.status.rawValue),
                        "Reason": entry.reason.map { .string($0) } ?? .null,
                        "AccessKeyId": entry.imported.map { .string($0.accessKeyID) } ?? .null,
                        "Sources": .array(entry.sources.compactMap(\.path).map { .string($0) }),
                        "PlaintextRemoved": .object(Dictionary(change.removed.map {
                            ($0.path, JSONValue.array($0.keys.map { .string($0) }))
                        }) { $1 }),
                        "PlaintextKept": .object(Dictionary(change.kept.map {
                            ($0.path, JSONValue.array($0.keys.map { .string($0) }))
                        }) { $1 }),
                        "CredentialProcess": change.rewiring.map { .string(Self.name(of: $0)) } ?? .null,
                    ])
                }),
            ])
        } else if plan.isEmpty {
            Output.print("No profiles in the shared files; nothing to migrate.")
        } else {
            let migrated = plan.filter { $0.status == .migrated || $0.status == .overwritten }.count
            Output.print(dryRun ? "Dry run: nothing was changed. The encrypted store is \(storePath)."
                                : "Migrated \(migrated) profile\(migrated == 1 ? "" : "s") into \(storePath).")
            Output.write(Output.table(header: ["PROFILE", "STATUS", "DETAIL"],
                                      rows: plan.map { [$0.name, $0.status.rawValue, detail($0)] }))
            if removePlaintext && !dryRun && changes.values.contains(where: { !$0.removed.isEmpty }) {
                Output.print("Old copies of the removed secrets may survive in backups, editor files and free disk "
                             + "blocks: rotate these keys (see SECURITY.md).")
            }
        }
        let conflicting = plan.filter { $0.status == .conflicting }.map(\.name)
        let kept = changes.filter { !$0.value.kept.isEmpty }.map(\.key).sorted()
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
                             hint: "pass --overwrite to replace the store's key pair with the plaintext one, or "
                                + "'credstore remove --profile NAME' the store's copy; then run 'credstore migrate' "
                                + "again", exitCode: .failure)
        }
    }

    private static func name(of rewiring: Rewiring) -> String {
        switch rewiring {
        case .added: return "added"
        case .unchanged: return "unchanged"
        case .keptOther: return "kept-other"
        }
    }

    /// The absolute path of the running binary, for `credential_process`: `/proc/self/exe`, else argv[0] made
    /// absolute.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let argument = CommandLine.arguments.first ?? "credstore"
        if argument.hasPrefix("/") { return argument }
        return FileManager.default.currentDirectoryPath + "/" + argument
    }
}

/// A test seam for the crash test: in DEBUG builds only, `CREDSTORE_TEST_MIGRATE_KILL_AT=STEP` makes `migrate`
/// SIGKILL itself on reaching STEP. Release builds compile it to nothing.
enum MigrationCrashSeam {
    static func reach(_ step: String) {
        #if DEBUG
        if ProcessInfo.processInfo.environment["CREDSTORE_TEST_MIGRATE_KILL_AT"] == step {
            kill(getpid(), SIGKILL)
        }
        #endif
    }
}
