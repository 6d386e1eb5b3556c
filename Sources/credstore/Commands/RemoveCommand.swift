import ArgumentParser
import CredentialLookup
import Glibc
import SecureStore
import SharedFileStore
import SystemLayer

/// `credstore remove`: deletes a profile (the `Remove-AWSCredentialProfile` of credstore).
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a profile.",
        discussion: """
            Removes the copy of the profile that the search order would pick: the encrypted store's, else the \
            shared credentials file's, else the shared config file's. --profile-location removes it from that file \
            only; --all-stores removes every copy. Shared files keep their comments and other profiles. Removing a \
            profile that does not exist is an error (exit 66). A key pair that exists nowhere else is removed only \
            after a yes on the terminal, or with --force. Profiles of the shared config file whose \
            credential_process runs 'credstore export' for a removed store profile are reported.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: [.customShort("p"), .customLong("profile")],
            help: ArgumentHelp("The profile to remove.", valueName: "name"))
    var profile: String

    @Option(name: .customLong("profile-location"), help: ArgumentHelp(
        "Remove the profile from this shared file only.", valueName: "path"))
    var profileLocation: String?

    @Flag(name: .customLong("all-stores"), help: "Remove the profile from every store that has it.")
    var allStores = false

    @Flag(name: .customLong("force"), help: ArgumentHelp(
        "Remove the profile even when its key pair exists nowhere else (it is then lost)."))
    var force = false

    @Flag(name: .customLong("json"), help: "Print what was removed as JSON.")
    var json = false

    func validate() throws {
        if allStores && profileLocation != nil {
            throw ValidationError("--all-stores and --profile-location cannot be used together.")
        }
    }

    func run() throws {
        let context = LookupContext(store: store)
        var targets: [(type: StoreType, location: String)] = []
        if let location = profileLocation.map(PathExpansion.expand) {
            let catalog = SharedFileCatalog(path: location, kind: ProfileFileKind.guess(forPath: location),
                                            mustExist: true)
            if try catalog.profileNames().contains(profile) { targets.append((catalog.storeType, location)) }
        } else {
            if try context.storeCatalog.profileNames().contains(profile) {
                targets.append((.secureStore, context.storeCatalog.location))
            }
            for catalog in context.sharedCatalogs where try catalog.profileNames().contains(profile) {
                targets.append((catalog.storeType, catalog.location))
            }
            if !allStores { targets = Array(targets.prefix(1)) }
        }
        guard !targets.isEmpty else {
            let places = profileLocation.map { [$0] }
                ?? [context.storeCatalog.location] + context.sharedCatalogs.map(\.location)
            throw CLIFailure("profile '\(profile)' was not found; searched: " + places.joined(separator: ", "),
                             hint: "check the name with 'credstore list'", exitCode: .notFound)
        }
        let locationCatalog = profileLocation.map(PathExpansion.expand).map {
            SharedFileCatalog(path: $0, kind: ProfileFileKind.guess(forPath: $0))
        }
        try confirmLosingLastCopies(targets, context: context, also: locationCatalog.map { [$0] } ?? [])
        try checkFileEdits(targets)
        Self.installTestFault(environment: context.environment)
        var removed: [(type: StoreType, location: String)] = []
        for target in targets {
            do {
                try remove(from: target, context: context)
            } catch {
                guard !removed.isEmpty else { throw error }
                var failure = CLIFailure(classifying: error) ?? CLIFailure("\(error)")
                failure.message = "profile '\(profile)' was removed from " + removed.map {
                    "the \($0.type.displayName) (\($0.location))"
                }.joined(separator: " and ") + ", but not from the \(target.type.displayName) (\(target.location)): "
                    + failure.message
                throw failure
            }
            removed.append(target)
        }
        if targets.contains(where: { $0.type == .secureStore }) { try handleExportReferences(context: context) }
        if json {
            Output.printJSON(["ProfileName": .string(profile), "Removed": .array(targets.map {
                .object(["StoreTypeName": .string($0.type.rawValue), "ProfileLocation": .string($0.location)])
            })])
        } else {
            for target in targets {
                Output.print("Removed profile '\(profile)' from the \(target.type.displayName) (\(target.location)).")
            }
        }
    }

    /// Test seam (debug builds only): `CREDSTORE_TEST_REMOVE_FAIL_AT=STEP#N` makes the N-th `AtomicWriteStep` named
    /// STEP (e.g. `rename#2`: the second copy's write) fail with EIO, as a failing disk would after the first copy
    /// was removed.
    private static func installTestFault(environment: [String: String]) {
        #if DEBUG
        AtomicWriteFaultInjection.at(environment["CREDSTORE_TEST_REMOVE_FAIL_AT"]) { EIO }
        #endif
    }

    /// Removes the profile from one target.
    private func remove(from target: (type: StoreType, location: String), context: LookupContext) throws {
        if target.type == .secureStore {
            try context.storeCatalog.unlockedStore().remove(named: profile)
            return
        }
        let kind: ProfileFileKind = target.type == .sharedConfigFile ? .config : .credentials
        let removed = try SharedFileEditor.edit(path: target.location, kind: kind) { file in
            try file.removeProfile(profile)
        }
        guard removed else {
            throw CLIFailure("profile '\(profile)' disappeared from \(target.location) while removing it",
                             hint: "another program edited the file; check it with 'credstore list'",
                             exitCode: .notFound)
        }
    }

    /// Runs every shared-file edit of `targets` without writing (lock, parse, the permission checks of the result),
    /// so that a file that would refuse the edit stops the command before any copy is removed: `--all-stores` must
    /// not delete the store's copy and then fail on a file.
    private func checkFileEdits(_ targets: [(type: StoreType, location: String)]) throws {
        for target in targets where target.type != .secureStore {
            let kind: ProfileFileKind = target.type == .sharedConfigFile ? .config : .credentials
            _ = try SharedFileEditor.edit(path: target.location, kind: kind, dryRun: true) { file in
                try file.removeProfile(profile)
            }
        }
    }

    /// Asks before removing a key pair that no profile outside `targets` holds (`--force` skips the question;
    /// without a terminal the removal is refused). The copies are looked for in the store, the shared files and
    /// `also` (the `--profile-location` file), places compared as files, not path strings.
    private func confirmLosingLastCopies(_ targets: [(type: StoreType, location: String)],
                                         context: LookupContext, also: [SharedFileCatalog]) throws {
        // Removing a plaintext profile never prompts for a passphrase just to look for copies: the store is read
        // then only when it opens without a prompt (agent, key file); otherwise its copies go unseen and the
        // question is asked.
        var storeCatalog: EncryptedStoreCatalog?
        if targets.contains(where: { $0.type == .secureStore }) {
            storeCatalog = context.storeCatalog
        } else if EncryptedStore.exists(at: context.storeCatalog.location) {
            var unprompted = store.unlocker()
            unprompted.prompt = nil
            storeCatalog = (try? unprompted.open()).map { EncryptedStoreCatalog(store: $0) }
        }
        let copies = try KeyCopies(store: storeCatalog, sharedCatalogs: context.sharedCatalogs + also)
        let leaving = Set(targets.map { ProfilePlace(storeType: $0.type, location: $0.location, name: profile) })
        var lost: [String] = []
        for place in leaving {
            guard let pair = copies.keyPair(at: place), !lost.contains(pair.accessKeyID) else { continue }
            if copies.isLastCopy(accessKeyID: pair.accessKeyID, secretAccessKey: pair.secretAccessKey,
                                 leaving: leaving) {
                lost.append(pair.accessKeyID)
            }
        }
        guard !lost.isEmpty else { return }
        let keys = "access key " + lost.joined(separator: ", ")
        try TerminalQuestions.requireConsent(
            "Profile '\(profile)' holds \(keys), which exists nowhere else; removing it loses that key. Remove it?",
            force: force,
            refusal: "profile '\(profile)' holds \(keys), which exists nowhere else; removing it would lose that key, "
                + "so nothing was removed",
            hint: "save it under another name first (credstore set --profile NAME), or pass --force to remove it "
                + "anyway")
    }

    /// The shared config file's profiles whose credential_process runs `credstore export` for the removed store
    /// profile fail from now on, several errors deep in the AWS tool that runs them: on a terminal, offers to remove
    /// that credential_process line; otherwise (or when declined) reports it.
    private func handleExportReferences(context: LookupContext) throws {
        let config = SharedFileCatalog(path: context.locations.configPath, kind: .config)
        let storePath = context.storeCatalog.location
        for name in ExportReferences.profiles(exporting: profile, fromStore: storePath,
                                              defaultStorePath: ExportCommandLine.defaultStorePath(context.environment),
                                              in: config) {
            let line = "profile '\(name)' in \(config.location) runs 'credstore export --profile \(profile)' as its "
                + "credential_process, which now fails"
            if SecretSources.hasTerminal, TerminalQuestions.confirm(line.prefix(1).uppercased() + line.dropFirst()
                                                                    + ". Remove that credential_process line?") {
                _ = try SharedFileEditor.edit(path: config.location, kind: .config) { file in
                    try file.removeValue(forKey: "credential_process", inProfile: name)
                }
                Output.print("Removed the credential_process line of profile '\(name)' from \(config.location).")
                continue
            }
            StandardError.line("warning: \(line)")
            StandardError.line("hint: remove that line, or the profile (credstore remove --profile \(name) "
                + "--profile-location \(config.location))")
        }
    }
}
