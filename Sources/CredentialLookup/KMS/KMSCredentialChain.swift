import Glibc
import HTTPClient
import SecureStore
import SharedFileStore
import SystemLayer

/// Where a store's KMS slot gets the AWS credentials it calls KMS with: always from outside the store it unlocks.
///
/// With a profile named on the slot (`--kms-profile`): that profile of the shared credentials file, else of the
/// config file (static keys or a `credential_process`); a `credential_process` that runs `credstore export` on the
/// same store is refused as a loop, and a profile the shared files do not have is not looked for in the store.
/// Without one: the environment (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`), then an ECS
/// task role (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `…_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`
/// or `AWS_CONTAINER_AUTHORIZATION_TOKEN`),
/// then an EC2 instance role (IMDSv2, `InstanceMetadataSource`).
struct KMSCredentialChain {
    /// The credentials found and the settings of the profile they came from (its `endpoint_url`, say).
    struct Found {
        var credentials: Credentials
        var profileSettings: [String: String]
    }

    let storePath: String
    let environment: [String: String]
    let options: LookupOptions
    let transport: any HTTPTransport

    /// The credentials for KMS key `key` (named in errors), from `profile` when given.
    func credentials(profile: String?, key: String) throws -> Found {
        if let profile { return try fromProfile(profile, key: key) }
        let request = LookupRequest()
        switch try EnvironmentCredentialSource(environment: environment).resolve(request) {
        case let .found(resolution): return Found(credentials: resolution.credentials, profileSettings: [:])
        case let .failed(error): throw error
        case .notHere: break
        }
        if let credentials = try containerCredentials(key: key) {
            return Found(credentials: credentials, profileSettings: [:])
        }
        var searched = ["environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI"]
        let metadata = InstanceMetadataSource(environment: environment, options: options, transport: transport)
        switch try metadata.resolve(request) {
        case let .found(resolution): return Found(credentials: resolution.credentials, profileSettings: [:])
        case let .failed(error): throw error
        case let .notHere(places): searched += places
        }
        throw CredentialLookupError(.kms(.noCredentials, key: key,
                                         detail: "searched: " + searched.joined(separator: "; ")))
    }

    /// The named shared-file profile's credentials; never the store's.
    private func fromProfile(_ name: String, key: String) throws -> Found {
        let locations = SharedFileLocations(environment: environment)
        let catalogs = [SharedFileCatalog(path: locations.credentialsPath, kind: .credentials),
                        SharedFileCatalog(path: locations.configPath, kind: .config)]
        let profiles = ProfileCredentials(environment: environment, options: options)
        var settings: [String: String] = [:]
        var seen = false
        for catalog in catalogs {
            guard let entry = try catalog.profile(named: name) else { continue }
            seen = true
            settings.merge(entry.settings) { first, _ in first }
            let defaultStore = StoreLocation.resolve(explicit: nil, environment: environment)
            if let command = entry.settings["credential_process"],
               let invocation = ExportInvocation(commandLine: command),
               FileIdentity.same(invocation.store ?? defaultStore, storePath) {
                throw CredentialLookupError(.kms(.credentialsLoop, key: key, detail: "profile '\(name)' in "
                                                    + "\(ProfileCredentials.place(catalog)) runs credstore export on "
                                                    + "that store (credential_process)"))
            }
            switch profiles.credentials(of: entry, in: catalog, step: .specifiedProfile) {
            case let .found(resolution)?: return Found(credentials: resolution.credentials, profileSettings: settings)
            case let .failed(error)?: throw error
            case .notHere?, nil: continue
            }
        }
        let detail = seen
            ? "profile '\(name)' has no credentials (static keys or credential_process) in the shared files"
            : "profile '\(name)' is in neither \(locations.credentialsPath) nor \(locations.configPath) (a KMS slot "
                + "never takes its credentials from the store it unlocks)"
        throw CredentialLookupError(.kms(.noCredentials, key: key, detail: detail))
    }

    /// ECS task-role credentials, when the container variables are set; `nil` otherwise. The fetch is the one
    /// `credential_source = EcsContainer` uses (`ContainerCredentials`: the SDKs' URL rule, the token file re-read,
    /// a bounded reply in wiped memory); only its errors are told as this slot's "no credentials".
    private func containerCredentials(key: String) throws -> Credentials? {
        func given(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
            return value
        }
        guard given("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != nil
                || given("AWS_CONTAINER_CREDENTIALS_FULL_URI") != nil else { return nil }
        if given("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == nil,
           let full = given("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            do {
                try ContainerCredentials.checkFullURI(full)
            } catch {
                throw CredentialLookupError(.kms(.noCredentials, key: key, detail: "AWS_CONTAINER_CREDENTIALS_FULL_URI "
                                                    + "must be https:// or a loopback http:// URL"))
            }
        }
        do {
            return try ContainerCredentials(environment: environment, transport: transport)
                .credentials(profile: "the KMS slot")
        } catch let error as CredentialLookupError {
            throw CredentialLookupError(.kms(.noCredentials, key: key, detail: "\(error)"))
        }
    }
}
