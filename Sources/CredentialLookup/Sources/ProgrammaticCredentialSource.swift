extension SearchStep {
    /// Credentials passed in through the library API.
    package static let programmatic = SearchStep(rawValue: "programmatic")
}

/// Credentials passed in through the library API (`LookupRequest.programmaticCredentials`).
package struct ProgrammaticCredentialSource: CredentialSource {
    /// `.programmatic`.
    package static let step = SearchStep.programmatic

    /// Creates the source.
    package init() {}

    /// The source when the request carries programmatic credentials; left out otherwise.
    package static func make(for context: SourceContext) -> ProgrammaticCredentialSource? {
        context.request.programmaticCredentials == nil ? nil : ProgrammaticCredentialSource()
    }

    /// Returns the request's programmatic credentials when it has them.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let credentials = request.programmaticCredentials else { return .notHere(searched: []) }
        return .found(Resolution(credentials: credentials,
                                 origin: CredentialOrigin(step: Self.step, storeType: .programmatic)))
    }
}
