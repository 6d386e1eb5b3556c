import FoundationEssentials
import Glibc

/// The process environment, copied into a dictionary once per run: every command reads it several times (store path,
/// key file, passphrase file, systemd credentials, agent socket, AWS variables), and each
/// `ProcessInfo.processInfo.environment` copies all of it again. credstore changes its own environment in one place
/// only, `set`, which updates this copy too, so a lookup built after it sees the change exactly as a fresh read would.
enum ProcessEnvironment {
    /// The environment as it is now: the one read at first use, plus what `set` changed since.
    nonisolated(unsafe) private(set) static var current = ProcessInfo.processInfo.environment

    /// Sets `name` to `value` in the process environment (for the programs credstore starts: a `credential_process`,
    /// `exec`'s command) and in `current` (for the lookup that starts them).
    static func set(_ name: String, to value: String) {
        setenv(name, value, 1)
        current[name] = value
    }
}
