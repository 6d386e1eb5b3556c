import CredentialLookup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where secrets come from on the command line: files, inherited file descriptors and the controlling terminal.
/// Never argv, never the environment's values (only paths in it).
enum SecretSources {
    /// The largest passphrase accepted from a descriptor or the terminal.
    static let maximumPassphrase = 4096

    /// Reads a passphrase from descriptor `fd` until end of file, dropping one trailing newline.
    static func passphrase(fromDescriptor fd: Int32) throws -> SecretBytes {
        var buffer = [UInt8](repeating: 0, count: maximumPassphrase + 1)
        defer { buffer.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        var total = 0
        while total < buffer.count {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIFailure("cannot read the passphrase from file descriptor \(fd): \(String(cString: strerror(errno)))",
                                 hint: "pass an open, readable descriptor to --passphrase-fd", exitCode: .ioError)
            }
            if count == 0 { break }
            total += count
        }
        guard total <= maximumPassphrase else {
            throw CLIFailure("the passphrase on file descriptor \(fd) is longer than \(maximumPassphrase) bytes",
                             hint: "pass just the passphrase", exitCode: .invalidInput)
        }
        var bytes = Array(buffer[0..<total])
        defer { bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        return PassphraseFile.trimmingLineEnd(bytes)
    }

    /// Whether a controlling terminal can be opened for a prompt.
    static var hasTerminal: Bool {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Asks for a passphrase on the controlling terminal with echo off; `confirm` asks twice and requires a match.
    static func promptPassphrase(_ prompt: String, confirm: Bool = false) throws -> SecretBytes {
        let first = try readFromTerminal(prompt)
        if confirm {
            let second = try readFromTerminal("Repeat to confirm: ")
            guard first == second else {
                throw CLIFailure("the two passphrases differ", hint: "run the command again and type the same "
                                 + "passphrase twice", exitCode: .invalidInput)
            }
        }
        return first
    }

    private static func readFromTerminal(_ prompt: String) throws -> SecretBytes {
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
