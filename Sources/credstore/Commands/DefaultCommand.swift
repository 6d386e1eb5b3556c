import ArgumentParser
import CredentialLookup
import SecureStore

/// `credstore default`: makes a profile's credentials the default (the `Initialize-AWSDefaultConfiguration` of
/// credstore).
struct DefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default",
        abstract: "Make a profile's credentials the default profile of the encrypted store.",
        discussion: """
            Looks up --profile NAME (the encrypted store, then the shared files), copies its credentials and region \
            to the profile 'default' of the encrypted store, and says which existing 'default' it replaces. Tools \
            that use the default profile then get these credentials. When the replaced 'default' holds a key pair \
            that exists nowhere else (no other profile of the store or the shared files has it), it is replaced \
            only after a yes on the terminal, or with --force.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: [.customShort("p"), .customLong("profile")],
            help: ArgumentHelp("The profile to make the default.", valueName: "name"))
    var profile: String

    @Option(name: .customLong("region"), help: ArgumentHelp(
        "The default region; otherwise the profile's region is kept.", valueName: "region"))
    var region: String?

    @Flag(name: .customLong("force"), help: ArgumentHelp(
        "Replace the default profile even when its key pair exists nowhere else (it is then lost)."))
    var force = false

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let context = LookupContext(store: store)
        var request = LookupRequest(profileName: profile)
        // The key pair stays inside credstore (copied to another of its profiles), and the copy keeps the
        // session-only choice below, so the long-lived key may be read here.
        request.allowsLongLivedKey = true
        let sources: [CredentialSource] = [
            SpecifiedProfileSource(catalogs: context.catalogs, environment: context.environment),
        ]
        let resolution = try CredentialResolver(sources: sources, environment: context.environment).resolve(request)
        let handle = try context.storeCatalog.unlockedStore()
        let replaced = try handle.profile(named: "default")
        var settings: [String: String] = [:]
        if let region = region ?? resolution.region { settings["region"] = region }
        if resolution.longLivedKeyStaysHome { settings[ReservedSetting.sessionOnly] = "true" }
        let credentials = resolution.credentials
        if let replaced, replaced.accessKeyID != credentials.accessKeyID
            || replaced.secretAccessKey != credentials.secretAccessKey {
            let copies = try KeyCopies(store: EncryptedStoreCatalog(store: handle),
                                       sharedCatalogs: context.sharedCatalogs)
            let place = ProfilePlace(storeType: .secureStore, location: handle.path, name: "default")
            if copies.isLastCopy(accessKeyID: replaced.accessKeyID, secretAccessKey: replaced.secretAccessKey,
                                 leaving: [place]) {
                try TerminalQuestions.requireConsent(
                    "The default profile in \(handle.path) holds access key \(replaced.accessKeyID), which exists "
                        + "nowhere else; replacing it loses that key. Replace it?",
                    force: force,
                    refusal: "the default profile in \(handle.path) holds access key \(replaced.accessKeyID), which "
                        + "exists nowhere else; replacing it would lose that key, so nothing was changed",
                    hint: "save it under another name first (credstore export --profile default shows it; then "
                        + "credstore set --profile NAME), or pass --force to replace it anyway")
            }
        }
        // The question above was about `replaced`; the write re-reads the default under the store's lock and refuses
        // when another writer changed its key pair meanwhile (a prompt can wait for minutes), so a key never asked
        // about is not overwritten.
        try handle.set(StoredProfile(name: "default", accessKeyID: credentials.accessKeyID,
                                     secretAccessKey: credentials.secretAccessKey,
                                     sessionToken: credentials.sessionToken, expiration: credentials.expiration,
                                     settings: settings)) { current in
            guard current?.accessKeyID != replaced?.accessKeyID
                    || current?.secretAccessKey != replaced?.secretAccessKey else { return }
            throw CLIFailure("the default profile in \(handle.path) was changed by another program while this "
                                + "command ran (it now holds "
                                + (current.map { "access key \($0.accessKeyID)" } ?? "no key pair")
                                + "); nothing was changed",
                             hint: "check it with 'credstore get --profile default', then run the command again",
                             exitCode: .failure)
        }
        if json {
            Output.printJSON([
                "ProfileName": .string("default"), "Source": SourceJSON.object(resolution.origin),
                "AccessKeyId": .string(credentials.accessKeyID),
                "Region": settings["region"].map { .string($0) } ?? .null,
                "ReplacedAccessKeyId": replaced.map { .string($0.accessKeyID) } ?? .null,
            ])
            return
        }
        if let replaced {
            Output.print("Replaced the default profile (access key \(replaced.accessKeyID)) in \(handle.path) "
                + "with '\(profile)' (access key \(credentials.accessKeyID)).")
        } else {
            Output.print("Made '\(profile)' (access key \(credentials.accessKeyID)) the default profile in "
                + "\(handle.path).")
        }
    }
}
