import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc

/// `--profile`, `--profile-location` and `--region`: what a command asks the search order for.
struct ProfileOptions: ParsableArguments {
    @Option(name: [.customShort("p"), .customLong("profile")], help: ArgumentHelp(
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
