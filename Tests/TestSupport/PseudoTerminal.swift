import Foundation

/// Runs a program with a pseudo-terminal as its controlling terminal (and as its stdin, stdout and stderr), so tests
/// can answer what it asks on `/dev/tty` (a passphrase prompt) the way a person at a terminal would.
package final class PseudoTerminal {
    /// The child's process id.
    package let pid: pid_t
    /// Our end of the terminal.
    private let primary: Int32
    /// Everything the child has written to the terminal so far (echo off: typed secrets are not in it).
    package private(set) var transcript = ""

    /// Starts `executable ARGS…` (program name not included) in a new session whose controlling terminal is a new
    /// pseudo-terminal, with exactly `environment`.
    package init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        primary = c_posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        var name = [CChar](repeating: 0, count: 128)
        guard primary >= 0, c_grantpt(primary) == 0, c_unlockpt(primary) == 0,
              c_ptsname_r(primary, &name, name.count) == 0 else {
            throw PseudoTerminalError(description: "cannot open a pseudo-terminal: errno \(errno)")
        }
        let secondary = String(cString: name)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // After setsid (the attribute below runs first), the first terminal a session leader opens without
        // O_NOCTTY becomes its controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, secondary, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID (glibc), not imported into Swift
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(primary)
            throw PseudoTerminalError(description: "cannot start \(executable): errno \(result)")
        }
        pid = child
    }

    deinit {
        close(primary)
        if !exited { kill(pid, SIGKILL); _ = wait() }
    }

    private var exited = false
    private var exitStatus: Int32 = 0

    /// Reads what the child writes until `text` has appeared in `transcript`, or `timeout` seconds pass.
    ///
    /// - Returns: Whether `text` appeared.
    @discardableResult
    package func waitFor(_ text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !transcript.contains(text) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, readSome(milliseconds: Int32(left * 1000)) == .data else { break }
        }
        return transcript.contains(text)
    }

    /// Types `text` on the terminal.
    package func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(primary, $0.baseAddress!, $0.count) }
    }

    /// Reads the rest of the output and waits for the child to exit; returns its exit status (128 + the signal
    /// number when a signal killed it).
    package func wait(timeout: Double = 20) -> Int32 {
        if exited { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0, readSome(milliseconds: 200) != .closed {}
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exited = true
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return exitStatus
    }

    private enum ReadOutcome { case data, timedOut, closed }

    /// One read of the terminal into `transcript`, waiting at most `milliseconds` for something to read.
    private func readSome(milliseconds: Int32) -> ReadOutcome {
        var descriptor = pollfd(fd: primary, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready == 0 || (ready < 0 && errno == EINTR) { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(primary, $0.baseAddress!, $0.count) }
        guard count > 0 else { return .closed }  // EIO once every descriptor of the child's side is closed
        transcript += String(decoding: buffer[0..<count], as: UTF8.self)
        return .data
    }
}

/// A pseudo-terminal could not be set up.
package struct PseudoTerminalError: Error, CustomStringConvertible {
    /// What failed.
    package let description: String
}

// The pseudo-terminal calls of glibc, which its Swift module map leaves out (they need _XOPEN_SOURCE); plain C ABI.
@_silgen_name("posix_openpt") private func c_posix_openpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func c_grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func c_unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname_r") private func c_ptsname_r(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>,
                                                     _ length: Int) -> Int32
