import CredentialLookup
import Glibc
import SystemLayer

/// The controlling terminal, one prompt and one line at a time: the one prompt writer (escaped) and the one line
/// reader behind the passphrase prompt (`SecretSources`) and the questions (`TerminalQuestions`).
enum TerminalLine {
    /// A line typed on the terminal.
    struct Line {
        /// The bytes typed, without the line break and a carriage return before it; at most the limit asked for.
        var bytes: SecretBytes
        /// Whether more bytes than the limit were typed (the rest was read and discarded).
        var isTooLong: Bool
        /// Whether the line ended at end of file or a read error instead of a line break.
        var reachedEnd: Bool
    }

    /// Opens the controlling terminal for reading and writing; `nil` when there is none.
    static func openTerminal() -> Int32? {
        try? Syscalls.open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    }

    /// Shows `prompt` on the terminal `fd`. Prompts quote store paths, profile names and ids read from files: each
    /// line is escaped (`TerminalText`), so such a value can neither act on the terminal nor fake a line; only the
    /// prompt's own line breaks stay. A prompt that cannot be shown is left out (the read that follows fails too).
    static func show(_ prompt: String, on fd: Int32) {
        let text = prompt.split(separator: "\n", omittingEmptySubsequences: false)
            .map { TerminalText.escaped(String($0)) }.joined(separator: "\n")
        try? FileDescriptorWriter.write(text, to: fd)
    }

    /// Reads one line from `fd`, up to a line break, end of file or a read error (interrupted reads are retried).
    /// At most `limit` bytes are kept, in memory that is wiped afterwards; longer input is read to its line break
    /// and dropped.
    static func read(from fd: Int32, limit: Int) -> Line {
        // One byte more than the limit, for a carriage return after a line of exactly `limit` bytes.
        var buffer = SecretBytes(zeroedCount: limit + 1)
        var count = 0
        var reachedEnd = false
        var byte: UInt8 = 0
        buffer.withUnsafeMutableBytes { line in
            while true {
                let got = (try? withUnsafeMutableBytes(of: &byte) { try Syscalls.read(fd, $0) }) ?? 0
                if got == 0 {
                    reachedEnd = true
                    break
                }
                if byte == 0x0a { break }
                if count < line.count { line[count] = byte }
                count += 1
            }
            if count > 0, count <= line.count, line[count - 1] == 0x0d { count -= 1 }
        }
        byte = 0
        let kept = min(count, limit)
        return Line(bytes: buffer.withUnsafeBytes { SecretBytes($0.prefix(kept)) }, isTooLong: count > limit,
                    reachedEnd: reachedEnd)
    }
}
