import Glibc

/// The one error type of UnlockAgent: what went wrong with the agent, its socket or directory, or the secret sources
/// of a store, naming the socket, directory or file.
///
/// Messages never contain a secret and give no advice about a particular program's options: a caller maps `code` to
/// its own advice (the `credstore` CLI maps each code to a hint and an exit code in one table).
public struct UnlockAgentError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of an `UnlockAgentError`; the raw value is the stable name (e.g. `agent-not-running`).
    public enum Code: String, Sendable, CaseIterable {
        /// Another agent of this user holds the agent lock.
        case agentAlreadyRunning = "agent-already-running"
        /// Something that is not a stale agent socket of this user sits at the socket path.
        case socketInTheWay = "socket-in-the-way"
        /// The socket path does not fit in a Unix socket address.
        case socketPathTooLong = "socket-path-too-long"
        /// A socket, pipe or lock system call failed; `errno` says why.
        case socketFailure = "socket-failure"
        /// The agent directory (or the runtime directory above it) could not be created.
        case directoryNotCreated = "directory-not-created"
        /// The agent directory could not be inspected (`lstat` failed other than with `ENOENT`).
        case directoryNotInspectable = "directory-not-inspectable"
        /// The agent directory is not a directory, or is a symbolic link.
        case notADirectory = "not-a-directory"
        /// The agent directory under `$XDG_RUNTIME_DIR` is owned by another user.
        case directoryNotOwned = "directory-not-owned"
        /// The shared fallback directory (`/tmp/credstore-UID`, used without `$XDG_RUNTIME_DIR`) is owned by another
        /// user, who may have created it to intercept keys.
        case fallbackDirectoryNotOwned = "fallback-directory-not-owned"
        /// The agent directory is open to group or others.
        case directoryNotPrivate = "directory-not-private"
        /// The process listening on the socket runs as another user; nothing was sent.
        case foreignAgent = "foreign-agent"
        /// The agent closed the connection, or a read or write failed or timed out, before a whole reply arrived.
        case connectionLost = "connection-lost"
        /// The agent's reply does not follow the protocol.
        case protocolViolation = "protocol-violation"
        /// An agent was started but did not listen in time.
        case agentDidNotStart = "agent-did-not-start"
        /// The agent process could not be started.
        case spawnFailed = "spawn-failed"
        /// The agent's locked key memory could not be allocated.
        case keyMemoryUnavailable = "key-memory-unavailable"
        /// A store must be unlocked (or created) and no secret source is at hand: no agent key, key file, systemd
        /// credential, passphrase file or descriptor, and no prompt.
        case noSecretSource = "no-secret-source"
        /// The store has no passphrase slot (only a key file opens it), and no key file is at hand: nothing is
        /// prompted for.
        case noKeyFile = "no-key-file"
        /// A new store's passphrase slot needs a passphrase and none is at hand (no file, descriptor or prompt).
        case noInitialPassphrase = "no-initial-passphrase"
        /// Changing a passphrase needs the current one and none is at hand (no file, descriptor or prompt).
        case noCurrentPassphrase = "no-current-passphrase"
        /// A new passphrase is needed and none is at hand (no new-passphrase file or descriptor, no prompt).
        case noNewPassphrase = "no-new-passphrase"
        /// A new passphrase asked twice was not typed the same both times, in every try the prompt allows.
        case passphrasesDiffer = "passphrases-differ"
        /// A passphrase descriptor could not be read; `errno` says why.
        case descriptorUnreadable = "descriptor-unreadable"
        /// A passphrase read from a descriptor is longer than the bound.
        case passphraseTooLong = "passphrase-too-long"
    }

    /// The classification of this error.
    public let code: Code
    /// The socket, directory, store or file the error is about, when there is one.
    public let path: String?
    /// The `errno` of a failed system call, when the error came from one.
    public let errno: Int32?
    /// What happened, naming the socket, directory or file. Never contains a secret.
    public let message: String

    init(_ code: Code, path: String? = nil, errno: Int32? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.errno = errno
        self.message = message
    }

    /// The message. Never contains a secret.
    public var description: String { message }

    /// A failed system call on `path`, with the current `errno`.
    static func system(_ operation: String, _ path: String, code: Code = .socketFailure) -> UnlockAgentError {
        let number = Glibc.errno
        return UnlockAgentError(code, path: path, errno: number,
                                "cannot \(operation) \(path): \(String(cString: strerror(number)))")
    }
}
