import CredentialLookup

/// What `rotate` talks to: the IAM and STS clients (branch awsapi) over the HTTP transport (branch http), and the
/// session cache (branch sessions). Until those are merged this build has no AWS client, and says so.
enum RotationService {
    /// The AWS calls of a rotation, with endpoints from the environment and the profile's settings.
    static func make(environment: [String: String], profileSettings: [String: String]) throws
        -> any AccessKeyService {
        throw CLIFailure("this credstore was built without its AWS API client, so it cannot rotate keys")
    }

    /// The session cache a rotation clears: the store's (`STORE.sessions`). For a store profile the store is open
    /// already; for a shared-file profile it is opened only without asking (agent, key file), never prompted for.
    static func sessionCache(context: LookupContext, holder: any RotationHolder) -> any RotationSessionCache {
        if holder is StoreRotationHolder {
            let catalog = context.storeCatalog
            return StoreSessionCache { try catalog.unlockedStore() }
        }
        let unlocker = context.unlocker
        return StoreSessionCache {
            guard let store = try unlocker.openWithoutAsking() else { throw CLIFailure("the store is locked") }
            return store
        }
    }
}
