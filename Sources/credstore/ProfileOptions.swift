import ArgumentParser
import CredentialLookup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `--profile`, `--profile-location` and `--region`: what a command asks the search order for.
struct ProfileOptions: ParsableArguments {
    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "The profile to use. Without it, the full search order applies: environment, AWS_PROFILE, then the default "
            + "profile.", valueName: "name"),
        // Tab completes the names `credstore list --names` prints; nothing is unlocked and errors complete nothing.
        completion: .custom { _, _, _ in ListCommand.completionCandidates() })
    var profile: String?

    @Option(name: .customLong("profile-location"), help: ArgumentHelp(
        "A shared credentials (or config) file to read the profile from. The encrypted store is bypassed. With no "
            + "--profile, that file's 'default' profile is used.", valueName: "path"),
        completion: .file())
    var profileLocation: String?

    @Option(name: .customLong("region"), help: ArgumentHelp(
        "The region to report; it overrides AWS_REGION, AWS_DEFAULT_REGION and the profile's region.",
        valueName: "region"))
    var region: String?

    /// The lookup request these options describe.
    var request: LookupRequest {
        LookupRequest(profileName: profile, profileLocation: profileLocation.map(PathExpansion.expand),
                      region: region)
    }
}

/// `~` expansion for paths the user typed (the shell does not expand `--opt=~/x`).
enum PathExpansion {
    static func expand(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? SharedFileLocations(environment: [:]).homeDirectory
        return home + path.dropFirst()
    }
}

/// Everything a lookup needs, built once per command: the store catalog (unlocked lazily through the secret-source
/// chain), the shared files, and the documented search order over them.
struct LookupContext {
    let environment: [String: String]
    let storeCatalog: EncryptedStoreCatalog
    let locations: SharedFileLocations
    let catalogs: ProfileCatalogs

    init(store: StoreOptions) {
        // A passphrase descriptor must not reach what a lookup starts (`exec`'s command, a credential_process): they
        // could seek back and read it. Standard input/output/error are left alone.
        if let fd = store.passphraseFD, fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        environment = ProcessInfo.processInfo.environment
        storeCatalog = EncryptedStoreCatalog(path: store.storePath(), unlock: { try store.openStore() })
        locations = SharedFileLocations(environment: environment)
        catalogs = ProfileCatalogs.standard(store: storeCatalog, locations: locations)
    }

    /// Resolves `request` with the full search order.
    func resolve(_ request: LookupRequest) throws -> Resolution {
        try CredentialResolver.standard(for: request, environment: environment, catalogs: catalogs).resolve(request)
    }

    /// The shared credentials and config catalogs, in search order.
    var sharedCatalogs: [SharedFileCatalog] {
        catalogs.searchOrder.compactMap { $0 as? SharedFileCatalog }
    }
}
