/// The answer of one source in the search order.
package enum SourceResult {
    /// Credentials were found here; the search stops.
    case found(Resolution)
    /// Nothing here; the search goes on. `searched` describes where this source looked, for the final error.
    case notHere(searched: [String])
    /// Something is here but broken (unreadable store, failing `credential_process`, expired credentials, …);
    /// the search stops with this error.
    case failed(Error)
}

/// Everything a source may need to be set up for one lookup.
package struct SourceContext {
    /// What the command asked for.
    package var request: LookupRequest
    /// The process environment (`AWS_*`, `PATH` for `credential_process`).
    package var environment: [String: String]
    /// The profile catalogs in search order, the default chain and the opener for a profile location.
    package var catalogs: ProfileCatalogs
    /// Timeouts.
    package var options: LookupOptions
    /// What role and session profiles need (STS, the session cache, MFA codes); `nil`: they fail as not supported.
    package var temporary: TemporaryCredentialsContext?

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - request: What the command asked for.
    ///   - environment: The process environment.
    ///   - catalogs: The profile catalogs.
    ///   - options: Timeouts.
    ///   - temporary: What role and session profiles need.
    package init(request: LookupRequest, environment: [String: String], catalogs: ProfileCatalogs,
                options: LookupOptions = LookupOptions(), temporary: TemporaryCredentialsContext? = nil) {
        self.request = request
        self.environment = environment
        self.catalogs = catalogs
        self.options = options
        self.temporary = temporary
    }
}

/// One step of the search order: a place that may hold credentials.
///
/// Each source lives in a file of its own under `Sources/CredentialLookup/Sources/`, and `SearchOrder.sources` lists
/// them in the documented order. The lookup asks every source in that list to `make` itself for the request, then
/// asks the sources it got, in order, until one finds credentials or fails.
///
/// ## Adding a credential source (worked example)
///
/// A source of credentials from a (hypothetical) local credential server is one new file,
/// `Sources/CredentialLookup/Sources/CredentialServerSource.swift`:
///
/// ```swift
/// extension SearchStep {
///     /// Credentials from the local credential server named by `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
///     public static let credentialServer = SearchStep(rawValue: "credentialServer")
/// }
///
/// extension StoreType {
///     /// A local credential server (a new kind of place; a source that reads an existing one reuses its type).
///     public static let credentialServer = StoreType(rawValue: "CredentialServer",
///                                                    displayName: "local credential server")
/// }
///
/// /// Credentials from the local credential server.
/// public struct CredentialServerSource: CredentialSource {
///     /// `.credentialServer`.
///     public static let step = SearchStep.credentialServer
///     private let url: String
///
///     /// The source when the variable is set; left out of the search otherwise.
///     public static func make(for context: SourceContext) -> CredentialServerSource? {
///         context.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"].map { CredentialServerSource(url: $0) }
///     }
///
///     /// Asks the server; "not here" when it does not answer, `.failed` when it answers with broken credentials.
///     public func resolve(_ request: LookupRequest) throws -> SourceResult {
///         …
///         return .found(Resolution(credentials: credentials,
///                                  origin: CredentialOrigin(step: Self.step, storeType: .credentialServer,
///                                                           location: url)))
///     }
/// }
/// ```
///
/// plus one line in `SearchOrder.sources`, at its place in the order:
///
/// ```swift
///         InstanceMetadataSource.self,     // 7. IMDSv2
///         CredentialServerSource.self,     // 8. the local credential server
/// ```
///
/// Nothing else changes: the step's name (`credentialServer`) is its stable `Step` value in `credstore get --json`
/// and the store type's name its `StoreTypeName`, so no other step's value moves; the step's number in messages
/// ("step 8 (credentialServer)") is its position in the list. Document the new step in the README's search order (a
/// test checks that the README lists every step, in order) and add a scenario to `SearchOrderTests` (which runs the
/// list the program runs). `AddingASourceTests` builds this example against the public API.
package protocol CredentialSource {
    /// The step of the search order this source is; its name is the stable `Step` of `credstore get --json`.
    static var step: SearchStep { get }

    /// The source set up for one lookup, or `nil` when the request leaves this step out (e.g. no literal
    /// credentials were given, so there is nothing for the literal step to return).
    ///
    /// - Parameter context: The request, the environment, the catalogs and the options of the lookup.
    static func make(for context: SourceContext) -> Self?

    /// Looks for credentials.
    ///
    /// - Parameter request: What the command asked for.
    /// - Returns: `.found`, `.notHere` (continue) or `.failed` (stop).
    /// - Throws: Only for errors that should stop the search, like `.failed`; resolvers treat both the same.
    func resolve(_ request: LookupRequest) throws -> SourceResult
}
