import COpenSSL

/// SHA-256 through libcrypto, for the store's unkeyed integrity checksum.
enum SHA256Digest {
    /// The SHA-256 of `bytes`.
    static func hash(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil)
        }
        guard ok == 1, length == 32 else { throw OpenSSLErrorQueue.failure("compute SHA-256") }
        return digest
    }

    /// The SHA-256 of `bytes`.
    static func hash(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try hash($0) }
    }
}
