extension SearchStep {
    /// The default profile chain: `default` in the store, `default` in the shared credentials file, `[default]` in
    /// the shared config file, `AWS PS Default` in the store.
    package static let defaultProfile = SearchStep(rawValue: "defaultProfile")
}

/// The default profile chain (by default `default` in the encrypted store, `default` in the shared credentials
/// file, `[default]` in the shared config file, `AWS PS Default` in the encrypted store; `DefaultProfileLink`). A link
/// whose store type has no catalog is skipped.
package struct DefaultProfileChainSource: CredentialSource {
    /// `.defaultProfile`.
    package static let step = SearchStep.defaultProfile

    private let catalogs: ProfileCatalogs
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs and the chain to follow.
    ///   - environment: The environment a `credential_process` program runs in.
    ///   - options: Timeouts.
    ///   - temporary: What role and session profiles need (STS, the session cache, MFA); `nil`: such profiles fail
    ///     as not supported.
    package init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions(),
                 temporary: TemporaryCredentialsContext? = nil) {
        self.catalogs = catalogs
        self.profiles = ProfileCredentials(environment: environment, options: options, temporary: temporary)
    }

    /// The source over the lookup's catalogs and default chain; always part of the search.
    package static func make(for context: SourceContext) -> DefaultProfileChainSource? {
        DefaultProfileChainSource(catalogs: context.catalogs, environment: context.environment,
                                  options: context.options, temporary: context.temporary)
    }

    /// Follows the chain; the first link with credentials wins.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        let reader = CatalogReader(catalogs.searchOrder)
        let search = ProfileSearch(credentials: profiles)
        var searched: [String] = []
        for link in catalogs.defaultChain {
            guard let index = reader.catalogs.firstIndex(where: { $0.storeType == link.storeType }) else { continue }
            switch search.find(link.profileName, in: reader, indices: [index], step: Self.step) {
            case .notFound(let places), .settingsOnly(let places, _):
                // A `default` that holds only settings (say, a region) has no credentials to offer: keep going.
                searched += places
            case .result(.found(var resolution)):
                resolution.searched = searched + resolution.searched
                return .found(resolution)
            case .result(let other):
                return other
            }
        }
        return .notHere(searched: searched)
    }
}
