import CCurl

/// The system libcurl, loaded on first use (`CCurl`'s `dlopen`), so a process that never sends a request never maps
/// it or the libraries it pulls in.
enum CurlLibrary {
    /// Loads libcurl once per process (later calls return at once), or throws `library-unavailable` naming the
    /// library and its Debian package.
    static func load(for url: String) throws {
        if let failure = ccurl_load() {
            throw HTTPClientError(.libraryUnavailable, url: url, String(cString: failure))
        }
    }

    /// The loaded libcurl's version and TLS library, e.g. `libcurl 7.88.1 (OpenSSL/3.0.17)`; nil before loading.
    static var versionDescription: String? {
        guard let version = ccurl_version() else { return nil }
        let tls = ccurl_ssl_version().map { String(cString: $0) } ?? "no TLS"
        return "libcurl \(String(cString: version)) (\(tls))"
    }
}
