import SecureStore

extension SearchStep {
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    package static let environment = SearchStep(rawValue: "environment")
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional `AWS_SESSION_TOKEN` (or, when that is unset or empty,
/// the legacy `AWS_SECURITY_TOKEN`). Empty or whitespace-only values count as unset; only one of the pair set is an
/// error.
package struct EnvironmentCredentialSource: CredentialSource {
    /// `.environment`.
    package static let step = SearchStep.environment

    private let environment: [String: String]

    /// Creates the source.
    ///
    /// - Parameter environment: The environment to read, normally the process's.
    package init(environment: [String: String]) {
        self.environment = environment
    }

    /// The source over the lookup's environment; always part of the search.
    package static func make(for context: SourceContext) -> EnvironmentCredentialSource? {
        EnvironmentCredentialSource(environment: context.environment)
    }

    /// Reads the key pair from the environment.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        // Blank (whitespace-only) counts as unset, as in the SDKs (their `environment_variables_blank` case): a
        // variable exported empty-ish by a script must not become an access key id of " ".
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.trimmingWhitespace().isEmpty else { return nil }
            return value
        }
        let keyID = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY")
        switch (keyID, secret) {
        case (nil, nil):
            return .notHere(searched: ["environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"])
        case (nil, _):
            return .failed(CredentialLookupError(.incompleteEnvironmentCredentials(missing: "AWS_ACCESS_KEY_ID")))
        case (_, nil):
            return .failed(CredentialLookupError(.incompleteEnvironmentCredentials(missing: "AWS_SECRET_ACCESS_KEY")))
        case (let keyID?, let secret?):
            let token = (value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN")).map { SecretBytes(utf8: $0) }
            let credentials = Credentials(accessKeyID: keyID.trimmingWhitespace(),
                                          secretAccessKey: SecretBytes(utf8: secret), sessionToken: token)
            return .found(Resolution(credentials: credentials,
                                     origin: CredentialOrigin(step: Self.step, storeType: .environment,
                                                              location: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")))
        }
    }
}
