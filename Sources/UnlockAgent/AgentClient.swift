import Glibc
import SecureStore
import SystemLayer

/// Talks to the unlock agent of the current user.
package struct AgentClient: Sendable {
    /// Where the agent listens.
    package let location: AgentLocation

    /// The client of the agent `environment` points at (through `XDG_RUNTIME_DIR`).
    package init(environment: [String: String]) {
        location = AgentLocation(environment: environment)
    }

    /// The client of the agent at `location`.
    package init(location: AgentLocation) {
        self.location = location
    }

    /// Sends one request and returns the reply, or `nil` when no agent is running (no directory, no socket, or a
    /// stale socket nobody listens on).
    ///
    /// - Throws: `UnlockAgentError` when the agent directory is unsafe, the agent is not ours (`foreign-agent`), it
    ///   died mid-request (`connection-lost`), or it broke the protocol (`protocol-violation`).
    package func send(_ request: AgentRequest) throws -> AgentReply? {
        guard try location.check() else { return nil }
        guard let socket = try AgentSocket.connect(to: location.socketPath) else { return nil }
        // Never hand a key to, or take one from, a process of another user that managed to bind our path.
        guard let uid = socket.peerUID, uid == getuid() else {
            throw UnlockAgentError(.foreignAgent, path: location.socketPath,
                                   "the process listening on \(location.socketPath) does not run as you; nothing "
                                       + "was sent")
        }
        do {
            var encoded = request.encode()  // an `add` request carries the data key; send wipes it
            try socket.send(&encoded)
            var body = try socket.receive()
            defer { body.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
            return try AgentReply.decode(body, for: request)
        } catch AgentIOFailure.closed {
            throw UnlockAgentError(.connectionLost, path: location.socketPath,
                                   "the unlock agent at \(location.socketPath) closed the connection before answering "
                                       + "(it may have been stopped)")
        } catch AgentIOFailure.broken(let code) {
            throw UnlockAgentError(.connectionLost, path: location.socketPath, errno: code,
                                   "talking to the unlock agent at \(location.socketPath) failed: "
                                       + String(cString: strerror(code)))
        } catch {
            throw UnlockAgentError(.protocolViolation, path: location.socketPath,
                                   "the unlock agent at \(location.socketPath) sent a reply this credstore does not "
                                       + "understand")
        }
    }

    /// The agent's state, or `nil` when none is running.
    package func status() throws -> AgentReply.AgentState? {
        try send(.status)?.state
    }

    /// Opens the store at `path` with a key the agent holds; `nil` when there is no agent, it holds no key for this
    /// store, or anything about the agent fails: the caller then goes on with its other secret sources. A key that no
    /// longer opens the store (the data key was rotated, or another store now sits at the path) is forgotten, unless
    /// `forgettingStaleKey` is false (a command that only shows the store leaves the agent as it found it).
    package func openStore(at path: String, forgettingStaleKey: Bool = true) -> EncryptedStore? {
        // No agent directory, no agent: one lstat, before realpath's readlink per component of the store path.
        guard (try? location.check()) == true, let canonical = Self.canonicalPath(path),
              let reply = try? send(.get(storePath: canonical)), reply.status == .ok, let key = reply.key
        else { return nil }
        do {
            return try EncryptedStore.open(at: path, agentDataKey: key)
        } catch let error as SecureStoreError where error.code == .wrongKeyFile {
            if forgettingStaleKey { _ = try? send(.lock(storePath: canonical)) }
            return nil
        } catch {
            return nil  // the normal chain reports this store's problem with its own message
        }
    }

    /// The absolute, symlink-free path the agent files a store's key under; `nil` when `path` does not resolve.
    package static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Makes sure an agent is listening, starting one in the background (new session, stdio on /dev/null) when
    /// none is.
    ///
    /// - Parameters:
    ///   - arguments: the arguments (after the program name) that make `executable` run an agent that exits when
    ///     it holds no key, e.g. `["agent", "--on-demand"]` for `credstore`.
    ///   - executable: the program to start; `nil` for this process's own executable.
    ///   - clock: the clock the 5 seconds are waited on (polling every 50 ms).
    /// - Returns: the agent's state.
    /// - Throws: `UnlockAgentError`: `spawn-failed`, `agent-did-not-start` (no listener within 5 seconds), or what
    ///   `send` throws.
    package func ensureRunning(arguments: [String], executable: String? = nil,
                               clock: any Clock = MonotonicClock()) throws -> AgentReply.AgentState {
        if let state = try status() { return state }
        try spawnAgent(arguments: arguments, executable: executable)
        for _ in 0..<100 {
            if let state = try status() { return state }
            clock.sleep(seconds: 0.05)
        }
        throw UnlockAgentError(.agentDidNotStart, path: location.socketPath,
                               "the unlock agent did not start listening on \(location.socketPath) within 5 seconds")
    }

    private func spawnAgent(arguments: [String], executable: String?) throws {
        guard let executable = executable ?? Self.canonicalPath("/proc/self/exe") else {
            throw UnlockAgentError(.spawnFailed, path: "/proc/self/exe",
                                   "cannot find this program's executable (/proc/self/exe) to start the agent")
        }
        // Inherited descriptors must not reach the daemon: a parent waiting for end of file on a pipe or socket it
        // gave us (a test harness, `$(credstore unlock)`) would otherwise wait for as long as the agent lives.
        do {
            _ = try Spawn.spawn(executable, arguments: [executable] + arguments, environment: nil,
                                standardInput: .null, standardOutput: .null, standardError: .null, newSession: true,
                                closingInheritedDescriptors: true)
        } catch {
            throw UnlockAgentError(.spawnFailed, path: executable, errno: error.rawValue,
                                   "cannot start the unlock agent (\(executable)): \(error)")
        }
    }
}
