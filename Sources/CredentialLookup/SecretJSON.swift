import SecureStore
import SharedFileStore

/// A strict JSON reader for the small flat objects credential programs and the metadata service reply with.
///
/// Every string value is decoded straight into `SecretBytes`, so a secret access key or token never becomes a
/// `String` (which could not be wiped); only keys, numbers and the fields a caller chooses to convert become text.
/// Nested objects and arrays are validated and skipped. Error messages give byte offsets, never content.
struct SecretJSONObject {
    enum Value {
        case string(SecretBytes)
        case number(String)
        case bool(Bool)
        case null
        case nested
    }

    private(set) var fields: [String: Value] = [:]

    subscript(key: String) -> Value? { fields[key] }

    /// The maximum nesting depth accepted, so hostile input cannot exhaust the stack.
    static let maximumDepth = 32

    /// Parses `bytes` as one JSON object (an optional UTF-8 byte order mark and surrounding whitespace allowed).
    ///
    /// - Throws: `JSONSyntaxError` with a reason that holds no input content.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> SecretJSONObject {
        var reader = Reader(bytes: bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { reader.index = 3 }
        reader.skipWhitespace()
        guard reader.peek() == UInt8(ascii: "{") else {
            throw JSONSyntaxError(reason: reader.atEnd ? "the output is empty" : "the output is not a JSON object")
        }
        var object = SecretJSONObject()
        try reader.readObject(depth: 1) { key, value, keyOffset in
            // The key is program output like any value, so it is not quoted: a program may print a secret as a key.
            guard object.fields.updateValue(value, forKey: key) == nil else {
                throw JSONSyntaxError(reason: "a key appears more than once (at byte \(keyOffset))")
            }
        }
        reader.skipWhitespace()
        guard reader.atEnd else {
            throw JSONSyntaxError(reason: "unexpected data after the object at byte \(reader.index)")
        }
        return object
    }
}

/// Why a JSON text was rejected; the reason never quotes input values.
struct JSONSyntaxError: Error {
    var reason: String
}

private struct Reader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    func failure(_ what: String) -> JSONSyntaxError {
        JSONSyntaxError(reason: atEnd ? "the JSON ends early (\(what))" : "\(what) at byte \(index)")
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard peek() == byte else { throw failure("expected \(what)") }
        index += 1
    }

    /// Reads `{ "key": value, … }`, calling `body` with each member of this object and the byte offset of its key
    /// (only at depth 1 do callers care).
    mutating func readObject(depth: Int,
                             _ body: (String, SecretJSONObject.Value, Int) throws -> Void) throws {
        guard depth <= SecretJSONObject.maximumDepth else { throw failure("nesting too deep") }
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let keyOffset = index
            let keyBytes = try readString()
            let key = keyBytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try readValue(depth: depth)
            try body(key, value, keyOffset)
            skipWhitespace()
            guard let next = peek() else { throw failure("expected ',' or '}'") }
            index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else {
                index -= 1
                throw failure("expected ',' or '}'")
            }
        }
    }

    mutating func readArray(depth: Int) throws {
        guard depth <= SecretJSONObject.maximumDepth else { throw failure("nesting too deep") }
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            _ = try readValue(depth: depth)
            skipWhitespace()
            guard let next = peek() else { throw failure("expected ',' or ']'") }
            index += 1
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else {
                index -= 1
                throw failure("expected ',' or ']'")
            }
        }
    }

    mutating func readValue(depth: Int) throws -> SecretJSONObject.Value {
        guard let byte = peek() else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "{"):
            try readObject(depth: depth + 1) { _, _, _ in }
            return .nested
        case UInt8(ascii: "["):
            try readArray(depth: depth + 1)
            return .nested
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        default:
            throw failure("expected a value")
        }
    }

    mutating func readLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    mutating func readNumber() throws -> String {
        let start = index
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(peek()) {
            while isDigit(peek()) { index += 1 }
        } else {
            throw failure("invalid number")
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard isDigit(peek()) else { throw failure("invalid number") }
            while isDigit(peek()) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard isDigit(peek()) else { throw failure("invalid number") }
            while isDigit(peek()) { index += 1 }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// Reads a string literal into a new secret; the scratch buffer is a secret too, so it is wiped.
    mutating func readString() throws -> SecretBytes {
        try expect(UInt8(ascii: "\""), "'\"'")
        // Decoded text is never longer than its escaped form, so a scratch buffer of the remaining size is enough;
        // find the closing quote first to size it.
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard end < bytes.count else {
            index = bytes.count
            throw failure("unterminated string")
        }
        var scratch = SecretBytes(zeroedCount: end - index)
        let length: Int = try scratch.withUnsafeMutableBytes { output in
            var count = 0
            func append(_ byte: UInt8) { output[count] = byte; count += 1 }
            func appendScalar(_ value: UInt32) {
                if value < 0x80 {
                    append(UInt8(value))
                } else if value < 0x800 {
                    append(UInt8(0xC0 | (value >> 6)))
                    append(UInt8(0x80 | (value & 0x3F)))
                } else if value < 0x10000 {
                    append(UInt8(0xE0 | (value >> 12)))
                    append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                    append(UInt8(0x80 | (value & 0x3F)))
                } else {
                    append(UInt8(0xF0 | (value >> 18)))
                    append(UInt8(0x80 | ((value >> 12) & 0x3F)))
                    append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                    append(UInt8(0x80 | (value & 0x3F)))
                }
            }
            while index < end {
                let byte = bytes[index]
                if byte < 0x20 { throw failure("control character in a string") }
                guard byte == UInt8(ascii: "\\") else {
                    append(byte)
                    index += 1
                    continue
                }
                index += 1
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): append(escaped)
                case UInt8(ascii: "b"): append(0x08)
                case UInt8(ascii: "f"): append(0x0C)
                case UInt8(ascii: "n"): append(0x0A)
                case UInt8(ascii: "r"): append(0x0D)
                case UInt8(ascii: "t"): append(0x09)
                case UInt8(ascii: "u"):
                    let first = try readHex4(limit: end)
                    if (0xD800...0xDBFF).contains(first) {
                        guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else { throw failure("unpaired surrogate") }
                        index += 2
                        let second = try readHex4(limit: end)
                        guard (0xDC00...0xDFFF).contains(second) else { throw failure("unpaired surrogate") }
                        appendScalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                    } else if (0xDC00...0xDFFF).contains(first) {
                        throw failure("unpaired surrogate")
                    } else {
                        appendScalar(first)
                    }
                default:
                    index -= 1
                    throw failure("invalid escape")
                }
            }
            let written = UnsafeRawBufferPointer(rebasing: output[0..<count])
            guard written.withMemoryRebound(to: UInt8.self, LineClassifier.isValidUTF8) else {
                throw JSONSyntaxError(reason: "a string is not valid UTF-8")
            }
            return count
        }
        index = end + 1
        var result = SecretBytes(zeroedCount: length)
        result.withUnsafeMutableBytes { target in
            scratch.withUnsafeBytes { source in
                guard length > 0 else { return }
                target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: length)
            }
        }
        return result
    }

    mutating func readHex4(limit: Int) throws -> UInt32 {
        guard index + 4 <= limit else { throw failure("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
