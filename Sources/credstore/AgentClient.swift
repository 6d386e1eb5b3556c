import CredentialLookup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Talks to the unlock agent of the current user.
struct AgentClient {
    let location: AgentLocation

    init(environment: [String: String]) {
        location = AgentLocation(environment: environment)
    }

    init(location: AgentLocation) {
        self.location = location
    }

    /// Sends one request and returns the reply, or `nil` when no agent is running (no directory, no socket, or a
    /// stale socket nobody listens on).
    ///
    /// - Throws: `CLIFailure` when the agent directory is unsafe, the agent is not ours, it died mid-request, or it
    ///   broke the protocol.
    func send(_ request: AgentRequest) throws -> AgentReply? {
        guard try location.check() else { return nil }
        guard let socket = try AgentSocket.connect(to: location.socketPath) else { return nil }
        // Never hand a key to, or take one from, a process of another user that managed to bind our path.
        guard let uid = socket.peerUID, uid == getuid() else {
            throw CLIFailure("the process listening on \(location.socketPath) does not run as you; nothing was sent",
                             hint: "remove \(location.socketPath) and start the agent again",
                             exitCode: .unsafePermissions)
        }
        do {
            var encoded = request.encode()  // an `add` request carries the data key; send wipes it
            try socket.send(&encoded)
            var body = try socket.receive()
            defer { body.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
            return try AgentReply.decode(body, for: request)
        } catch AgentIOFailure.closed {
            throw CLIFailure("the unlock agent at \(location.socketPath) closed the connection before answering "
                             + "(it may have been stopped)", hint: "run 'credstore unlock' again", exitCode: .ioError)
        } catch AgentIOFailure.broken(let code) {
            throw CLIFailure("talking to the unlock agent at \(location.socketPath) failed: "
                             + String(cString: strerror(code)), hint: "run 'credstore unlock' again",
                             exitCode: .ioError)
        } catch {
            throw CLIFailure("the unlock agent at \(location.socketPath) sent a reply this credstore does not "
                             + "understand", hint: "stop it with 'credstore agent --stop' and unlock again",
                             exitCode: .ioError)
        }
    }

    /// The agent's state, or `nil` when none is running.
    func status() throws -> AgentReply.AgentState? {
        try send(.status)?.state
    }

    /// Opens the store at `path` with a key the agent holds; `nil` when there is no agent, it holds no key for this
    /// store, or anything about the agent fails: the caller then goes on with its other secret sources. A key that no
    /// longer opens the store (the data key was rotated, or another store now sits at the path) is forgotten.
    func openStore(at path: String) -> EncryptedStore? {
        guard let canonical = Self.canonicalPath(path),
              let reply = try? send(.get(storePath: canonical)), reply.status == .ok, let key = reply.key
        else { return nil }
        do {
            return try EncryptedStore.open(at: path, agentDataKey: key)
        } catch let error as SecureStoreError where error.code == .wrongKeyFile {
            _ = try? send(.lock(storePath: canonical))
            return nil
        } catch {
            return nil  // the normal chain reports this store's problem with its own message
        }
    }

    /// The absolute, symlink-free path the agent files a store's key under.
    static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Makes sure an agent is listening, starting one in the background (new session, stdio on /dev/null) when
    /// none is.
    ///
    /// - Returns: the agent's state.
    func ensureRunning() throws -> AgentReply.AgentState {
        if let state = try status() { return state }
        try spawnAgent()
        for _ in 0..<100 {
            if let state = try status() { return state }
            usleep(50_000)
        }
        throw CLIFailure("the unlock agent did not start listening on \(location.socketPath) within 5 seconds",
                         hint: "run 'credstore agent' in a terminal to see why", exitCode: .failure)
    }

    private func spawnAgent() throws {
        guard let executable = Self.canonicalPath("/proc/self/exe") else {
            throw CLIFailure("cannot find the credstore executable to start the agent", exitCode: .failure)
        }
        // Inherited descriptors must not reach the daemon: a parent waiting for end of file on a pipe or socket it
        // gave us (a test harness, `$(credstore unlock)`) would otherwise wait for as long as the agent lives.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(entry), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let setSession: Int16 = 0x80  // POSIX_SPAWN_SETSID (glibc), not imported into Swift
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, setSession | Int16(POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let arguments = [executable, "agent", "--on-demand"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw CLIFailure("cannot start the unlock agent (\(executable)): \(String(cString: strerror(result)))",
                             exitCode: .failure)
        }
    }
}
