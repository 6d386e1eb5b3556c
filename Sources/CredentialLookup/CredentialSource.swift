/// The answer of one source in the search order.
public enum SourceResult {
    /// Credentials were found here; the search stops.
    case found(Resolution)
    /// Nothing here; the search goes on. `searched` describes where this source looked, for the final error.
    case notHere(searched: [String])
    /// Something is here but broken (unreadable store, failing `credential_process`, expired credentials, …);
    /// the search stops with this error.
    case failed(Error)
}

/// One step of the search order: a place that may hold credentials.
public protocol CredentialSource {
    /// Looks for credentials.
    ///
    /// - Parameter request: What the command asked for.
    /// - Returns: `.found`, `.notHere` (continue) or `.failed` (stop).
    /// - Throws: Only for errors that should stop the search, like `.failed`; resolvers treat both the same.
    func resolve(_ request: LookupRequest) throws -> SourceResult
}
