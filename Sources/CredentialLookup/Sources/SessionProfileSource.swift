extension SearchStep {
    /// The session profile, `AWS_PROFILE`.
    package static let sessionProfile = SearchStep(rawValue: "sessionProfile")
}

/// The session profile named by `AWS_PROFILE`, searched like a `--profile` name. A session profile that does
/// not exist is an error, as in the AWS CLI.
package struct SessionProfileSource: CredentialSource {
    /// `.sessionProfile`.
    package static let step = SearchStep.sessionProfile

    /// The variable that names the session profile.
    package static let variable = "AWS_PROFILE"

    private let catalogs: ProfileCatalogs
    private let environment: [String: String]
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs to search.
    ///   - environment: The environment to read `AWS_PROFILE` from, and to run `credential_process` in.
    ///   - options: Timeouts.
    ///   - temporary: What role and session profiles need (STS, the session cache, MFA); `nil`: such profiles fail
    ///     as not supported.
    package init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions(),
                 temporary: TemporaryCredentialsContext? = nil) {
        self.catalogs = catalogs
        self.environment = environment
        self.profiles = ProfileCredentials(environment: environment, options: options, temporary: temporary)
    }

    /// The source over the lookup's environment and catalogs; always part of the search.
    package static func make(for context: SourceContext) -> SessionProfileSource? {
        SessionProfileSource(catalogs: context.catalogs, environment: context.environment, options: context.options,
                             temporary: context.temporary)
    }

    /// Looks up the `AWS_PROFILE` profile; not here when the variable is unset or empty.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let name = environment[Self.variable]?.trimmingWhitespace(), !name.isEmpty else {
            return .notHere(searched: [])
        }
        let reader = CatalogReader(catalogs.searchOrder)
        return ProfileSearch(credentials: profiles)
            .find(name, in: reader, indices: Array(reader.catalogs.indices), step: Self.step)
            .requireFound(selectedBy: .sessionProfile, profile: name)
    }
}
