/// Big-endian writing of the store's fixed-width fields.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
    mutating func u32(_ value: UInt32) { bytes += (0..<4).reversed().map { UInt8((value >> ($0 * 8)) & 0xff) } }
    mutating func u64(_ value: UInt64) { bytes += (0..<8).reversed().map { UInt8((value >> ($0 * 8)) & 0xff) } }
    mutating func raw<Bytes: Sequence>(_ data: Bytes) where Bytes.Element == UInt8 { bytes += data }
}

/// Bounds-checked big-endian reading; every read past the end throws `Truncated`.
struct ByteReader {
    struct Truncated: Error {}

    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws -> UInt8 { try take(1)[0] }
    mutating func u16() throws -> UInt16 { try take(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }

    mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw Truncated() }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Like `take`, but straight into a wipeable buffer (for decrypted plaintext).
    mutating func takeSecret(_ count: Int) throws -> SecretBytes {
        guard count >= 0, count <= remaining else { throw Truncated() }
        defer { offset += count }
        return SecretBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}

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
