extension SearchStep {
    /// Credentials given literally to the command.
    package static let literal = SearchStep(rawValue: "literal")
}

/// Credentials given literally to the command (discouraged). Found whenever the request carries them.
package struct LiteralCredentialSource: CredentialSource {
    /// `.literal`.
    package static let step = SearchStep.literal

    /// Creates the source.
    package init() {}

    /// The source when the request carries literal credentials; left out otherwise.
    package static func make(for context: SourceContext) -> LiteralCredentialSource? {
        context.request.literalCredentials == nil ? nil : LiteralCredentialSource()
    }

    /// Returns the request's literal credentials, with a note that the command line is visible to other processes.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let credentials = request.literalCredentials else { return .notHere(searched: []) }
        return .found(Resolution(
            credentials: credentials, origin: CredentialOrigin(step: Self.step, storeType: .literal),
            notes: ["credentials given on a command line can be seen by other users in the process list; "
                + "store them in a profile and name the profile instead"]))
    }
}
