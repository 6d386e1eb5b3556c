import CMicroHTTPD

/// Loading libmicrohttpd, once per process.
enum MicroHTTPD {
    /// Maps the library on first use.
    ///
    /// - Throws: `CredentialServerError` (`library-unavailable`) naming what is missing.
    static func load() throws {
        var message = [CChar](repeating: 0, count: 256)
        guard cmhd_load(&message, message.count) == 0 else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CredentialServerError(.libraryUnavailable,
                                        "the HTTP server library \(String(cString: cmhd_library_name)) cannot be "
                                            + "loaded: \(reason)")
        }
    }
}
