import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc

/// `--profile`, `--profile-location`, `--region` and `--no-session`: what a command asks the search order for.
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

    @Flag(name: .customLong("no-session"), help: ArgumentHelp(
        "Hand out the long-lived key of a profile set to hand out only temporary credentials ('credstore sessions "
            + "configure --session-only'). Without it, such a profile's long-lived key never leaves credstore."))
    var noSession = false

    /// The lookup request these options describe.
    var request: LookupRequest {
        var request = LookupRequest(profileName: profile, profileLocation: profileLocation.map(PathExpansion.expand),
                                    region: region)
        request.allowsLongLivedKey = noSession
        return request
    }
}
