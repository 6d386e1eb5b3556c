// The endpoint rules of the instance metadata service (IMDSv2); its requests go through HTTPClient's transport.

/// An `http://host[:port]` endpoint of the instance metadata service.
struct MetadataEndpoint: Equatable {
    /// The host without brackets (`169.254.169.254`, `fd00:ec2::254`, `localhost`).
    var host: String
    var port: UInt16
    /// The URL as configured, for messages.
    var url: String

    /// The value of the `Host` header: IPv6 literals go back in brackets.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// The URL requests are made under: `http://host[:port]`, without a trailing slash.
    var baseURL: String { "http://\(hostHeader)" }

    /// Parses `http://host[:port][/]`; anything else (https, a path, credentials in the URL) is refused with a reason.
    init(parsing url: String) throws {
        self.url = url
        func invalid(_ reason: String) -> CredentialLookupError {
            CredentialLookupError(.invalidInstanceMetadataEndpoint(value: url, reason: reason))
        }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") else {
            throw invalid(lowered.hasPrefix("https://") ? "only http:// is supported, as on EC2"
                                                        : "it must start with http://")
        }
        var rest = Substring(url.dropFirst("http://".count))
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else { throw invalid("it has no host") }
        guard !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains("#") else {
            throw invalid("it must be only http://host[:port], without a path, query or user")
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ']'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid("the host is empty or has spaces or non-ASCII characters")
        }
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw invalid("the port is not a number 1-65535") }
            port = value
        } else {
            port = 80
        }
    }
}
