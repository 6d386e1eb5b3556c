import CredentialLookup
import Glibc
import SystemLayer

/// A failure the CLI reports as an `error:` line, an optional `hint:` line and a stable exit code.
///
/// Messages must never contain a secret: they are built from paths, profile names and error descriptions of the
/// library modules, which are themselves secret-free.
struct CLIFailure: Error {
    var message: String
    var hint: String?
    var exitCode: ExitStatus

    init(_ message: String, hint: String? = nil, exitCode: ExitStatus = .failure) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    /// Maps the library modules' error types to a CLI failure; `nil` for errors ArgumentParser reports itself.
    init?(classifying error: Error) {
        guard let failure = ErrorClassification.classify(error) else { return nil }
        self = failure
    }

    /// Writes `error: …` and `hint: …` to stderr, every control character escaped (`TerminalText`): messages
    /// quote paths, names and values from files, servers and the command line.
    func report() {
        StandardError.write("error: \(TerminalText.escaped(message))\n")
        if let hint { StandardError.write("hint: \(TerminalText.escaped(hint))\n") }
    }
}

/// Unbuffered writes to stderr (no `print`, so nothing is left sitting in a buffer at `exec` or `exit`).
enum StandardError {
    /// Writes `text` as is; a failure is ignored (there is nowhere left to report it, and the exit code still says
    /// what happened).
    static func write(_ text: String) {
        try? FileDescriptorWriter.write(text, to: 2)
    }

    /// Writes one line for a person to read, every control character escaped (`TerminalText`): such lines quote
    /// profile names, paths and values from files.
    static func line(_ text: String) {
        write(TerminalText.escaped(text) + "\n")
    }
}
