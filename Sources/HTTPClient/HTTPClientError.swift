/// The one error type of HTTPClient: why an HTTP exchange failed before a whole response arrived, naming the URL
/// (without its query, which may hold a presigned signature) and never a header or body.
///
/// Messages give no advice about a particular program's options: a caller maps `code` to its own advice.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of an `HTTPClientError`; the raw value is the stable name (e.g. `timed-out`).
    public enum Code: String, Sendable, CaseIterable {
        /// The system HTTP library (libcurl) could not be loaded or lacks a symbol; the message says which.
        case libraryUnavailable = "library-unavailable"
        /// The URL is not an absolute `http://` or `https://` URL.
        case invalidURL = "invalid-url"
        /// The host name could not be resolved.
        case hostNotFound = "host-not-found"
        /// The TCP connection could not be made (refused, unreachable).
        case connectionFailed = "connection-failed"
        /// No whole response arrived within the time limit.
        case timedOut = "timed-out"
        /// The server's certificate is not signed by a trusted CA (the system store or the CA bundle given).
        case certificateUntrusted = "certificate-untrusted"
        /// The server's certificate does not name the host that was asked for.
        case hostNameMismatch = "host-name-mismatch"
        /// The TLS handshake failed for another reason (protocol, cipher, a closed connection).
        case tlsFailed = "tls-failed"
        /// The CA bundle file could not be read or holds no certificate.
        case caBundleUnusable = "ca-bundle-unusable"
        /// The proxy could not be reached or refused to connect to the host.
        case proxyFailed = "proxy-failed"
        /// The response body is longer than the bound; nothing of it is returned.
        case responseTooLarge = "response-too-large"
        /// The connection broke or the response is not valid HTTP (or over the header bounds); also a request that
        /// cannot be sent as valid HTTP (a method or header that would split it), which is then not sent at all.
        case protocolError = "protocol-error"
    }

    /// The classification of this error.
    public let code: Code
    /// The URL asked for, without its query string.
    public let url: String
    /// What happened, naming the URL. Never contains a secret.
    public let message: String

    /// Creates an error; `url` loses its query string here, once.
    package init(_ code: Code, url: String, _ message: String) {
        self.code = code
        self.url = String(url.prefix { $0 != "?" })
        self.message = message
    }

    /// The message. Never contains a secret.
    public var description: String { message }
}
