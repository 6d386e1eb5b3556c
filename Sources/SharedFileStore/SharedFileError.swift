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
        case .system(_, let number):
            return number == EACCES || number == EPERM ? .permissionDenied : .ioError
        }
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
        case .system(_, let number):
            if number == EACCES || number == EPERM {
                return "Check the ownership and permissions of \(fileName) and its directory."
            }
            return "Check that \(fileName) and its directory exist, are writable and that the disk is not full."
        }
    }

    /// `message` followed by the hint.
    public var description: String { "\(message). \(hint)" }

    public static func == (lhs: SharedFileError, rhs: SharedFileError) -> Bool {
        lhs.kind == rhs.kind && lhs.path == rhs.path
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
