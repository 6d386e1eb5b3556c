import CredentialLookup
import Glibc
import SystemLayer

/// The controlling terminal as a source of secrets (files and inherited descriptors are `StoreUnlocker`'s). Never
/// argv, never the environment's values.
enum SecretSources {
    /// The largest passphrase accepted from the terminal.
    static let maximumPassphrase = 4096

    /// Whether a controlling terminal can be opened for a prompt. Tried once per process, on first use (a static
    /// `let` is initialised lazily): every command sits in front of an AWS call, and opening /dev/tty is a system
    /// call per question otherwise. A process does not gain or lose its controlling terminal while it runs.
    static let hasTerminal: Bool = {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }()

    /// Asks for a passphrase on the controlling terminal with echo off, showing `prompt`. This is the prompt the CLI
    /// hands to `StoreUnlocker`, which asks twice where a new passphrase must be confirmed.
    static func promptPassphrase(_ prompt: String) throws -> SecretBytes {
        guard let fd = TerminalLine.openTerminal() else {
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
        TerminalLine.show(prompt, on: fd)
        let line = TerminalLine.read(from: fd, limit: maximumPassphrase)
        guard !line.isTooLong else {
            throw CLIFailure("the passphrase is longer than \(maximumPassphrase) bytes", exitCode: .invalidInput)
        }
        return line.bytes
    }
}

/// The signal handlers that give a no-echo prompt's terminal its echo back: Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT),
/// SIGTERM and SIGHUP at the prompt restore the terminal's settings, then end the process with the signal's default
/// action, as they would have without a prompt. The terminal is recorded in `ProcessHardening`, whose crash handler
/// restores it too.
private enum SilencedTerminal {
    /// The signals that end a prompt.
    static let signals = [SIGINT, SIGQUIT, SIGTERM, SIGHUP]

    /// The handlers `enter` replaced. Written only while the handlers are not installed (the process is
    /// single-threaded while it prompts).
    nonisolated(unsafe) static var previous: [sigaction] = Array(repeating: sigaction(), count: signals.count)

    /// Records the terminal and installs the handlers (remembering the ones they replace).
    static func enter(fd: Int32, settings: termios) {
        ProcessHardening.recordSilencedTerminal(fd: fd, settings: settings)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = restoreTerminalAndDie
        sigfillset(&action.sa_mask)
        for (index, signalNumber) in signals.enumerated() { sigaction(signalNumber, &action, &previous[index]) }
    }

    /// Puts back the handlers `enter` replaced.
    static func leave() {
        for (index, signalNumber) in signals.enumerated() { sigaction(signalNumber, &previous[index], nil) }
        ProcessHardening.clearSilencedTerminal()
    }
}

/// Restores the silenced terminal, ends the prompt's line, and dies of `signalNumber` with its default action.
/// Async-signal-safe (`ProcessHardening`'s two functions are).
private func restoreTerminalAndDie(_ signalNumber: Int32) {
    ProcessHardening.restoreSilencedTerminal()
    ProcessHardening.dieOfSignal(signalNumber)
}
