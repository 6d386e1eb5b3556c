import SecureStore

/// Standard base64 (RFC 4648, padded) for KMS blobs, written by hand over bytes so a plaintext key is encoded and
/// decoded into `SecretBytes` without passing through a `String` or `Data` that cannot be wiped.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The encoding of `input`, written into a new secret.
    static func encode(_ input: UnsafeRawBufferPointer) -> SecretBytes {
        let count = (input.count + 2) / 3 * 4
        var out = SecretBytes(zeroedCount: count)
        out.withUnsafeMutableBytes { out in
            var o = 0
            var i = 0
            while i < input.count {
                let b0 = UInt32(input[i])
                let b1 = i + 1 < input.count ? UInt32(input[i + 1]) : 0
                let b2 = i + 2 < input.count ? UInt32(input[i + 2]) : 0
                let triple = b0 << 16 | b1 << 8 | b2
                out[o] = alphabet[Int(triple >> 18 & 63)]
                out[o + 1] = alphabet[Int(triple >> 12 & 63)]
                out[o + 2] = i + 1 < input.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "=")
                out[o + 3] = i + 2 < input.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "=")
                i += 3
                o += 4
            }
        }
        return out
    }

    /// The encoding of `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        let secret = bytes.withUnsafeBytes { encode($0) }
        return secret.unsafeUTF8String() ?? ""
    }

    private static func value(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Decodes padded base64 into a new secret; nil when `input` is not exactly that.
    static func decode(_ input: UnsafeRawBufferPointer) -> SecretBytes? {
        guard input.count % 4 == 0 else { return nil }
        var padding = 0
        if input.count >= 1, input[input.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if input.count >= 2, input[input.count - 2] == UInt8(ascii: "=") { padding += 1 }
        let length = input.count / 4 * 3 - padding
        var out = SecretBytes(zeroedCount: max(0, length))
        let ok = out.withUnsafeMutableBytes { out -> Bool in
            var o = 0
            var i = 0
            while i < input.count {
                var quad: UInt32 = 0
                for k in 0..<4 {
                    let byte = input[i + k]
                    if byte == UInt8(ascii: "=") {
                        guard i + 4 == input.count, k >= 4 - padding else { return false }
                        quad <<= 6
                    } else {
                        guard let v = value(byte) else { return false }
                        quad = quad << 6 | v
                    }
                }
                for k in 0..<3 where o < length {
                    out[o] = UInt8(truncatingIfNeeded: quad >> (16 - 8 * k))
                    if k < 3 { o += 1 }
                }
                i += 4
            }
            return o == length
        }
        return ok ? out : nil
    }

    /// Decodes a secret holding base64.
    static func decode(_ input: SecretBytes) -> SecretBytes? {
        input.withUnsafeBytes { decode($0) }
    }
}
