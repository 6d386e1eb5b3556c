import Glibc

/// Questions that are not secret, asked on the controlling terminal with echo on: a value such as the access key id,
/// and yes/no confirmations. Secrets are `SecretSources`' (echo off).
enum TerminalQuestions {
    /// The longest answer read; longer input is cut off (the answers are ids and yes/no).
    static let maximumAnswer = 1024

    /// Asks `prompt` on the controlling terminal and returns the line typed (without its line break), or `nil` when
    /// there is no terminal or it reached end of file.
    static func ask(_ prompt: String) -> String? {
        guard let fd = TerminalLine.openTerminal() else { return nil }
        defer { close(fd) }
        TerminalLine.show(prompt, on: fd)
        let line = TerminalLine.read(from: fd, limit: maximumAnswer)
        guard !line.reachedEnd else { return nil }
        return line.bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
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
