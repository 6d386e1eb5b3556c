import Glibc
import SystemLayer

/// Where the unlock agent listens: `$XDG_RUNTIME_DIR/credstore/agent.sock`, else `/tmp/credstore-UID/agent.sock`.
/// The directory must be a real directory (not a symlink), owned by the user, with no group/other permissions.
package struct AgentLocation: Equatable, Sendable {
    /// The agent's private directory.
    package var directory: String
    /// Whether `directory` is the /tmp fallback (XDG_RUNTIME_DIR unset), which another user could have pre-created.
    package var isFallback: Bool

    /// The agent's Unix socket.
    package var socketPath: String { directory + "/agent.sock" }
    /// The file the running agent holds an exclusive `flock` on: one agent per directory.
    package var lockPath: String { directory + "/agent.lock" }

    /// The location for `environment` (only `XDG_RUNTIME_DIR` is read).
    package init(environment: [String: String]) {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            directory = (runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime) + "/credstore"
            isFallback = false
        } else {
            directory = "/tmp/credstore-\(getuid())"
            isFallback = true
        }
    }

    /// Agent side: creates the directory (and a missing `$XDG_RUNTIME_DIR`) with mode 0700, then checks it.
    ///
    /// - Throws: `UnlockAgentError` when the directory cannot be created or is unsafe, or the socket path is too long.
    func prepare() throws {
        let parent = PathName.directory(of: directory)
        if !isFallback, !exists(parent) { try make(parent) }
        if !exists(directory) { try make(directory) }
        guard try check() else {
            throw UnlockAgentError(.directoryNotCreated, path: directory,
                                   "cannot create the agent directory \(directory)")
        }
        guard socketPath.utf8.count < AgentSocket.maximumPathBytes else {
            throw UnlockAgentError(.socketPathTooLong, path: socketPath,
                                   "the agent socket path \(socketPath) is longer than a Unix socket allows")
        }
    }

    /// Checks the directory: `false` when it does not exist.
    ///
    /// - Throws: `UnlockAgentError` when it is unsafe to use (not a directory, not the user's, open to others) or
    ///   cannot be inspected.
    func check() throws -> Bool {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            if errno == ENOENT { return false }
            throw UnlockAgentError.system("inspect the agent directory", directory, code: .directoryNotInspectable)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw UnlockAgentError(.notADirectory, path: directory,
                                   "the agent directory \(directory) is not a directory (or is a symbolic link)")
        }
        guard info.st_uid == getuid() else {
            throw UnlockAgentError(isFallback ? .fallbackDirectoryNotOwned : .directoryNotOwned, path: directory,
                                   "the agent directory \(directory) is owned by uid \(info.st_uid), not by you "
                                       + "(uid \(getuid())); someone may be trying to intercept your keys")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw UnlockAgentError(.directoryNotPrivate, path: directory,
                                   "the agent directory \(directory) has mode \(String(info.st_mode & 0o777, radix: 8))"
                                       + ": group or others may reach the agent")
        }
        return true
    }

    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private func make(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw UnlockAgentError.system("create the agent directory", path, code: .directoryNotCreated)
        }
        _ = chmod(path, 0o700)  // mkdir's mode is filtered by the umask
    }
}
