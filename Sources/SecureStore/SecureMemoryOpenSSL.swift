import COpenSSL

/// The memory primitives secrets need, from libcrypto: wiping that the optimiser cannot remove, constant-time
/// comparison, and the private random generator.
enum SecureMemory {
    /// Overwrites `buffer` with zeros in a way the compiler may not elide.
    static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }

    /// Compares two equally long buffers without an early exit.
    static func constantTimeEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        precondition(lhs.count == rhs.count, "constant-time comparison needs equal lengths")
        guard lhs.count > 0 else { return true }
        return CRYPTO_memcmp(lhs.baseAddress!, rhs.baseAddress!, lhs.count) == 0
    }

    /// Fills `buffer` from OpenSSL's private DRBG (the one meant for long-term secrets); `false` if it failed.
    static func fillPrivateRandom(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
        return RAND_priv_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1
    }
}
