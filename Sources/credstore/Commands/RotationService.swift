import CredentialLookup

/// What `rotate` talks to: the IAM and STS clients (`AWSAccessKeyService`) over libcurl (`CurlTransport`, loaded at
/// first use), and the session cache beside the store.
enum RotationService {
    /// The AWS calls of a rotation, with endpoints, proxy and CA bundle from the environment and the profile's
    /// settings (`AWS_ENDPOINT_URL_IAM`/`_STS`, `endpoint_url`, `region`, `AWS_CA_BUNDLE`, `HTTPS_PROXY`, …).
    static func make(environment: [String: String], profileSettings: [String: String]) throws
        -> any AccessKeyService {
        do {
            return try AWSAccessKeyService.standard(environment: environment, profileSettings: profileSettings)
        } catch {
            // A malformed endpoint, region or max_attempts (the only errors before any request).
            throw CLIFailure("\(error)", hint: "check AWS_ENDPOINT_URL_*, AWS_REGION and the profile's endpoint_url, "
                             + "region and max_attempts", exitCode: .invalidInput)
        }
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
