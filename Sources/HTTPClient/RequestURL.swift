/// The parts of a request URL the transport decides on before libcurl sees it: the scheme (only `http` and `https`),
/// the host (for `NO_PROXY` and messages) and the port. A URL with user information, spaces or control characters is
/// refused: credentials in a URL would be sent as Basic authentication and end up in messages.
struct RequestURL {
    /// `http` or `https`, lower case.
    var scheme: String
    /// The host, without brackets for an IPv6 literal.
    var host: String
    /// The port given, else 80 or 443.
    var port: Int
    /// The URL without its query, for messages.
    var display: String

    init(parsing url: String) throws {
        let display = Self.withoutSecrets(url)
        self.display = display
        func invalid(_ reason: String) -> HTTPClientError {
            HTTPClientError(.invalidURL, url: display, "the URL \(Self.shown(display)) is not usable: \(reason)")
        }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid("it contains spaces, control or non-ASCII characters")
        }
        guard let schemeEnd = url.firstRange(of: "://") else { throw invalid("it is not an absolute http(s) URL") }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw invalid("only http:// and https:// are supported")
        }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw invalid("it has user information before the host") }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ']'") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw invalid("it has no host") }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("the port is not a number 1-65535")
            }
            port = value
        } else {
            port = scheme == "https" ? 443 : 80
        }
    }

    /// `url` without its query (a presigned URL's signature) and without user information (a password), for
    /// messages.
    static func withoutSecrets(_ url: String) -> String {
        var text = Substring(url.prefix { $0 != "?" && $0 != "#" })
        var prefix: Substring = ""
        if let range = text.firstRange(of: "://") {
            prefix = text[..<range.upperBound]
            text = text[range.upperBound...]
        }
        let authorityEnd = text.firstIndex(of: "/") ?? text.endIndex
        if let at = text[..<authorityEnd].lastIndex(of: "@") {
            text = text[text.index(after: at)...]
        }
        return String(prefix + text)
    }

    /// A URL as shown in a message: quoted, and cut short if long.
    static func shown(_ url: String) -> String {
        "'" + (url.count > 200 ? url.prefix(200) + "…" : url) + "'"
    }
}
