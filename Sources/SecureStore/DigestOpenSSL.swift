import COpenSSL

/// SHA-256 through libcrypto: the store's unkeyed integrity checksum, and the payload and canonical-request hashes of
/// AWS Signature Version 4 (AWSAPI).
package enum SHA256Digest {
    /// The SHA-256 of `bytes`.
    package static func hash(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil)
        }
        guard ok == 1, length == 32 else { throw OpenSSLErrorQueue.failure("compute SHA-256") }
        return digest
    }

    /// The SHA-256 of `bytes`.
    package static func hash(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try hash($0) }
    }

    /// The SHA-256 of a secret (a request body that may carry key material); the digest itself is not secret.
    package static func hash(_ bytes: SecretBytes) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try hash($0) }
    }
}

/// HMAC-SHA256 (RFC 2104) through libcrypto's one-shot `EVP_Q_mac`, for deriving and applying the AWS Signature
/// Version 4 signing key. Keys and results are `SecretBytes`: every step of the key derivation is as secret as the
/// secret access key it starts from.
package enum HMACSHA256 {
    /// HMAC-SHA256 of `message` under `key`; a 32-byte secret.
    package static func authenticationCode(key: SecretBytes, message: UnsafeRawBufferPointer) throws -> SecretBytes {
        var out = SecretBytes(zeroedCount: 32)
        var length = 0
        let result = key.withUnsafeBytes { keyBytes in
            out.withUnsafeMutableBytes { outBytes in
                EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil,
                          keyBytes.baseAddress, keyBytes.count,
                          message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count,
                          outBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), 32, &length)
            }
        }
        guard result != nil, length == 32 else { throw OpenSSLErrorQueue.failure("compute HMAC-SHA256") }
        return out
    }

    /// HMAC-SHA256 of `message` under `key`; a 32-byte secret.
    package static func authenticationCode(key: SecretBytes, message: [UInt8]) throws -> SecretBytes {
        try message.withUnsafeBytes { try authenticationCode(key: key, message: $0) }
    }
}
