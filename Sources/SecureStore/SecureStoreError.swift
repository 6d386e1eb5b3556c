import Glibc

/// The one error type of SecureStore: what went wrong, on which file, and what to do about it.
///
/// Messages name the file and never contain a secret; hints say what to do without naming a program's commands or
/// options. Classify an error by its `code`, e.g. `error.code == .wrongPassphrase`; filesystem failures keep their
/// `errno`.
public struct SecureStoreError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of a `SecureStoreError`, for exit codes and tests (like swift-system's `Errno`). The
    /// raw values are lowercase-kebab names that never change meaning, e.g. `wrong-passphrase`.
    public enum Code: String, CaseIterable, Sendable, CustomStringConvertible {
        /// The passphrase does not open any passphrase slot of the store.
        case wrongPassphrase = "wrong-passphrase"
        /// The key file does not open any key-file slot of the store.
        case wrongKeyFile = "wrong-key-file"
        /// The store file is corrupt, truncated or has been tampered with.
        case corrupt = "corrupt"
        /// The store file uses a format version this build does not support.
        case unsupportedVersion = "unsupported-version"
        /// A store or key file is a symlink, not a regular file, owned by someone else, or open to group/others.
        case unsafePermissions = "unsafe-permissions"
        /// Another process holds the store's write lock.
        case locked = "locked"
        /// The named profile is not in the store.
        case profileNotFound = "profile-not-found"
        /// There is no key file, passphrase file or other named file at the path.
        case notFound = "not-found"
        /// There is no store at the path (it is created with its first key slot).
        case storeNotFound = "store-not-found"
        /// The file to be created already exists (store, key file) or the profile name is taken.
        case alreadyExists = "already-exists"
        /// An argument is not acceptable: an empty passphrase, a bad profile name, too many slots, the last slot.
        case invalidArgument = "invalid-argument"
        /// Reading or writing a file failed; `errno` says why.
        case io = "io"
        /// libcrypto failed at something that should not fail (allocation, an unavailable algorithm).
        case cryptoFailure = "crypto-failure"
        /// The session cache beside the store is damaged, was altered, belongs to another store or does not open
        /// under the store's data key. It is never used; the store itself is not affected, and every session in it
        /// can be made again.
        case sessionCacheCorrupt = "session-cache-corrupt"

        /// The stable name, e.g. `wrong-passphrase`.
        public var description: String { rawValue }
    }

    /// The classification of this error.
    public let code: Code
    /// The file the error is about, when there is one.
    public let path: String?
    /// The `errno` of a failed system call, when the error came from one.
    public let errno: Int32?
    /// What happened, naming the file.
    public let message: String
    /// What to do about it, said without the commands or options of a particular program (the credstore CLI
    /// replaces it with its own advice for some codes).
    public let hint: String?

    init(_ code: Code, path: String? = nil, errno: Int32? = nil, _ message: String, hint: String? = nil) {
        self.code = code
        self.path = path
        self.errno = errno
        self.message = message
        self.hint = hint
    }

    /// The message followed by the hint, if any. Never contains a secret.
    public var description: String {
        if let hint { return "\(message) (\(hint))" }
        return message
    }

    static func system(_ operation: String, path: String, errno code: Int32, hint: String? = nil) -> SecureStoreError {
        let reason = String(cString: strerror(code))
        return SecureStoreError(.io, path: path, errno: code, "cannot \(operation) \(path): \(reason)",
                                hint: hint ?? "check that the path exists, that you own it and the disk is not full")
    }

    static func corrupt(_ path: String, _ detail: String) -> SecureStoreError {
        SecureStoreError(.corrupt, path: path, "the store \(path) is corrupt or has been tampered with (\(detail))",
                         hint: "restore it from a backup; nothing was changed")
    }
}
