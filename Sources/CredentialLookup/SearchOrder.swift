import SharedFileStore

/// The documented search order (README, "The search order"; docs/ARCHITECTURE.md) as data: the one list of credential
/// sources and the one list of profile catalogs that the program, its tests and library users
/// all run. (The default profile chain of step 6 is `DefaultProfileLink.standardChain`.)
package enum SearchOrder {
    /// The credential sources, in search order. Each source lives in its own file under `Sources/`; adding one is
    /// that file plus one line here (see `CredentialSource`).
    package static let sources: [any CredentialSource.Type] = [
        LiteralCredentialSource.self,       // 1. literal credentials given to the command (discouraged)
        SpecifiedProfileSource.self,        // 2. the profile name and/or location given to the command
        ProgrammaticCredentialSource.self,  // 3. credentials passed in through the library API
        EnvironmentCredentialSource.self,   // 4. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
        SessionProfileSource.self,          // 5. the session profile, AWS_PROFILE
        DefaultProfileChainSource.self,     // 6. `default`: store, credentials file, config file; `AWS PS Default`
        InstanceMetadataSource.self,        // 7. IMDSv2 instance-role credentials
    ]

    /// The steps, in search order.
    package static var steps: [SearchStep] { sources.map { $0.step } }

    /// The sources set up for one lookup, in search order, leaving out the steps the request makes irrelevant (no
    /// literal or programmatic credentials, no profile or location).
    ///
    /// - Parameter context: The request, the environment, the catalogs and the options of the lookup.
    package static func sources(for context: SourceContext) -> [any CredentialSource] {
        sources.compactMap { $0.make(for: context) }
    }

    /// The profile catalogs a profile name is searched in, in order: the encrypted store, then the shared
    /// credentials file, then the shared config file.
    ///
    /// - Parameters:
    ///   - store: The encrypted store's catalog.
    ///   - credentialsFile: The shared credentials file's catalog.
    ///   - configFile: The shared config file's catalog.
    package static func catalogs(store: ProfileCatalog, credentialsFile: ProfileCatalog,
                                configFile: ProfileCatalog) -> [ProfileCatalog] {
        [store, credentialsFile, configFile]
    }
}

extension ProfileCatalogs {
    /// The documented catalogs: the encrypted store, then the shared credentials file, then the shared config file;
    /// `--profile-location` files are read with credentials-file rules unless the file is named `config`.
    ///
    /// - Parameters:
    ///   - store: The encrypted store's catalog.
    ///   - locations: Where the shared files are (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, `~/.aws`).
    package static func standard(store: EncryptedStoreCatalog, locations: SharedFileLocations) -> ProfileCatalogs {
        ProfileCatalogs(
            searchOrder: SearchOrder.catalogs(
                store: store,
                credentialsFile: SharedFileCatalog(path: locations.credentialsPath, kind: .credentials),
                configFile: SharedFileCatalog(path: locations.configPath, kind: .config)),
            openLocation: { path in
                SharedFileCatalog(path: path, kind: ProfileFileKind.guess(forPath: path), mustExist: true)
            }
        )
    }
}
