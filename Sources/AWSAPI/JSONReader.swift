import SecureStore

/// A strict reader for the flat JSON objects KMS replies with (`{"CiphertextBlob": "...", "KeyId": "..."}`) and its
/// error bodies (`{"__type": "...", "message": "..."}`).
///
/// String values are decoded straight into `SecretBytes` (a KMS `Decrypt` reply carries the plaintext key); nested
/// objects and arrays are validated and skipped; depth and size are bounded. Errors give byte offsets, never content.
struct FlatJSONObject {
    /// One member's value.
    enum Value {
        case string(SecretBytes)
        case other
    }

    private(set) var fields: [String: Value] = [:]

    /// The string member `key`, if present and a string.
    func secret(_ key: String) -> SecretBytes? {
        if case .string(let value)? = fields[key] { return value }
        return nil
    }

    /// The string member `key` as text (for members that are not secret).
    func string(_ key: String) -> String? {
        secret(key)?.unsafeUTF8String()
    }

    static let maximumDepth = 32

    /// Parses `bytes` as one JSON object.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> FlatJSONObject {
        var reader = JSONByteReader(bytes: bytes)
        reader.skipWhitespace()
        guard reader.peek() == UInt8(ascii: "{") else {
            throw ResponseSyntaxError(reason: reader.atEnd ? "the body is empty" : "the body is not a JSON object")
        }
        var object = FlatJSONObject()
        try reader.readObject(depth: 1) { key, value in
            guard object.fields.updateValue(value, forKey: key) == nil else {
                throw ResponseSyntaxError(reason: "a key that appears twice in the JSON body")
            }
        }
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.failure("data after the object") }
        return object
    }

    static func parse(_ body: SecretBytes) throws -> FlatJSONObject {
        try body.withUnsafeBytes { try parse($0) }
    }
}

private struct JSONByteReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index >= bytes.count }
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func failure(_ what: String) -> ResponseSyntaxError {
        ResponseSyntaxError(reason: "\(what) at byte \(index) of the JSON body")
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard peek() == byte else { throw failure(atEnd ? "a truncated body (expected \(what))" : "expected \(what)") }
        index += 1
    }

    mutating func readObject(depth: Int, member: (String, FlatJSONObject.Value) throws -> Void) throws {
        guard depth <= FlatJSONObject.maximumDepth else { throw failure("nesting deeper than 32") }
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try readString()
            try expect(UInt8(ascii: ":"), "':'")
            let value = try readValue(depth: depth)
            try member(key.unsafeUTF8String() ?? "", value)
            skipWhitespace()
            guard let byte = peek() else { throw failure("a truncated body") }
            index += 1
            if byte == UInt8(ascii: "}") { return }
            guard byte == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
        }
    }

    mutating func readArray(depth: Int) throws {
        guard depth <= FlatJSONObject.maximumDepth else { throw failure("nesting deeper than 32") }
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            _ = try readValue(depth: depth)
            skipWhitespace()
            guard let byte = peek() else { throw failure("a truncated body") }
            index += 1
            if byte == UInt8(ascii: "]") { return }
            guard byte == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
        }
    }

    mutating func readValue(depth: Int) throws -> FlatJSONObject.Value {
        skipWhitespace()
        guard let byte = peek() else { throw failure("a truncated body (expected a value)") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "{"): try readObject(depth: depth + 1) { _, _ in }; return .other
        case UInt8(ascii: "["): try readArray(depth: depth + 1); return .other
        case UInt8(ascii: "t"): try literal("true"); return .other
        case UInt8(ascii: "f"): try literal("false"); return .other
        case UInt8(ascii: "n"): try literal("null"); return .other
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            while let next = peek(), next == UInt8(ascii: "-") || next == UInt8(ascii: "+") || next == UInt8(ascii: ".")
                    || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") || (next >= 0x30 && next <= 0x39) {
                index += 1
            }
            guard index - start <= 64 else { throw failure("a number longer than 64 bytes") }
            return .other
        default:
            throw failure("an unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("a truncated literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("a malformed literal")
        }
        index += count
    }

    /// A string with escapes resolved, into a secret; control characters and bad escapes refused.
    mutating func readString() throws -> SecretBytes {
        index += 1
        // A decoded string is never longer than the rest of the body (every escape shrinks), so with this capacity
        // the buffer never grows: growing would free an unwiped copy of what may be a KMS plaintext.
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count - index)
        defer { output.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        while true {
            guard let byte = peek() else { throw failure("an unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return SecretBytes(output)
            case UInt8(ascii: "\\"):
                guard let escaped = peek() else { throw failure("an unterminated string") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var value = try hex4()
                    if (0xD800...0xDBFF).contains(value) {
                        guard peek() == UInt8(ascii: "\\") else { throw failure("a lone surrogate") }
                        index += 1
                        guard peek() == UInt8(ascii: "u") else { throw failure("a lone surrogate") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate") }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { throw failure("a lone surrogate") }
                    UTF8.encode(scalar) { output.append($0) }
                default:
                    throw failure("a malformed escape")
                }
            case 0x00..<0x20:
                throw failure("a control character in a string")
            default:
                output.append(byte)
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("a truncated escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw failure("a malformed escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
