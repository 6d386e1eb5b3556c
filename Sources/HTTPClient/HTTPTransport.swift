import SecureStore

/// One header of an HTTP request or response, as sent or received (names compare case-insensitively).
package struct HTTPHeader: Sendable, Equatable {
    /// The header name, e.g. `Content-Type`.
    package var name: String
    /// The header value, trimmed of surrounding white space.
    package var value: String

    /// Creates a header.
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request. The body is a `SecretBytes` because it may carry a secret (a KMS `Encrypt` request carries the key
/// it wraps), so it is wiped when the request goes away.
package struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `PUT`, …
    package var method: String
    /// The absolute URL, `http://` or `https://`.
    package var url: String
    /// The headers to send, in order. The transport adds none that change meaning (no `Expect: 100-continue`, no
    /// `Accept-Encoding`), so a signature computed over these headers stays valid.
    package var headers: [HTTPHeader]
    /// The body; empty for none.
    package var body: SecretBytes

    /// Creates a request.
    package init(method: String, url: String, headers: [HTTPHeader] = [], body: SecretBytes = SecretBytes([])) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An HTTP response, read whole (up to `HTTPSettings.maxResponseBytes`). The body may hold credentials, so it is a
/// `SecretBytes`.
package struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    package var status: Int
    /// The headers of the final response, in order.
    package var headers: [HTTPHeader]
    /// The body.
    package var body: SecretBytes

    /// Creates a response.
    package init(status: Int, headers: [HTTPHeader], body: SecretBytes) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name` (compared case-insensitively), if any.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// How a request is sent: time limits, the response bound, trust and proxy. Redirects are never followed (a signed
/// request must not be replayed elsewhere): a 3xx comes back as a response.
package struct HTTPSettings: Sendable, Equatable {
    /// The whole exchange, connection included, must finish within this many seconds.
    package var totalTimeout: Double
    /// The connection (TCP and TLS handshake) must be made within this many seconds.
    package var connectTimeout: Double
    /// A response body longer than this fails with `response-too-large` and is not returned in part.
    package var maxResponseBytes: Int
    /// A PEM file of trusted CA certificates (`AWS_CA_BUNDLE`, a profile's `ca_bundle`) used instead of the system
    /// trust store; nil for the system's.
    package var caBundle: String?
    /// The proxy for `https://` URLs (`HTTPS_PROXY`), nil for none.
    package var httpsProxy: String?
    /// The proxy for `http://` URLs (`HTTP_PROXY`), nil for none.
    package var httpProxy: String?
    /// Hosts reached directly (`NO_PROXY`: comma-separated names, domain suffixes, IP addresses, or `*`).
    package var noProxy: String?

    /// Creates settings; the defaults suit an AWS API call.
    package init(
        totalTimeout: Double = 30,
        connectTimeout: Double = 5,
        maxResponseBytes: Int = 1 << 20,
        caBundle: String? = nil,
        httpsProxy: String? = nil,
        httpProxy: String? = nil,
        noProxy: String? = nil
    ) {
        self.totalTimeout = totalTimeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.caBundle = caBundle
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }
}

/// Sends one HTTP request and returns the whole response, or throws `HTTPClientError`. Synchronous: credstore's
/// commands do one thing at a time, and a server answering several clients calls it from several threads.
///
/// The one implementation that talks to the network is `CurlTransport` (the system libcurl, loaded at first use with
/// `dlopen`, so a command that never sends a request never maps it). Code that sends requests takes an
/// `any HTTPTransport`, so a test can hand it the real transport pointed at a local server.
package protocol HTTPTransport: Sendable {
    /// Sends `request` under `settings` and returns the response, whatever its status.
    func send(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse
}
