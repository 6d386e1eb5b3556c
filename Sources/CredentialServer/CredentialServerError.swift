/// The one error type of CredentialServer: why a credential endpoint could not start. Messages carry no secret and no
/// advice about a particular program's options; a caller maps `code` to its own advice.
public struct CredentialServerError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of a `CredentialServerError`; the raw value is the stable name.
    public enum Code: String, Sendable, CaseIterable {
        /// The system HTTP server library (libmicrohttpd) could not be loaded or lacks a symbol; the message says
        /// which.
        case libraryUnavailable = "library-unavailable"
        /// The endpoint could not listen on the loopback address (no port free, out of memory or threads).
        case startFailed = "start-failed"
    }

    /// The classification of this error.
    public let code: Code
    /// What happened. Never contains a secret.
    public let message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message. Never contains a secret.
    public var description: String { message }
}
