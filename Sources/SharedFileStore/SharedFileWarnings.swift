import Glibc

/// Things worth telling the user about a shared file that do not stop a read, handed to a handler the program
/// installs (the library itself never prints).
public enum SharedFileWarnings {
    /// One warning.
    public enum Warning: Equatable, Sendable {
        /// A credentials file that group or others may read (its mode is given): the AWS tools read it anyway, so
        /// credstore does too, but its secrets may be exposed.
        case readableByOthers(path: String, mode: mode_t)

        /// One line, secret-free, naming the file and what to do.
        public var message: String {
            switch self {
            case .readableByOthers(let path, let mode):
                return "\(path) has mode \(String(mode, radix: 8)): group or others may read its secrets; run "
                    + "'chmod 600 \(path)'"
            }
        }
    }

    /// Called for each warning, on the thread that read the file; `nil` drops them. Set it once at start-up, before
    /// any file is read (it is not synchronised).
    nonisolated(unsafe) public static var handler: ((Warning) -> Void)?
}
