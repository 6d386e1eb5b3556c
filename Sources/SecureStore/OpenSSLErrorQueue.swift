import COpenSSL

/// Drains libcrypto's per-thread error queue, so one failure's reasons are reported with it and never leak into the
/// next call's diagnosis.
enum OpenSSLErrorQueue {
    /// Removes every queued error and returns their texts, oldest first.
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons
    }

    /// A `cryptoFailure` error for `operation`, carrying whatever libcrypto queued.
    static func failure(_ operation: String) -> SecureStoreError {
        let reasons = drain()
        let detail = reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
        return SecureStoreError(.cryptoFailure, "libcrypto failed to \(operation): \(detail)",
                                hint: "check that the system OpenSSL 3 library is installed and working")
    }
}
