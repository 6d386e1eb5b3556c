import Glibc

/// Questions that are not secret, asked on the controlling terminal with echo on: a value such as the access key id,
/// and yes/no confirmations. Secrets are `SecretSources`' (echo off).
enum TerminalQuestions {
    /// The longest answer read; longer input is cut off (the answers are ids and yes/no).
    static let maximumAnswer = 1024

    /// Asks `prompt` on the controlling terminal and returns the line typed (without its line break), or `nil` when
    /// there is no terminal or it reached end of file.
    static func ask(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        try? FileDescriptorWriter.write(prompt, to: fd)  // a prompt that cannot be shown gets no answer either
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let got = Glibc.read(fd, &byte, 1)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return nil }
            if byte == 0x0a { break }
            if line.count < maximumAnswer { line.append(byte) }
        }
        if line.last == 0x0d { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    /// Asks a yes/no `question` on the terminal (default no); `false` when there is no terminal or no answer.
    static func confirm(_ question: String) -> Bool {
        guard let answer = ask(question + " [y/N] ") else { return false }
        return ["y", "yes"].contains(answer.trimmingWhiteSpace.lowercased())
    }

    /// Requires a yes before destroying something: `force` says yes without asking; else the terminal is asked;
    /// without a terminal the command is refused with `refusal` (which says what was not done).
    static func requireConsent(_ question: String, force: Bool, refusal: String, hint: String) throws {
        if force { return }
        guard SecretSources.hasTerminal else { throw CLIFailure(refusal, hint: hint, exitCode: .failure) }
        guard confirm(question) else {
            throw CLIFailure("nothing was changed (not confirmed)", hint: hint, exitCode: .failure)
        }
    }
}

fileprivate extension String {
    /// The string without leading and trailing white space.
    var trimmingWhiteSpace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
