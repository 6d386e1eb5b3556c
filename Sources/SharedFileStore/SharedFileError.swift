import Glibc

/// The one error type of SharedFileStore.
///
/// Messages name the file (and the line, for malformed input) and say how to fix it without naming the commands or
/// options of a particular program. They never quote the content of a line or a value, because a line of a
/// credentials file may hold a secret.
public struct SharedFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A stable classification of the failure, for exit codes and tests (like swift-system's `Errno`). The raw
    /// values are lowercase-kebab names that never change meaning, e.g. `malformed-file`.
    public enum Code: String, CaseIterable, Sendable, CustomStringConvertible {
        /// The file does not follow the AWS profile-file syntax (or is not UTF-8).
        case malformedFile = "malformed-file"
        /// A profile name, property key or value would corrupt the file or be read back differently.
        case invalidArgument = "invalid-argument"
        /// The profile an edit refers to does not exist.
        case profileNotFound = "profile-not-found"
        /// The profile a rename would create already exists.
        case profileExists = "profile-exists"
        /// Another editor held the file's lock for longer than the bounded wait.
        case locked = "locked"
        /// The operating system refused access to the file or its directory (`EACCES`, `EPERM`).
        case permissionDenied = "permission-denied"
        /// Any other filesystem failure; `errno` holds the cause.
        case ioError = "io-error"
        /// The file (or the file with an edit's new lines) is over 4 GiB - 1 bytes, more than a document can hold.
        case fileTooLarge = "file-too-large"
        /// The path names something other than a regular file (a directory, a device such as `/dev/zero`, a FIFO).
        case notRegularFile = "not-a-regular-file"
        /// A secret would be written into a file (or a directory) that someone other than the user could read,
        /// replace or own: the file has group/other permission bits or another owner, or its directory is another
        /// user's or writable by others without the sticky bit. Nothing was written.
        case unsafePermissions = "unsafe-permissions"

        /// The stable name, e.g. `malformed-file`.
        public var description: String { rawValue }
    }

    enum Kind: Equatable, Sendable {
        case malformed(line: Int, problem: String)
        case notUTF8(line: Int)
        case invalidArgument(String)
        case profileNotFound(String)
        case profileExists(String)
        case locked(lockPath: String, seconds: Double)
        case system(operation: String, errno: Int32)
        case tooLarge(limit: Int)
        case notRegularFile(type: String)
        case unsafeFile(UnsafeFile)
        case secretWithNUL(key: String, profile: String)
    }

    /// Why a file may not receive a secret.
    enum UnsafeFile: Equatable, Sendable {
        case accessibleByOthers(mode: mode_t)
        case foreignOwner(uid: uid_t)
        case directoryForeignOwner(directory: String, uid: uid_t)
        case directoryWritableByOthers(directory: String, mode: mode_t)
        case directoryNotADirectory(directory: String)
    }

    let kind: Kind
    /// The file concerned, when there is one.
    public let path: String?

    init(_ kind: Kind, path: String?) {
        self.kind = kind
        self.path = path
    }

    /// The classification of this error.
    public var code: Code {
        switch kind {
        case .malformed, .notUTF8: return .malformedFile
        case .invalidArgument: return .invalidArgument
        case .profileNotFound: return .profileNotFound
        case .profileExists: return .profileExists
        case .locked: return .locked
        case .tooLarge: return .fileTooLarge
        case .notRegularFile: return .notRegularFile
        case .unsafeFile: return .unsafePermissions
        case .secretWithNUL: return .malformedFile
        case .system(_, let number):
            return number == EACCES || number == EPERM ? .permissionDenied : .ioError
        }
    }

    /// A credential value of a profile (`key`) holds a NUL byte: the environment of a program cannot carry it, and
    /// printing it would hand a different value than the file holds.
    public static func credentialWithNUL(key: String, profile: String, path: String?) -> SharedFileError {
        SharedFileError(.secretWithNUL(key: key, profile: profile), path: path)
    }

    /// The 1-based line of a malformed file, if the error is about one line.
    public var line: Int? {
        switch kind {
        case .malformed(let line, _), .notUTF8(let line): return line
        default: return nil
        }
    }

    /// The `errno` of a failed system call, if that is the cause.
    public var errno: Int32? {
        if case .system(_, let number) = kind { return number }
        return nil
    }

    private var fileName: String { path ?? "<input>" }

    /// A one-line message naming the file and the problem; secret-free.
    public var message: String {
        switch kind {
        case .malformed(let line, let problem):
            return "\(fileName), line \(line): \(problem)"
        case .notUTF8(let line):
            return "\(fileName), line \(line): the file is not valid UTF-8 text"
        case .invalidArgument(let problem):
            return path.map { "\($0): \(problem)" } ?? problem
        case .profileNotFound(let name):
            return "\(fileName): there is no profile '\(name)'"
        case .profileExists(let name):
            return "\(fileName): a profile '\(name)' already exists"
        case .locked(let lockPath, let seconds):
            return "\(fileName) is being edited by another process (lock \(lockPath) still held after "
                + "\(formatSeconds(seconds)) s)"
        case .tooLarge(let limit):
            return "\(fileName) is too large: credstore reads and edits shared files of at most \(limit) bytes, "
                + "including the lines an edit rewrites"
        case .notRegularFile(let type):
            return "\(fileName) is \(type), not a regular file"
        case .secretWithNUL(let key, let profile):
            return "\(fileName): the \(key) of profile '\(profile)' holds a NUL byte, which no program can be handed"
        case .unsafeFile(let reason):
            switch reason {
            case .accessibleByOthers(let mode):
                return "\(fileName) has mode \(String(mode, radix: 8)): group or others may access it, so no secret "
                    + "is written into it; nothing was written"
            case .foreignOwner(let uid):
                return "\(fileName) is owned by uid \(uid), not by you (uid \(geteuid())), so no secret is written "
                    + "into it; nothing was written"
            case .directoryForeignOwner(let directory, let uid):
                return "the directory \(directory) of \(fileName) is owned by uid \(uid), not by you or root, so no "
                    + "secret is written into it; nothing was written"
            case .directoryWritableByOthers(let directory, let mode):
                return "the directory \(directory) of \(fileName) has mode \(String(mode, radix: 8)): others may "
                    + "write it (and it has no sticky bit), so no secret is written into it; nothing was written"
            case .directoryNotADirectory(let directory):
                return "\(directory), the directory of \(fileName), is not a directory; nothing was written"
            }
        case .system(let operation, let number):
            return "\(fileName): \(operation) failed: \(String(cString: strerror(number))) (errno \(number))"
        }
    }

    /// What to do about it, without the commands or options of a particular program.
    public var hint: String {
        switch kind {
        case .malformed:
            return "Fix that line of \(fileName) (each line must be a [section] header, 'key = value', an indented "
                + "continuation of the property above it, a comment starting with # or ;, or blank), then retry."
        case .notUTF8:
            return "Convert \(fileName) to UTF-8 (for example with iconv), then retry."
        case .invalidArgument:
            return "Use a name made of letters, digits and - _ / . % @ : + and a value on one line without "
                + "leading or trailing spaces or a ' #' / ' ;' comment marker."
        case .profileNotFound:
            return "Check the profile name (names are case-sensitive) or create the profile first."
        case .profileExists:
            return "Pick another name, or remove the existing profile first."
        case .locked:
            return "Wait for the other editor to finish and retry; if no other credstore process is running, the "
                + "lock is held by a stuck process that should be stopped."
        case .tooLarge:
            return "Split \(fileName) into smaller files (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE each name "
                + "one), or remove profiles it no longer needs."
        case .notRegularFile:
            return "Point at the credentials or config file itself."
        case .secretWithNUL:
            return "Fix that value in \(fileName): a credential never holds a NUL byte."
        case .unsafeFile(let reason):
            switch reason {
            case .accessibleByOthers:
                return "Run 'chmod 600 \(fileName)' if nobody else could have read it; otherwise treat its secrets "
                    + "as exposed and rotate them."
            case .foreignOwner:
                return "Use a file of your own (another user planted or owns this one), or have root run "
                    + "'chown \(geteuid()) \(fileName)' after checking its content."
            case .directoryForeignOwner(let directory, _):
                return "Keep the file in a directory of your own, or have root run 'chown \(geteuid()) \(directory)'."
            case .directoryWritableByOthers(let directory, _):
                return "Run 'chmod go-w \(directory)' (or 'chmod +t' for a shared directory), or keep the file in a "
                    + "directory of your own."
            case .directoryNotADirectory:
                return "Check the path."
            }
        case .system(_, let number):
            if number == EACCES || number == EPERM {
                return "Check the ownership and permissions of \(fileName) and its directory."
            }
            return "Check that \(fileName) and its directory exist, are writable and that the disk is not full."
        }
    }

    /// `message` followed by the hint.
    public var description: String { "\(message). \(hint)" }

    /// Equal when the kind and the path are: the message and hint follow from them.
    public static func == (lhs: SharedFileError, rhs: SharedFileError) -> Bool {
        lhs.kind == rhs.kind && lhs.path == rhs.path
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
