extension HTTPSettings {
    /// Settings from the environment variables the AWS CLI and SDKs read: `AWS_CA_BUNDLE` (a PEM file trusted
    /// instead of the system store), `https_proxy`/`HTTPS_PROXY`, `http_proxy`/`HTTP_PROXY` and `no_proxy`/`NO_PROXY`;
    /// the other settings keep their defaults.
    ///
    /// As Python's `urllib` (which botocore uses) and libcurl do, the lower-case name wins when both are set; a value
    /// that is empty or only white space counts as unset. The proxy is never read from the environment in any other
    /// way: `CurlTransport` gives libcurl these values explicitly.
    package static func fromEnvironment(_ environment: [String: String]) -> HTTPSettings {
        func value(_ names: String...) -> String? {
            for name in names {
                if let text = environment[name]?.trimmingWhitespace(), !text.isEmpty { return text }
            }
            return nil
        }
        var settings = HTTPSettings()
        settings.caBundle = value("AWS_CA_BUNDLE")
        settings.httpsProxy = value("https_proxy", "HTTPS_PROXY")
        settings.httpProxy = value("http_proxy", "HTTP_PROXY")
        settings.noProxy = value("no_proxy", "NO_PROXY")
        return settings
    }

    /// The proxy to use for `url`, or nil to connect directly: `httpsProxy` for `https://`, `httpProxy` for
    /// `http://`, unless `noProxy` names the host.
    func proxy(for url: RequestURL) -> String? {
        let proxy = url.scheme == "https" ? httpsProxy : httpProxy
        guard let proxy, !proxy.isEmpty else { return nil }
        if let noProxy, NoProxyList(noProxy).bypasses(host: url.host, port: url.port) { return nil }
        return proxy
    }
}

/// A `NO_PROXY` value, matched as Python's `urllib.request.proxy_bypass_environment` (botocore) does: `*` alone
/// bypasses every host; otherwise comma-separated entries, each a host name, a domain (a leading `.` is optional:
/// `example.com` matches `example.com` and `api.example.com`, never `badexample.com`) or an IP address, optionally
/// with `:port`. Names compare case-insensitively.
struct NoProxyList {
    private let entries: [String]
    private let everything: Bool

    init(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        everything = trimmed == "*"
        entries = trimmed.split(separator: ",").map { entry in
            var name = String(entry).trimmingWhitespace().lowercased()
            while name.hasPrefix(".") { name.removeFirst() }
            return name
        }.filter { !$0.isEmpty }
    }

    /// Whether a request to `host` (no brackets) on `port` goes directly.
    func bypasses(host: String, port: Int) -> Bool {
        if everything { return true }
        let host = host.lowercased()
        let hostForPort = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        for entry in entries {
            var name = entry
            if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            for candidate in [host, hostForPort] where candidate == name || candidate.hasSuffix("." + name) {
                return true
            }
        }
        return false
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
