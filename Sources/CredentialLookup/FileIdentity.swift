import Glibc
import SystemLayer

/// Which file a path names, so that two spellings of one file (`./credentials` run inside `~/.aws`, a symbolic link
/// and its target, `a//b` and `a/b`) compare equal. A place compared by its path string lets `remove` and `default`
/// miss a copy of a key, or count a copy that is about to go as one that stays.
package enum FileIdentity: Hashable, Sendable {
    /// An existing file: its device and inode number.
    case inode(device: UInt64, inode: UInt64)
    /// A file that does not exist (or cannot be looked at): its path made absolute and lexically normalised.
    case path(String)

    /// The identity of the file at `path` (relative paths are taken against the working directory).
    package init(path: String) {
        if let info = try? Syscalls.stat(path) {
            self = .inode(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        } else {
            self = .path(Self.normalized(path))
        }
    }

    /// The identity as one line of text (`inode:DEV:INO` or `path:/ABSOLUTE`), to pass to a child process.
    package var text: String {
        switch self {
        case .inode(let device, let inode): return "inode:\(device):\(inode)"
        case .path(let path): return "path:" + path
        }
    }

    /// Whether `first` and `second` name the same file.
    package static func same(_ first: String, _ second: String) -> Bool {
        first == second || FileIdentity(path: first) == FileIdentity(path: second)
    }

    /// `path` made absolute against the working directory, without `.` and `..` components or repeated slashes.
    static func normalized(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/"), let directory = getcwd(nil, 0) {
            full = String(cString: directory) + "/" + path
            free(directory)
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
