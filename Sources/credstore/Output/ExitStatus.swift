import Glibc

/// The exit codes of `credstore`. They are part of the interface (documented in README.md) and never change meaning.
struct ExitStatus: RawRepresentable, Equatable, CustomStringConvertible {
    var rawValue: Int32

    /// Success.
    static let success = ExitStatus(rawValue: 0)
    /// Any failure that has no more specific code.
    static let failure = ExitStatus(rawValue: 1)
    /// The command line is wrong (sysexits `EX_USAGE`).
    static let usage = ExitStatus(rawValue: 64)
    /// Input data is malformed: an INI file, a credential_process reply (sysexits `EX_DATAERR`).
    static let invalidInput = ExitStatus(rawValue: 65)
    /// The profile (or the store) asked for does not exist (sysexits `EX_NOINPUT`).
    static let notFound = ExitStatus(rawValue: 66)
    /// An AWS endpoint (STS, IAM, KMS) or a container credentials endpoint gave no usable answer: unreachable, timing
    /// out, throttled or failing, not answering like the service, or presenting a certificate that is not trusted or
    /// does not name its host (sysexits `EX_UNAVAILABLE`).
    static let serviceUnavailable = ExitStatus(rawValue: 69)
    /// Reading or writing a file failed (sysexits `EX_IOERR`).
    static let ioError = ExitStatus(rawValue: 74)
    /// Another process holds the store's or file's write lock; try again (sysexits `EX_TEMPFAIL`).
    static let locked = ExitStatus(rawValue: 75)
    /// A file has unsafe ownership or permissions (sysexits `EX_NOPERM`).
    static let unsafePermissions = ExitStatus(rawValue: 77)
    /// The passphrase or key file does not open the store.
    static let wrongSecret = ExitStatus(rawValue: 80)
    /// The store file is corrupt or has been tampered with.
    static let corrupt = ExitStatus(rawValue: 81)
    /// The store file was written by a newer, unsupported format version.
    static let unsupportedVersion = ExitStatus(rawValue: 82)
    /// The store needs a secret and no source of one is available (no key file, passphrase file or terminal).
    static let noSecretSource = ExitStatus(rawValue: 83)

    var description: String { String(rawValue) }
}
