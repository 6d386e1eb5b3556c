// The line-level grammar of AWS profile files, on UTF-8 bytes (no `Character` iteration: a 25 MB file must parse in
// a few tens of milliseconds). Every line of a document is classified once; `ProfileFileIndex` then builds the
// section structure from the classified lines.

enum ASCII {
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let hash: UInt8 = 0x23
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D

    /// Whitespace the SDKs trim around names, keys and values. A stray CR is trimmed too, so a file with mixed
    /// line endings reads the same as with clean ones.
    @inline(__always)
    static func isTrimmable(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == carriageReturn }

    /// Whitespace that makes a line a continuation when it starts the line.
    @inline(__always)
    static func isIndent(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func isCommentMarker(_ byte: UInt8) -> Bool { byte == hash || byte == semicolon }

    /// Characters of a valid profile name in the SDKs' profile-file rules: letters, digits and `-_/.%@:+`.
    @inline(__always)
    static func isProfileNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "%"),
             UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "+"):
            return true
        default: return false
        }
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}

/// What a section header introduces.
enum SectionType: Equatable {
    case profile
    case ssoSession
    case services
    /// `[word NAME]` in the config file with an unknown `word` (kept apart, as the Kotlin SDK does).
    case other(String)
    /// A header the SDKs skip, with everything under it: invalid name, `[foo]` in config, `[profile foo]` in
    /// credentials.
    case ignored
}

/// A parsed `[...]` line.
struct SectionHeader {
    var type: SectionType
    var name: String
    /// `[default]` without the `profile` prefix in a config file: dropped when `[profile default]` exists.
    var isBareDefault: Bool
    /// Offset of the closing `]` within the line; text after it (a comment) is kept by renames.
    var closeBracket: Int32
}

/// A parsed `key = value` line. Offsets are relative to the start of the line.
struct PropertyLine {
    var keyEnd: Int32
    var equals: Int32
    var valueStart: Int32
    var valueEnd: Int32
    /// Offset of an inline comment marker (`#`/`;` after whitespace), or -1.
    var commentStart: Int32
    /// Keys containing whitespace are ignored by the SDKs (the line is kept, but contributes nothing).
    var keyIsValid: Bool

    var hasEmptyValue: Bool { valueStart == valueEnd }
}

/// What the index needs of a property line. The offsets (`PropertyLine`) are recomputed on demand, which keeps a
/// line record small: a 25 MB file has some 700,000 lines.
struct PropertyFlags {
    var keyIsValid: Bool
    var hasEmptyValue: Bool
}

enum LineKind {
    case blank
    case comment
    /// Index into `ProfileFile.headers`.
    case header(Int32)
    case property(PropertyFlags)
    /// An indented line. Its trimmed text is recomputed on demand (`LineClassifier.trimmed`): storing its offsets
    /// made every line record 8 bytes larger.
    case continuation
}

/// One physical line: content at `arena[start ..< start + length]`, followed by `eolLength` bytes of `\n` or
/// `\r\n` (0 for a last line without a newline).
///
/// 16 bytes (32-bit offsets): a 100,000-profile file has 700,000 lines, and with `Int` offsets the line table alone
/// was 17 MB, most of the margin between the file's size and three times it. Documents are therefore limited to
/// `ProfileFile.maximumByteCount` (4 GiB - 1), arena included; larger ones are refused with `.fileTooLarge`.
struct Line {
    private var start32: UInt32
    private var length32: UInt32
    var kind: LineKind
    private var eol8: UInt8

    /// - Precondition: `start + length + eolLength <= ProfileFile.maximumByteCount` (checked by the callers, which
    ///   throw `.fileTooLarge` instead).
    init(start: Int, length: Int, eolLength: Int, kind: LineKind) {
        start32 = UInt32(start)
        length32 = UInt32(length)
        eol8 = UInt8(eolLength)
        self.kind = kind
    }

    var start: Int { Int(start32) }
    var length: Int { Int(length32) }
    var eolLength: Int { Int(eol8) }
    var contentEnd: Int { start + length }
    var end: Int { start + length + eolLength }
}

/// A failure of the line grammar, turned into a `SharedFileError` naming the file and the line.
struct SyntaxProblem: Error {
    var line: Int
    var message: String
    var notUTF8 = false
}

