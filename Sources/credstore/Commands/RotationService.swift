import CredentialLookup

/// What `rotate` talks to: the IAM and STS clients (branch awsapi) over the HTTP transport (branch http), and the
/// session cache (branch sessions). Until those are merged this build has no AWS client, and says so.
enum RotationService {
    /// The AWS calls of a rotation, with endpoints from the environment and the profile's settings.
    static func make(environment: [String: String], profileSettings: [String: String]) throws
        -> any AccessKeyService {
        throw CLIFailure("this credstore was built without its AWS API client, so it cannot rotate keys")
    }

    /// The session cache a rotation clears (`NoSessionCache` until the session cache is merged: the lead wires it).
    static func sessionCache(context: LookupContext) -> any RotationSessionCache {
        NoSessionCache()
    }
}
