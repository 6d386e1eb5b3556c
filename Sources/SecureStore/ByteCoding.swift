/// Big-endian writing of the store's fixed-width fields.
///
/// Integers are appended byte by byte, never through a temporary array: a store of 10,000 records writes tens of
/// thousands of them per save (record list, AADs).
struct ByteWriter {
    var bytes: [UInt8] = []

    init() {}

    /// A writer with room for `capacity` bytes, so building a whole file does not grow the buffer step by step.
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bigEndian(UInt64(value), count: 2) }
    mutating func u32(_ value: UInt32) { bigEndian(UInt64(value), count: 4) }
    mutating func u64(_ value: UInt64) { bigEndian(value, count: 8) }
    mutating func raw<Bytes: Sequence>(_ data: Bytes) where Bytes.Element == UInt8 { bytes += data }

    private mutating func bigEndian(_ value: UInt64, count: Int) {
        for index in stride(from: count - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(index) * 8)))
        }
    }
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

    mutating func u8() throws -> UInt8 { UInt8(try bigEndian(count: 1)) }
    mutating func u16() throws -> UInt16 { UInt16(try bigEndian(count: 2)) }
    mutating func u32() throws -> UInt32 { UInt32(try bigEndian(count: 4)) }
    mutating func u64() throws -> UInt64 { try bigEndian(count: 8) }

    /// Reads an integer in place (no intermediate array: parsing a 10,000-record store reads ~30,000 of them).
    private mutating func bigEndian(count: Int) throws -> UInt64 {
        guard count <= remaining else { throw Truncated() }
        var value: UInt64 = 0
        for index in offset..<(offset + count) { value = value << 8 | UInt64(bytes[index]) }
        offset += count
        return value
    }

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
