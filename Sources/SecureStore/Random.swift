/// Random bytes from OpenSSL's private generator.
enum Random {
    static func bytes(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        guard buffer.withUnsafeMutableBytes({ SecureMemory.fillPrivateRandom($0) }) else {
            throw OpenSSLErrorQueue.failure("generate random bytes")
        }
        return buffer
    }

    static func secret(_ count: Int) throws -> SecretBytes {
        var secret = SecretBytes(zeroedCount: count)
        guard secret.withUnsafeMutableBytes({ SecureMemory.fillPrivateRandom($0) }) else {
            throw OpenSSLErrorQueue.failure("generate random bytes")
        }
        return secret
    }
}
