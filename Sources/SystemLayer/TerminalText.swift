/// Text from an untrusted source (a file, a server's reply, another program's stderr, a command-line argument) made
/// safe to show on a terminal: the one escaping every human-readable message and table uses.
///
/// A terminal acts on control characters: `ESC ] 0 ; … BEL` retitles the window, `ESC [ 2 J` clears it, C1 `CSI`
/// (U+009B) starts a sequence on some terminals, a carriage return overwrites what was printed before it, and bidi
/// overrides make text read differently from its bytes. Each such character is shown as a visible Swift-style escape
/// (`\u{1B}`, `\r`, `\n`, `\t`, `\0`) instead, so a hostile value can neither act on the terminal nor fake a line of
/// credstore's own output. Machine formats (JSON, shell `export` lines, the credential_process reply) do not use this:
/// their own quoting applies there.
package enum TerminalText {
    /// `text` with every control character (Unicode Cc: C0, DEL, C1) and every bidi control escaped; other
    /// characters, non-ASCII letters included, are kept as they are.
    package static func escaped(_ text: String) -> String {
        // The common case (printable ASCII) needs no scalar walk and no copy.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Whether `scalar` is a control character (C0, DEL, C1) or a bidi embedding, override or isolate control.
    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
