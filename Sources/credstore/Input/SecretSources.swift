import CredentialLookup
import Glibc

/// The controlling terminal as a source of secrets (files and inherited descriptors are `StoreUnlocker`'s). Never
/// argv, never the environment's values.
enum SecretSources {
    /// The largest passphrase accepted from the terminal.
    static let maximumPassphrase = 4096

    /// Whether a controlling terminal can be opened for a prompt.
    static var hasTerminal: Bool {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Asks for a passphrase on the controlling terminal with echo off, showing `prompt`. This is the prompt the CLI
    /// hands to `StoreUnlocker`, which asks twice where a new passphrase must be confirmed.
    static func promptPassphrase(_ prompt: String) throws -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CLIFailure("no terminal to ask for a passphrase on", hint: StoreOptions.secretOptionsHint,
                             exitCode: .noSecretSource)
        }
        defer { close(fd) }
        var original = termios()
        let isTerminal = tcgetattr(fd, &original) == 0
        if isTerminal {
            // Handlers first, then echo off: a signal at any moment of the prompt finds the terminal restorable.
            SilencedTerminal.enter(fd: fd, settings: original)
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ICANON)
            _ = tcsetattr(fd, TCSAFLUSH, &silent)
        }
        defer {
            if isTerminal {
                var restore = original
                _ = tcsetattr(fd, TCSAFLUSH, &restore)
                _ = Glibc.write(fd, "\n", 1)
                SilencedTerminal.leave()
            }
        }
        _ = Array(prompt.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        var line = [UInt8](repeating: 0, count: maximumPassphrase + 1)
        defer { line.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        var count = 0
        var byte: UInt8 = 0
        while true {
            let got = Glibc.read(fd, &byte, 1)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 || byte == 0x0a { break }
            if count < line.count { line[count] = byte }
            count += 1
        }
        byte = 0
        guard count <= maximumPassphrase else {
            throw CLIFailure("the passphrase is longer than \(maximumPassphrase) bytes", exitCode: .invalidInput)
        }
        if count > 0, line[count - 1] == 0x0d { count -= 1 }
        return SecretBytes(line[0..<count])
    }
}

/// The terminal a no-echo prompt has silenced, and the signal handlers that give it its echo back: Ctrl-C (SIGINT),
/// Ctrl-\ (SIGQUIT), SIGTERM and SIGHUP at the prompt restore the terminal's settings, then end the process with the
/// signal's default action, as they would have without a prompt.
private enum SilencedTerminal {
    /// The signals that end a prompt.
    static let signals = [SIGINT, SIGQUIT, SIGTERM, SIGHUP]

    /// The silenced terminal and its settings before the prompt, read by the handler. Written only while the
    /// handlers are not installed (the process is single-threaded while it prompts).
    nonisolated(unsafe) static var fd: Int32 = -1
    nonisolated(unsafe) static var settings = termios()
    nonisolated(unsafe) static var previous: [sigaction] = Array(repeating: sigaction(), count: signals.count)

    /// Records the terminal and installs the handlers (remembering the ones they replace).
    static func enter(fd: Int32, settings: termios) {
        Self.fd = fd
        Self.settings = settings
        var action = sigaction()
        action.__sigaction_handler.sa_handler = restoreTerminalAndDie
        sigfillset(&action.sa_mask)
        for (index, signalNumber) in signals.enumerated() { sigaction(signalNumber, &action, &previous[index]) }
    }

    /// Puts back the handlers `enter` replaced.
    static func leave() {
        for (index, signalNumber) in signals.enumerated() { sigaction(signalNumber, &previous[index], nil) }
        fd = -1
    }
}

/// Restores the silenced terminal, ends the prompt's line, and dies of `signalNumber` with its default action.
/// Async-signal-safe: `tcsetattr`, `write`, `signal`, `sigprocmask` and `raise` only.
private func restoreTerminalAndDie(_ signalNumber: Int32) {
    if SilencedTerminal.fd >= 0 {
        var settings = SilencedTerminal.settings
        _ = tcsetattr(SilencedTerminal.fd, TCSANOW, &settings)
        _ = write(SilencedTerminal.fd, "\n", 1)
    }
    signal(signalNumber, SIG_DFL)
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, signalNumber)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
    raise(signalNumber)
    _exit(128 + signalNumber)
}
