import CredentialLookup
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the unlock agent listens: `$XDG_RUNTIME_DIR/credstore/agent.sock`, else `/tmp/credstore-UID/agent.sock`.
/// The directory must be a real directory (not a symlink), owned by the user, with no group/other permissions.
struct AgentLocation: Equatable {
    /// The agent's private directory.
    var directory: String
    /// Whether `directory` is the /tmp fallback (XDG_RUNTIME_DIR unset), which another user could have pre-created.
    var isFallback: Bool

    var socketPath: String { directory + "/agent.sock" }
    var lockPath: String { directory + "/agent.lock" }

    init(environment: [String: String]) {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            directory = (runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime) + "/credstore"
            isFallback = false
        } else {
            directory = "/tmp/credstore-\(getuid())"
            isFallback = true
        }
    }

    /// Agent side: creates the directory (and a missing `$XDG_RUNTIME_DIR`) with mode 0700, then checks it.
    func prepare() throws {
        let parent = Self.parent(of: directory)
        if !isFallback, !exists(parent) { try make(parent) }
        if !exists(directory) { try make(directory) }
        guard try check() else {
            throw CLIFailure("cannot create the agent directory \(directory)", exitCode: .ioError)
        }
        guard socketPath.utf8.count < AgentSocket.maximumPathBytes else {
            throw CLIFailure("the agent socket path \(socketPath) is longer than a Unix socket allows",
                             hint: "set XDG_RUNTIME_DIR to a shorter directory", exitCode: .usage)
        }
    }

    /// Checks the directory: `false` when it does not exist; throws when it is unsafe to use.
    func check() throws -> Bool {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            if errno == ENOENT { return false }
            throw CLIFailure("cannot inspect the agent directory \(directory): \(String(cString: strerror(errno)))",
                             hint: "check its permissions", exitCode: .ioError)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw CLIFailure("the agent directory \(directory) is not a directory (or is a symbolic link)",
                             hint: "remove it; the agent recreates it with mode 0700", exitCode: .unsafePermissions)
        }
        guard info.st_uid == getuid() else {
            throw CLIFailure("the agent directory \(directory) is owned by uid \(info.st_uid), not by you "
                             + "(uid \(getuid())); someone may be trying to intercept your keys",
                             hint: isFallback ? "set XDG_RUNTIME_DIR to a private directory, or have root remove "
                                 + directory : "remove it; the agent recreates it", exitCode: .unsafePermissions)
        }
        guard info.st_mode & 0o077 == 0 else {
            throw CLIFailure("the agent directory \(directory) has mode \(String(info.st_mode & 0o777, radix: 8)): "
                             + "group or others may reach the agent",
                             hint: "run 'chmod 700 \(directory)'", exitCode: .unsafePermissions)
        }
        return true
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private func make(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw CLIFailure("cannot create the agent directory \(path): \(String(cString: strerror(errno)))",
                             hint: "check that the parent directory exists and is yours", exitCode: .ioError)
        }
        _ = chmod(path, 0o700)  // mkdir's mode is filtered by the umask
    }
}

/// A connected Unix stream socket with frame I/O, time-limited so that neither side can stall the other.
final class AgentSocket {
    /// `sizeof(sockaddr_un.sun_path)`.
    static let maximumPathBytes = 108

    let fd: Int32

    init(adopting fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to the socket at `path`; `nil` when nobody listens there (no file, or a stale socket).
    static func connect(to path: String, timeoutSeconds: Int = 5) throws -> AgentSocket? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw systemFailure("create a socket", path) }
        let socket = AgentSocket(adopting: fd)
        socket.setTimeout(seconds: timeoutSeconds)
        var address = try address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            switch errno {
            case ENOENT, ECONNREFUSED, ENOTDIR: return nil
            default: throw systemFailure("connect to the agent at", path)
            }
        }
        return socket
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < maximumPathBytes else {
            throw CLIFailure("the agent socket path \(path) is too long for a Unix socket",
                             hint: "set XDG_RUNTIME_DIR to a shorter directory", exitCode: .usage)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        return address
    }

    static func systemFailure(_ operation: String, _ path: String) -> CLIFailure {
        CLIFailure("cannot \(operation) \(path): \(String(cString: strerror(errno)))",
                   hint: "check that the agent directory is yours; 'credstore agent' recreates the socket",
                   exitCode: .ioError)
    }

    /// Bounds every read and write, so a silent peer cannot hold the agent (which serves one client at a time).
    func setTimeout(seconds: Int) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The uid of the process at the other end (`SO_PEERCRED`), or `nil` if the kernel does not say.
    var peerUID: uid_t? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } is not imported without _GNU_SOURCE.
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        else { return nil }
        return credentials.1
    }

    /// Sends one frame.
    /// Sends `body` as one frame and wipes it (and the framed copy) afterwards: bodies can carry a data key.
    func send(_ body: inout [UInt8]) throws {
        var bytes = AgentProtocol.frame(body)
        defer {
            bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) }
            body.withUnsafeMutableBytes { SecretBytes.wipe($0) }
        }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw AgentIOFailure.broken(errno)
            }
            offset += sent
        }
    }

    /// Receives one frame body; refuses an announced length of 0 or over `AgentProtocol.maximumBody` before
    /// reading the body.
    func receive() throws -> [UInt8] {
        let length = AgentProtocol.announcedLength(try readExactly(AgentProtocol.headerSize))
        guard AgentProtocol.bodyLengths.contains(length) else { throw AgentIOFailure.tooLarge(length) }
        return try readExactly(length)
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + total, count - total, 0) }
            if got < 0 {
                if errno == EINTR { continue }
                throw AgentIOFailure.broken(errno)
            }
            if got == 0 { throw AgentIOFailure.closed }
            total += got
        }
        return bytes
    }
}

/// How a frame exchange failed.
enum AgentIOFailure: Error {
    /// The peer closed the connection before a whole frame arrived (for example, the agent died mid-request).
    case closed
    /// A read or write failed or timed out.
    case broken(Int32)
    /// The announced length is 0 or over the bound.
    case tooLarge(Int)
}
