import CredentialLookup
import Glibc
import SharedFileStore
import SystemLayer

/// The warnings of a run (`warning: …` lines on stderr), each said once however often its cause is met.
enum Warnings {
    nonisolated(unsafe) private static var said: Set<String> = []

    /// Writes `warning: message` unless this run already did.
    static func say(_ message: String) {
        guard said.insert(message).inserted else { return }
        StandardError.line("warning: \(message)")
    }

    /// Routes the libraries' warnings here; call once at start-up (the CLI reads its files on one thread).
    static func install() {
        SharedFileWarnings.handler = { say($0.message) }
    }

    /// Drops the libraries' warnings for the rest of the run: shell completion must print nothing but candidates.
    static func silence() {
        SharedFileWarnings.handler = nil
    }
}
