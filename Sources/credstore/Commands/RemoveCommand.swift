import ArgumentParser
import CredentialLookup

/// `credstore remove`: deletes a profile (the `Remove-AWSCredentialProfile` of credstore).
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a profile.",
        discussion: """
            Removes the copy of the profile that the search order would pick: the encrypted store's, else the \
            shared credentials file's, else the shared config file's. --profile-location removes it from that file \
            only; --all-stores removes every copy. Shared files keep their comments and other profiles. Removing a \
            profile that does not exist is an error (exit 66).
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
        for target in targets {
            if target.type == .secureStore {
                try context.storeCatalog.unlockedStore().remove(named: profile)
            } else {
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
        }
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
}
