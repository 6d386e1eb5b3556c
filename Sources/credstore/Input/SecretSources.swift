import CredentialLookup
import Glibc
import SystemLayer

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
            }
        }
        _ = Array(prompt.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        var line = [UInt8](repeating: 0, count: maximumPassphrase + 1)
        defer { line.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        var count = 0
        var byte: UInt8 = 0
        while true {
            let got = (try? Syscalls.retryingInterrupts { Glibc.read(fd, &byte, 1) }) ?? -1
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
