/// What a value given for an access key id looks like. The id is not secret, so it may be passed on the command
/// line; a secret access key pasted there by mistake must be caught before it is stored under the wrong label.
public enum AccessKeyIDShape: Equatable, Sendable {
    /// An access key id: `AKIA`/`ASIA` and 16 upper-case letters or digits, or any other 16–128 characters of
    /// `[A-Z0-9]` (the shape IAM documents for ids).
    case keyID
    /// 40 characters of the base64 alphabet with a lower-case letter, `/` or `+`: the shape of a secret access key.
    case looksLikeSecret
    /// Neither: no access key id has this shape.
    case notAKeyID

    /// The length IAM gives secret access keys.
    public static let secretLength = 40

    /// Classifies `value` (already trimmed of surrounding white space). The value is only inspected, never kept.
    public init(_ value: String) {
        let bytes = Array(value.utf8)
        let isIDByte = { (byte: UInt8) in (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) }
        if (16...128).contains(bytes.count), bytes.allSatisfy(isIDByte) {
            self = .keyID
            return
        }
        let isBase64Byte = { (byte: UInt8) in
            isIDByte(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+")
        }
        self = bytes.count == Self.secretLength && bytes.allSatisfy(isBase64Byte) ? .looksLikeSecret : .notAKeyID
    }
}

/// Why a profile name could never be written to a shared credentials or config file. The encrypted store takes any
/// name, but a profile must be exportable to the files the AWS tools read (`[name]`, `[profile name]`), so names
/// those files cannot hold are refused everywhere.
public enum ProfileNameProblem: Equatable, Sendable, CustomStringConvertible {
    /// The name is empty.
    case empty
    /// The name holds a line break or another control character, which would split or corrupt the section header.
    case controlCharacter
    /// The name holds `]`, which ends the section header early.
    case closingBracket
    /// The name starts or ends with white space, which the INI parsers strip.
    case surroundingWhiteSpace
    /// The name starts with `#` or `;`, which some INI parsers take for a comment.
    case commentMarker

    /// The problem with `name`, or `nil` when a shared file can hold it.
    public init?(_ name: String) {
        guard let first = name.unicodeScalars.first, let last = name.unicodeScalars.last else {
            self = .empty
            return
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            self = .controlCharacter
        } else if name.contains("]") {
            self = .closingBracket
        } else if first.properties.isWhitespace || last.properties.isWhitespace {
            self = .surroundingWhiteSpace
        } else if first == "#" || first == ";" {
            self = .commentMarker
        } else {
            return nil
        }
    }

    /// What is wrong, in a phrase that completes "the profile name … ".
    public var description: String {
        switch self {
        case .empty: return "is empty"
        case .controlCharacter: return "contains a line break or another control character"
        case .closingBracket: return "contains ']', which would end the [section] header of a shared file early"
        case .surroundingWhiteSpace: return "starts or ends with white space, which the AWS tools strip"
        case .commentMarker: return "starts with '#' or ';', which the AWS tools read as a comment"
        }
    }
}
