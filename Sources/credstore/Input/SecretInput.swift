import CredentialLookup
import Glibc
import SystemLayer

/// Reads the secrets of a key pair for `set`: from the terminal without echo, or from stdin when stdin is not a
/// terminal (one value per line), never from argv (`set --secret-key` is refused).
enum SecretInput {
    /// The most bytes read from stdin; a session token is at most a few KiB.
    static let maximumInput = 64 * 1024

    /// Reads `labels.count` secrets: each on its own line of stdin, or each asked for on the terminal.
    ///
    /// - Parameter labels: What each secret is, e.g. "secret access key"; used in prompts and errors.
    static func read(_ labels: [String]) throws -> [SecretBytes] {
        if isatty(0) == 1 {
            return try labels.map { label in
                let value = try SecretSources.promptPassphrase(label.prefix(1).uppercased() + label.dropFirst() + ": ")
                guard !value.isEmpty else { throw CLIFailure("the \(label) is empty", exitCode: .invalidInput) }
                return value
            }
        }
        let lines = try readStandardInputLines()
        return try labels.enumerated().map { index, label in
            guard index < lines.count, !lines[index].isEmpty else {
                throw CLIFailure(
                    "no \(label) on standard input (expected it on line \(index + 1))",
                    hint: "pipe the values in, one per line (e.g. from a password manager), or run on a terminal",
                    exitCode: .invalidInput)
            }
            return lines[index]
        }
    }

    /// Reads stdin to end of file into wiped buffers and splits it into lines (LF or CRLF).
    private static func readStandardInputLines() throws -> [SecretBytes] {
        var buffer: [UInt8]
        do {
            buffer = try Syscalls.readToEnd(0, capacity: maximumInput + 1, limit: maximumInput, sensitive: true)
        } catch {
            throw CLIFailure("cannot read standard input: \(error)", exitCode: .ioError)
        }
        defer { buffer.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        let total = buffer.count
        guard total <= maximumInput else {
            throw CLIFailure("standard input is larger than \(maximumInput) bytes",
                             hint: "pipe only the secret values, one per line", exitCode: .invalidInput)
        }
        var lines: [SecretBytes] = []
        var start = 0
        for index in 0...total where index == total || buffer[index] == UInt8(ascii: "\n") {
            var end = index
            if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if index < total || end > start { lines.append(SecretBytes(buffer[start..<end])) }
            start = index + 1
        }
        return lines
    }
}
