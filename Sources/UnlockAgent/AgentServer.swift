import Glibc
import SecureStore

/// Written by the signal handler, read by the agent's poll loop (the self-pipe trick: a handler may only `write`).
nonisolated(unsafe) private var agentSignalPipe: Int32 = -1

/// The unlock agent: holds data keys, per canonical store path, for a bounded time, and hands them only to processes
/// of its own uid over a Unix socket. One request per connection, served one at a time (each bounded by a 2-second
/// socket timeout), so there is no shared state between threads.
public final class AgentServer {
    /// How long an on-demand agent waits for its first key before it exits.
    public static let onDemandGraceSeconds: Int64 = 60
    /// How long one connection may take to send its request or read the reply.
    static let connectionTimeoutSeconds = 2

    /// Where the agent listens.
    public let location: AgentLocation
    /// Exit when the last key is forgotten (or none arrived within the grace period): the `unlock`-started agent.
    public let exitWhenEmpty: Bool
    /// Whether the process is non-dumpable (reported by `status`).
    public var dumpingDisabled = false

    private let vault: AgentKeyVault
    private let clock: any AgentClock
    private var entries: [String: (slot: Int, expiry: Int64)] = [:]
    private var keysServed = 0
    private var hadKey = false
    private let startedAt: Int64
    private var listener: Int32 = -1
    private var lockFD: Int32 = -1
    private var socketIdentity: (dev_t, ino_t)?
    private var wake: [Int32] = [-1, -1]

    /// An agent for `location` that has not started listening yet.
    ///
    /// - Parameters:
    ///   - exitWhenEmpty: exit when the last key is forgotten, or when none arrived within `onDemandGraceSeconds`.
    ///   - clock: the clock that times keys out (the boot-time clock unless a test passes its own).
    /// - Throws: `UnlockAgentError` (`key-memory-unavailable`) when the locked key memory cannot be allocated.
    public init(location: AgentLocation, exitWhenEmpty: Bool, clock: any AgentClock = BootTimeClock()) throws {
        self.location = location
        self.exitWhenEmpty = exitWhenEmpty
        self.clock = clock
        startedAt = clock.now
        vault = try AgentKeyVault()
    }

    deinit {
        shutDown()
        for fd in wake where fd >= 0 { close(fd) }
    }

    /// Takes the agent lock, replaces a stale socket, and listens.
    ///
    /// - Throws: `UnlockAgentError`: `agent-already-running` when another agent is running for this user; a code
    ///   for an unsafe directory or a socket in the way; `socket-failure` when a system call fails.
    public func start() throws {
        try location.prepare()
        lockFD = open(location.lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw UnlockAgentError.system("open the agent lock", location.lockPath) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            lockFD = -1
            throw UnlockAgentError(.agentAlreadyRunning, path: location.socketPath,
                                   "an unlock agent is already running for uid \(getuid()) at \(location.socketPath)")
        }
        // We hold the lock, so whatever socket is there belongs to a dead agent: replace it, if it is ours.
        var info = stat()
        if lstat(location.socketPath, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK, info.st_uid == getuid() else {
                throw UnlockAgentError(.socketInTheWay, path: location.socketPath,
                                       "\(location.socketPath) is in the way and is not a stale agent socket of yours")
            }
            unlink(location.socketPath)
        }
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw UnlockAgentError.system("create the agent socket", location.socketPath) }
        var address = try AgentSocket.address(location.socketPath)
        let previous = umask(0o177)  // the socket is created 0600 from the start, not chmod-ed after a window
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(previous)
        guard bound == 0 else { throw UnlockAgentError.system("bind the agent socket", location.socketPath) }
        _ = chmod(location.socketPath, 0o600)
        guard listen(listener, 16) == 0 else {
            throw UnlockAgentError.system("listen on the agent socket", location.socketPath)
        }
        if lstat(location.socketPath, &info) == 0 { socketIdentity = (info.st_dev, info.st_ino) }
        guard pipe(&wake) == 0 else {
            throw UnlockAgentError.system("create the agent's wake-up pipe for", location.socketPath)
        }
        for fd in wake {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
    }

