#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of SecureStore: what went wrong, on which file, and what to do about it.
///
/// Messages name the file and the fix and never contain a secret. Classify an error by its `code`, e.g.
/// `error.code == .wrongPassphrase`; filesystem failures keep their `errno`.
public struct SecureStoreError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of a `SecureStoreError`, for mapping to exit codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code (e.g. `wrong-passphrase`).
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The passphrase does not open any passphrase slot of the store.
        public static let wrongPassphrase = Code("wrong-passphrase")
        /// The key file does not open any key-file slot of the store.
        public static let wrongKeyFile = Code("wrong-key-file")
        /// The store file is corrupt, truncated or has been tampered with.
        public static let corrupt = Code("corrupt")
        /// The store file uses a format version this build does not support.
        public static let unsupportedVersion = Code("unsupported-version")
        /// A store or key file is a symlink, not a regular file, owned by someone else, or open to group/others.
        public static let unsafePermissions = Code("unsafe-permissions")
        /// Another process holds the store's write lock.
        public static let locked = Code("locked")
        /// The named profile is not in the store.
        public static let profileNotFound = Code("profile-not-found")
        /// There is no store (or key file) at the path.
        public static let notFound = Code("not-found")
        /// The file to be created already exists (store, key file) or the profile name is taken.
        public static let alreadyExists = Code("already-exists")
        /// An argument is not acceptable: an empty passphrase, a bad profile name, too many slots, the last slot.
        public static let invalidArgument = Code("invalid-argument")
        /// Reading or writing a file failed; `errno` says why.
        public static let io = Code("io")
        /// libcrypto failed at something that should not fail (allocation, an unavailable algorithm).
        public static let cryptoFailure = Code("crypto-failure")

        /// The stable name of the code.
        public var description: String { name }
    }

    /// The classification of this error.
    public let code: Code
    /// The file the error is about, when there is one.
    public let path: String?
    /// The `errno` of a failed system call, when the error came from one.
    public let errno: Int32?
    /// What happened, naming the file.
    public let message: String
    /// What to do about it.
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