/// The line grammar of the shared files; its strict UTF-8 check is `package` so that CredentialLookup's JSON reader
/// applies the same rule.
package enum LineClassifier {
    /// The longest line: offsets within a line are `Int32`.
    static let maximumLineLength = Int(Int32.max)

    /// Classifies the line `bytes[start ..< start + length]` (no line terminator). `lineNumber` is 1-based.
    ///
    /// - Parameter checkUTF8: `false` when the caller already knows the bytes are ASCII.
    static func classify(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, length: Int, lineNumber: Int, kind fileKind: ProfileFileKind,
        headers: inout [SectionHeader], checkUTF8: Bool = true
    ) throws -> LineKind {
        // Offsets within a line are 32-bit (`PropertyLine`, `SectionHeader`): a longer line is refused, never
        // trapped on. (`FileSystem.maximumFileSize` keeps files read from disk far below this.)
        guard length <= maximumLineLength else {
            throw SyntaxProblem(line: lineNumber, message: "the line is \(length) bytes long, more than the "
                                    + "\(maximumLineLength) a line may have")
        }
        let end = start + length
        var first = start
        while first < end && ASCII.isTrimmable(bytes[first]) { first += 1 }
        if first == end { return .blank }
        if checkUTF8 {
            var index = first
            while index < end && bytes[index] < 0x80 { index += 1 }
            if index < end && !isValidUTF8(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
                throw SyntaxProblem(line: lineNumber, message: "", notUTF8: true)
            }
        }
        let lead = bytes[start]
        if ASCII.isCommentMarker(lead) { return .comment }
        if lead == ASCII.openBracket {
            let header = try parseHeader(bytes, start: start, end: end, lineNumber: lineNumber, kind: fileKind)
            headers.append(header)
            return .header(Int32(headers.count - 1))
        }
        if ASCII.isIndent(lead) { return .continuation }
        return .property(try propertyFlags(bytes, start: start, end: end, lineNumber: lineNumber))
    }

    /// What `parseProperty` would say of the line's key and value, without scanning the value: a value is empty
    /// exactly when the first byte after `=` and the whitespace following it is the end of the line or a comment
    /// marker preceded by whitespace. Most of a credentials file's bytes are values (secret keys), and scanning them
    /// was a fifth of an edit of a 100,000-profile file.
    ///
    /// - Throws: `SyntaxProblem`, exactly as `parseProperty` does.
    static func propertyFlags(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, lineNumber: Int
    ) throws -> PropertyFlags {
        var equals = start
        var keyIsValid = true
        while true {
            guard equals < end else {
                throw SyntaxProblem(line: lineNumber, message: "expected an '=' sign defining a property")
            }
            let byte = bytes[equals]
            if byte == ASCII.equals { break }
            if ASCII.isTrimmable(byte) {
                keyIsValid = false
            } else if ASCII.isCommentMarker(byte) && equals > start && ASCII.isTrimmable(bytes[equals - 1]) {
                // A comment starts before any '=' (parseProperty stops at it too).
                throw SyntaxProblem(line: lineNumber, message: "expected an '=' sign defining a property")
            }
            equals += 1
        }
        var keyEnd = equals
        while keyEnd > start && ASCII.isTrimmable(bytes[keyEnd - 1]) { keyEnd -= 1 }
        guard keyEnd > start else {
            throw SyntaxProblem(line: lineNumber, message: "the property has no name before '='")
        }
        if !keyIsValid {
            // Whitespace after the key (before '=') does not make it invalid; only whitespace inside it does.
            keyIsValid = true
            for position in start..<keyEnd where ASCII.isTrimmable(bytes[position]) {
                keyIsValid = false
                break
            }
        }
        var valueStart = equals + 1
        while valueStart < end && ASCII.isTrimmable(bytes[valueStart]) { valueStart += 1 }
        let hasEmptyValue = valueStart == end
            || (ASCII.isCommentMarker(bytes[valueStart]) && ASCII.isTrimmable(bytes[valueStart - 1]))
        return PropertyFlags(keyIsValid: keyIsValid, hasEmptyValue: hasEmptyValue)
    }

    private static func parseHeader(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, lineNumber: Int, kind fileKind: ProfileFileKind
    ) throws -> SectionHeader {
        // In a header a comment needs no whitespace before it: `[profile foo];x` is the profile `foo`.
        var cut = start + 1
        while cut < end && !ASCII.isCommentMarker(bytes[cut]) { cut += 1 }
        while cut > start && ASCII.isTrimmable(bytes[cut - 1]) { cut -= 1 }
        guard cut - start >= 2, bytes[cut - 1] == ASCII.closeBracket else {
            throw SyntaxProblem(line: lineNumber, message: "a section header must end with ']'")
        }
        var innerStart = start + 1
        var innerEnd = cut - 1
        while innerStart < innerEnd && ASCII.isTrimmable(bytes[innerStart]) { innerStart += 1 }
        while innerEnd > innerStart && ASCII.isTrimmable(bytes[innerEnd - 1]) { innerEnd -= 1 }
        let close = Int32(cut - 1 - start)
        let inner = UnsafeBufferPointer(rebasing: bytes[innerStart..<innerEnd])

        switch fileKind {
        case .credentials:
            guard isValidName(inner) else { return SectionHeader(type: .ignored, name: "", isBareDefault: false,
                                                                 closeBracket: close) }
            return SectionHeader(type: .profile, name: String(decoding: inner, as: UTF8.self), isBareDefault: false,
                                 closeBracket: close)
        case .config:
            if inner.elementsEqual("default".utf8) {
                return SectionHeader(type: .profile, name: "default", isBareDefault: true, closeBracket: close)
            }
            // Split `word NAME` at the first run of whitespace.
            var split = 0
            while split < inner.count && !ASCII.isTrimmable(inner[split]) { split += 1 }
            var nameStart = split
            while nameStart < inner.count && ASCII.isTrimmable(inner[nameStart]) { nameStart += 1 }
            let ignored = SectionHeader(type: .ignored, name: "", isBareDefault: false, closeBracket: close)
            guard split < inner.count, nameStart < inner.count else { return ignored }
            let word = UnsafeBufferPointer(rebasing: inner[0..<split])
            let name = UnsafeBufferPointer(rebasing: inner[nameStart...])
            guard isValidName(name) else { return ignored }
            let type: SectionType
            if word.elementsEqual("profile".utf8) {
                type = .profile
            } else if word.elementsEqual("sso-session".utf8) {
                type = .ssoSession
            } else if word.elementsEqual("services".utf8) {
                type = .services
            } else {
                type = .other(String(decoding: word, as: UTF8.self))
            }
            return SectionHeader(type: type, name: String(decoding: name, as: UTF8.self), isBareDefault: false,
                                 closeBracket: close)
        }
    }

    /// Parses `key = value # comment` in one pass over the line.
    static func parseProperty(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, lineNumber: Int
    ) throws -> PropertyLine {
        // In a value, `#` and `;` start a comment only after whitespace: `v;c` stays `v;c`.
        var commentStart = -1
        var equals = -1
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == ASCII.equals {
                if equals < 0 { equals = index }
            } else if ASCII.isCommentMarker(byte) && index > start && ASCII.isTrimmable(bytes[index - 1]) {
                commentStart = index
                break
            }
            index += 1
        }
        var effectiveEnd = commentStart >= 0 ? commentStart : end
        while effectiveEnd > start && ASCII.isTrimmable(bytes[effectiveEnd - 1]) { effectiveEnd -= 1 }
        guard equals >= 0 else {
            throw SyntaxProblem(line: lineNumber, message: "expected an '=' sign defining a property")
        }
        var keyEnd = equals
        while keyEnd > start && ASCII.isTrimmable(bytes[keyEnd - 1]) { keyEnd -= 1 }
        guard keyEnd > start else {
            throw SyntaxProblem(line: lineNumber, message: "the property has no name before '='")
        }
        var keyIsValid = true
        for position in start..<keyEnd where ASCII.isTrimmable(bytes[position]) {
            keyIsValid = false
            break
        }
        var valueStart = equals + 1
        while valueStart < effectiveEnd && ASCII.isTrimmable(bytes[valueStart]) { valueStart += 1 }
        return PropertyLine(
            keyEnd: Int32(keyEnd - start), equals: Int32(equals - start), valueStart: Int32(valueStart - start),
            valueEnd: Int32(max(valueStart, effectiveEnd) - start),
            commentStart: Int32(commentStart >= 0 ? commentStart - start : -1), keyIsValid: keyIsValid)
    }

    /// `start ..< end` without the whitespace the SDKs trim at either end (the text of a continuation line).
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Range<Int> {
        var first = start
        var last = end
        while first < last && ASCII.isTrimmable(bytes[first]) { first += 1 }
        while last > first && ASCII.isTrimmable(bytes[last - 1]) { last -= 1 }
        return first..<last
    }

    /// Whether every byte is ASCII, eight bytes at a time (then no line needs a UTF-8 check).
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var index = 0
        var accumulated: UInt64 = 0
        while index + 8 <= bytes.count {
            accumulated |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            accumulated |= UInt64(bytes[index])
            index += 1
        }
        return accumulated & 0x8080_8080_8080_8080 == 0
    }

    /// Splits the trimmed text of a sub-property line at its first `=`: the range of the key (the spaces before `=`
    /// left out; empty when there is none) and the offset of the `=`, or `nil` when the line has no `=`. The parser,
    /// the queries and the edits all split sub-properties here, so they agree on every key.
    static func splitSubProperty(_ text: UnsafeBufferPointer<UInt8>) -> (key: Range<Int>, equals: Int)? {
        guard let equals = text.firstIndex(of: ASCII.equals) else { return nil }
        var keyEnd = equals
        while keyEnd > 0 && ASCII.isTrimmable(text[keyEnd - 1]) { keyEnd -= 1 }
        return (0..<keyEnd, equals)
    }

    /// Checks a sub-property line (`key = value` under a property with an empty value).
    static func checkSubProperty(_ text: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws {
        guard let split = splitSubProperty(text) else {
            throw SyntaxProblem(line: lineNumber, message: "expected an '=' sign defining a sub-property")
        }
        guard !split.key.isEmpty else {
            throw SyntaxProblem(line: lineNumber, message: "the sub-property has no name before '='")
        }
    }

    static func isValidName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name where !ASCII.isProfileNameByte(byte) { return false }
        return true
    }

    /// A strict UTF-8 check (no overlongs, no surrogates, nothing above U+10FFFF), as Python's decoder applies.
    ///
    /// - Parameter bytes: The bytes to check.
    /// - Returns: Whether `bytes` is well-formed UTF-8.
    package static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 { index += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return false }
            for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }
}
