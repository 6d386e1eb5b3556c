import Glibc
import SecureStore
import SystemLayer

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
        guard fd >= 0 else { throw UnlockAgentError.system("create a socket", path) }
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
            default: throw UnlockAgentError.system("connect to the agent at", path)
            }
        }
        return socket
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < maximumPathBytes else {
            throw UnlockAgentError(.socketPathTooLong, path: path,
                                   "the agent socket path \(path) is too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        return address
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

    /// Sends `body` as one frame and wipes it (and the framed copy) afterwards: bodies can carry a data key.
    func send(_ body: inout [UInt8]) throws {
        var bytes = AgentProtocol.frame(body)
        defer {
            bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) }
            body.withUnsafeMutableBytes { SecretBytes.wipe($0) }
        }
        var offset = 0
        while offset < bytes.count {
            do {
                offset += try bytes.withUnsafeBytes { buffer in
                    try Syscalls.retryingInterrupts {
                        Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                    }
                }
            } catch {
                throw AgentIOFailure.broken((error as? Errno)?.rawValue ?? EIO)
            }
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
            let got: Int
            do {
                got = try bytes.withUnsafeMutableBytes { buffer in
                    try Syscalls.retryingInterrupts { Glibc.recv(fd, buffer.baseAddress! + total, count - total, 0) }
                }
            } catch {
                throw AgentIOFailure.broken((error as? Errno)?.rawValue ?? EIO)
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