    /// Makes SIGTERM, SIGINT and SIGHUP stop the loop (which then wipes every key and removes the socket).
    public func stopOnSignals() {
        agentSignalPipe = wake[1]
        let handler: @convention(c) (Int32) -> Void = { _ in
            var byte: UInt8 = 1
            _ = write(agentSignalPipe, &byte, 1)
        }
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { signal(signalNumber, handler) }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Asks a running loop to stop, from any thread (tests; the signal handler does the same).
    public func requestStop() {
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
    }

    /// Serves until stopped, then wipes every key and removes the socket.
    public func run() {
        defer { shutDown() }
        while true {
            expire()
            if exitWhenEmpty, entries.isEmpty, hadKey || clock.now - startedAt >= Self.onDemandGraceSeconds {
                return
            }
            StackScrubber.scrub()  // no copy of a key served or forgotten stays on the stack while the agent waits
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, pollTimeoutMilliseconds())
            if ready < 0 && errno != EINTR { return }
            if fds[1].revents != 0 { return }
            if fds[0].revents & Int16(POLLIN) != 0 { acceptOne() }
        }
    }

    /// Until the next key expires (or the on-demand grace period ends), at most a minute.
    private func pollTimeoutMilliseconds() -> Int32 {
        let now = clock.now
        var until = entries.values.map(\.expiry).min() ?? now + 60
        if exitWhenEmpty && !hadKey { until = min(until, startedAt + Self.onDemandGraceSeconds) }
        let seconds = max(0, min(60, until - now))
        return Int32(seconds * 1000 + 50)
    }

    private func expire() {
        let now = clock.now
        for (path, entry) in entries where entry.expiry <= now {
            vault.forget(entry.slot)
            entries[path] = nil
        }
    }

    private func acceptOne() {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let connection = AgentSocket(adopting: fd)
        connection.setTimeout(seconds: Self.connectionTimeoutSeconds)
        guard let uid = connection.peerUID, uid == getuid() else {
            // Read the request first (bounded by the frame limit and the connection timeout), then refuse: closing
            // on a client that is still sending would break its write (EPIPE) instead of giving it the refusal.
            if var body = try? connection.receive() { body.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
            var refusal = AgentReply(.refused).encode()
            try? connection.send(&refusal)
            return
        }
        var reply: AgentReply
        do {
            var body = try connection.receive()
            defer { body.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
            reply = handle(try AgentRequest.decode(body))
        } catch let violation as AgentProtocolViolation {
            reply = AgentReply(violation.status)
        } catch AgentIOFailure.tooLarge {
            reply = AgentReply(.tooLarge)
        } catch {
            return  // the client went away or stalled; nothing to answer
        }
        var encoded = reply.encode()  // a `get` reply carries the data key; send wipes it
        try? connection.send(&encoded)
    }

    /// Serves one decoded request. Internal so tests can drive it without a socket.
    func handle(_ request: AgentRequest) -> AgentReply {
        expire()
        switch request {
        case .status:
            return AgentReply(.ok, state: AgentReply.AgentState(processID: getpid(), keysHeld: entries.count,
                                                     keysServed: keysServed, memoryLocked: vault.isMemoryLocked,
                                                     dumpingDisabled: dumpingDisabled))
        case let .add(path, key, timeout):
            if let old = entries[path] { vault.forget(old.slot) }
            entries[path] = nil
            guard let slot = vault.store(key) else { return AgentReply(.full) }
            entries[path] = (slot, clock.now + Int64(timeout))
            hadKey = true
            return AgentReply(.ok)
        case let .get(path):
            guard let entry = entries[path] else { return AgentReply(.notHeld) }
            keysServed += 1
            return AgentReply(.ok, key: vault.key(at: entry.slot))
        case let .lock(path):
            var forgotten = 0
            for (held, entry) in entries where path == nil || held == path {
                vault.forget(entry.slot)
                entries[held] = nil
                forgotten += 1
            }
            return AgentReply(.ok, forgotten: forgotten)
        }
    }

    private func shutDown() {
        vault.wipeAll()
        entries = [:]
        if listener >= 0 {
            close(listener)
            listener = -1
            // Remove the socket only if it is still ours (not one a later agent bound after us).
            var info = stat()
            if let identity = socketIdentity, lstat(location.socketPath, &info) == 0,
               info.st_dev == identity.0, info.st_ino == identity.1 {
                unlink(location.socketPath)
            }
        }
        if lockFD >= 0 {
            close(lockFD)
            lockFD = -1
        }
    }
}
