/// Splits a `credential_process` command line into arguments the way botocore does on POSIX systems
/// (`shlex.split(value)`): whitespace separates words, single quotes are literal, double quotes allow `\"` and `\\`,
/// a backslash outside quotes escapes any character, and nothing else is special (no `$`, globs, pipes or comments;
/// no shell is run).
package enum CommandLineSplitter {
    /// Why a command line cannot be split.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// A quote is opened and never closed.
        case unbalancedQuote
        /// The line ends with a backslash that escapes nothing.
        case trailingBackslash

        /// The reason in words, matching Python's `shlex` messages.
        var description: String {
            switch self {
            case .unbalancedQuote: return "no closing quotation"
            case .trailingBackslash: return "no escaped character after the final backslash"
            }
        }
    }

    /// Splits `line` into arguments.
    ///
    /// - Parameter line: The command line, e.g. `/opt/bin/awscreds-custom --username "helen smith"`.
    /// - Returns: The arguments; empty for a blank line.
    /// - Throws: `CommandLineSplitter.Failure` for an unbalanced quote or a trailing backslash.
    package static func split(_ line: String) throws -> [String] {
        enum State { case between, word, singleQuoted, doubleQuoted, escaped(after: Escape) }
        enum Escape { case word, doubleQuoted }

        var words: [String] = []
        var word: [UInt8] = []
        var state = State.between
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        func finishWord() {
            words.append(String(decoding: word, as: UTF8.self))
            word.removeAll()
        }

        for byte in line.utf8 {
            switch state {
            case .between, .word:
                if isSpace(byte) {
                    if case .word = state { finishWord() }
                    state = .between
                } else if byte == UInt8(ascii: "\\") {
                    state = .escaped(after: .word)
                } else if byte == UInt8(ascii: "'") {
                    state = .singleQuoted
                } else if byte == UInt8(ascii: "\"") {
                    state = .doubleQuoted
                } else {
                    word.append(byte)
                    state = .word
                }
            case .singleQuoted:
                if byte == UInt8(ascii: "'") { state = .word } else { word.append(byte) }
            case .doubleQuoted:
                if byte == UInt8(ascii: "\"") {
                    state = .word
                } else if byte == UInt8(ascii: "\\") {
                    state = .escaped(after: .doubleQuoted)
                } else {
                    word.append(byte)
                }
            case .escaped(let after):
                switch after {
                case .word:
                    word.append(byte)
                    state = .word
                case .doubleQuoted:
                    // Inside double quotes only `\"` and `\\` are escapes; any other backslash stays (shlex rule).
                    if byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { word.append(UInt8(ascii: "\\")) }
                    word.append(byte)
                    state = .doubleQuoted
                }
            }
        }
        switch state {
        case .between: break
        case .word: finishWord()
        case .singleQuoted, .doubleQuoted: throw Failure.unbalancedQuote
        case .escaped: throw Failure.trailingBackslash
        }
        return words
    }
}
