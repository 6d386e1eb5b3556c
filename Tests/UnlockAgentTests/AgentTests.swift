import Foundation
import TestSupport
import XCTest
@testable import SecureStore
@testable import UnlockAgent

/// The agent's protocol, server and client in this process: a real Unix socket in a temporary runtime directory,
/// real stores and real scrypt (2^17) where a passphrase is involved, and a test clock for timeouts.
final class AgentTests: XCTestCase {
    private var home: TemporaryHome!
    private var location: AgentLocation!
    private var agent: InProcessAgent?
    private let clock = TestClock()

    override func setUpWithError() throws {
        home = try TemporaryHome()
        location = AgentLocation(environment: home.environment)
    }

    override func tearDown() {
        agent?.stop()
        agent = nil
        home = nil
    }

    private func startServer() throws {
        agent = try InProcessAgent(location: location, clock: clock)
    }

    private var client: AgentClient { AgentClient(location: location) }

    private func makeStore(_ secret: UnlockSecret) throws -> (path: String, store: EncryptedStore) {
        let path = home.path + "/store"
        let store = try EncryptedStore.create(at: path, secrets: [secret])
        try store.set(StoredProfile(name: "default", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
        return (path, store)
    }

    /// Sends raw bytes and returns the raw reply body (or nil when the agent closed without one).
    private func raw(_ bytes: [UInt8]) throws -> [UInt8]? {
        let socket = try XCTUnwrap(try AgentSocket.connect(to: location.socketPath))
        bytes.withUnsafeBytes { _ = Glibc.send(socket.fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        return try? socket.receive()
    }

    private func frame(_ body: [UInt8]) -> [UInt8] {
        var writer = AgentWriter()
        writer.u32(UInt32(body.count))
        return writer.bytes + body
    }

    // MARK: - Protocol

    func testRequestsRoundTripAndMalformedBodiesAreRefused() throws {
        let key = SecretBytes(Array(repeating: 7, count: 32))
        let add = AgentRequest.add(storePath: "/s/store", key: key, timeoutSeconds: 900)
        guard case let .add(path, decodedKey, timeout) = try AgentRequest.decode(add.encode()) else {
            return XCTFail("add did not round-trip")
        }
        XCTAssertEqual(path, "/s/store")
        XCTAssertEqual(decodedKey, key)
        XCTAssertEqual(timeout, 900)
        guard case .lock(nil) = try AgentRequest.decode(AgentRequest.lock(storePath: nil).encode()) else {
            return XCTFail("lock did not round-trip")
        }

        func status(_ body: [UInt8]) -> AgentReply.Status? {
            do {
                _ = try AgentRequest.decode(body)
                return nil
            } catch let violation as AgentProtocolViolation {
                return violation.status
            } catch {
                return nil
            }
        }
        let good = add.encode()
        XCTAssertEqual(status([]), .malformed)
        XCTAssertEqual(status([2, 1]), .unsupportedVersion)
        XCTAssertEqual(status([1, 99]), .malformed)
        XCTAssertEqual(status(Array(good.dropLast())), .malformed, "truncated")
        XCTAssertEqual(status(good + [0]), .malformed, "trailing byte")
        XCTAssertEqual(status(AgentRequest.get(storePath: "relative/store").encode()), .malformed)
        XCTAssertEqual(status(AgentRequest.add(storePath: "/s", key: key, timeoutSeconds: 0).encode()), .malformed)
        XCTAssertEqual(status(AgentRequest.add(storePath: "/s", key: SecretBytes(Array(repeating: 1, count: 31)),
                                               timeoutSeconds: 9).encode()), .malformed)
        var overlong = AgentWriter()
        overlong.u8(1)
        overlong.u8(AgentProtocol.Operation.get.rawValue)
        overlong.string("/" + String(repeating: "a", count: AgentProtocol.maximumPathBytes))
        XCTAssertEqual(status(overlong.bytes), .malformed)
    }

    func testTimeoutParsing() {
        XCTAssertEqual(AgentTimeout.seconds("15m"), 900)
        XCTAssertEqual(AgentTimeout.seconds("90"), 90)
        XCTAssertEqual(AgentTimeout.seconds("2h"), 7200)
        XCTAssertEqual(AgentTimeout.seconds("7d"), 604_800)
        for bad in ["", "0", "8d", "m", "-5m", "1.5h", "15x", "99999999999"] {
            XCTAssertNil(AgentTimeout.seconds(bad), bad)
        }
    }

    // MARK: - Server and client

    func testManyUnlocksThroughTheAgentRunNoKDF() throws {
        let passphrase = SecretBytes(utf8: "agent test passphrase")
        let (path, _) = try makeStore(.passphrase(passphrase))
        try startServer()
        let before = KDF.scryptRuns.value
        let unlocked = try EncryptedStore.open(at: path, with: .passphrase(passphrase))
        XCTAssertEqual(KDF.scryptRuns.value, before + 1, "the counter sees the one real unlock")
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(path))
        XCTAssertEqual(try client.send(.add(storePath: canonical, key: unlocked.agentDataKey(), timeoutSeconds: 60))?
            .status, .ok)

        let start = Date()
        for _ in 0..<50 {
            let store = try XCTUnwrap(client.openStore(at: path))
            XCTAssertEqual(try store.profile(named: "default")?.accessKeyID, "AKIAIOSFODNN7EXAMPLE")
        }
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(KDF.scryptRuns.value, before + 1, "50 unlocks through the agent ran scrypt")
        XCTAssertEqual(try client.status()?.keysServed, 50)
        XCTAssertLessThan(elapsed, 5, "50 agent unlocks should take far less than one scrypt each")
        print("agent: 50 unlocks in \(String(format: "%.3f", elapsed)) s, no scrypt")
    }

    func testTimeoutExpiryAndLock() throws {
        let key = try KeyFile.generate(at: home.path + "/key")
        let (path, store) = try makeStore(.keyFile(key))
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(path))
        try startServer()
        XCTAssertEqual(try client.send(.add(storePath: canonical, key: store.agentDataKey(), timeoutSeconds: 1))?
            .status, .ok)
        XCTAssertNotNil(client.openStore(at: path), "the key expired before its timeout")
        clock.advance(by: 1)  // the timeout is over: no sleeping, the agent's clock says so
        XCTAssertEqual(try client.send(.get(storePath: canonical))?.status, .notHeld, "the key outlived its timeout")
        XCTAssertNil(client.openStore(at: path))
        XCTAssertEqual(try client.status()?.keysHeld, 0)

        XCTAssertEqual(try client.send(.add(storePath: canonical, key: store.agentDataKey(), timeoutSeconds: 60))?
            .status, .ok)
        XCTAssertEqual(try client.send(.add(storePath: "/other/store", key: store.agentDataKey(), timeoutSeconds: 60))?
            .status, .ok)
        XCTAssertEqual(try client.send(.lock(storePath: "/other/store"))?.forgotten, 1)
        XCTAssertNotNil(client.openStore(at: path))
        XCTAssertEqual(try client.send(.lock(storePath: nil))?.forgotten, 1)
        XCTAssertNil(client.openStore(at: path))
    }

    func testAnOnDemandAgentExitsAfterItsGracePeriodAndWhenItsLastKeyExpires() throws {
        agent = try InProcessAgent(location: location, exitWhenEmpty: true, clock: clock)
        clock.advance(by: AgentServer.onDemandGraceSeconds - 1)
        XCTAssertNotNil(try client.status(), "the on-demand agent left before its grace period ended")
        let key = try KeyFile.generate(at: home.path + "/key")
        let (path, store) = try makeStore(.keyFile(key))
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(path))
        XCTAssertEqual(try client.send(.add(storePath: canonical, key: store.agentDataKey(), timeoutSeconds: 5))?
            .status, .ok)
        clock.advance(by: 2)  // past the grace period, but it holds a key
        XCTAssertEqual(try client.status()?.keysHeld, 1)
        clock.advance(by: 3)
        // This request wakes the loop, which then finds nothing held and leaves, removing its socket. If the loop
        // saw the advanced clock before accepting, the request is reset instead of answered; if answered, the key is
        // gone.
        if let state = try? client.status() { XCTAssertEqual(state.keysHeld, 0, "the key outlived its timeout") }
        XCTAssertTrue(socketDisappears(), "the on-demand agent outlived its last key")

        agent = try InProcessAgent(location: location, exitWhenEmpty: true, clock: clock)
        XCTAssertNotNil(try client.status(), "the on-demand agent did not start")
        clock.advance(by: AgentServer.onDemandGraceSeconds)
        // Any connection wakes the loop (which sleeps in poll for up to a minute of real time); depending on whether
        // the loop saw the advanced clock before or after accepting, this request is served or reset. Either way
        // the loop then finds its grace period over and leaves.
        _ = try? client.status()
        XCTAssertTrue(socketDisappears(), "the on-demand agent that never got a key outlived its grace period")
    }

    /// Waits up to 5 seconds for the agent's socket to be removed (its loop ended on its own).
    private func socketDisappears() -> Bool {
        for _ in 0..<250 {
            if !FileManager.default.fileExists(atPath: location.socketPath) { return true }
            usleep(20_000)
        }
        return false
    }

    func testAKeyThatNoLongerOpensTheStoreIsForgotten() throws {
        let key = try KeyFile.generate(at: home.path + "/key")
        let (path, _) = try makeStore(.keyFile(key))
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(path))
        try startServer()
        let wrong = SecretBytes(Array(repeating: 0x42, count: 32))
        XCTAssertEqual(try client.send(.add(storePath: canonical, key: wrong, timeoutSeconds: 60))?.status, .ok)
        XCTAssertNil(client.openStore(at: path), "a wrong key must not open the store")
        XCTAssertEqual(try client.send(.get(storePath: canonical))?.status, .notHeld)
    }

    func testMalformedOversizedAndAbandonedRequestsLeaveTheAgentServing() throws {
        try startServer()
        XCTAssertEqual(try raw([0x00, 0x10, 0x00, 0x00]).map { Array($0.prefix(2)) },
                       [1, AgentReply.Status.tooLarge.rawValue])
        XCTAssertEqual(try raw([0, 0, 0, 0]).map { Array($0.prefix(2)) }, [1, AgentReply.Status.tooLarge.rawValue])
        XCTAssertEqual(try raw(frame([1, 0xee, 1, 2, 3])).map { Array($0.prefix(2)) },
                       [1, AgentReply.Status.malformed.rawValue])
        XCTAssertEqual(try raw(frame([9, 1])).map { Array($0.prefix(2)) },
                       [1, AgentReply.Status.unsupportedVersion.rawValue])
        XCTAssertEqual(try raw(frame(Array(repeating: 0xff, count: 4096))).map { Array($0.prefix(2)) },
                       [1, AgentReply.Status.unsupportedVersion.rawValue])
        // Half a frame, then the client goes away: the agent drops it and carries on.
        XCTAssertNil(try raw([0, 0, 0, 40, 1, 3]))
        XCTAssertNotNil(try client.status(), "the agent stopped serving after bad input")
    }

    func testASecondAgentIsRefusedAndAStaleSocketIsReplaced() throws {
        try startServer()
        let second = try AgentServer(location: location, exitWhenEmpty: false)
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .agentAlreadyRunning)
            XCTAssertEqual((error as? UnlockAgentError)?.path, location.socketPath)
        }
        XCTAssertEqual(agent?.stop(), true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: location.socketPath), "a stopped agent leaves its socket")

        // A socket file nobody listens on, as a killed agent leaves behind.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try AgentSocket.address(location.socketPath)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(stale)
        XCTAssertTrue(FileManager.default.fileExists(atPath: location.socketPath))
        XCTAssertNil(try client.status(), "a stale socket must read as 'no agent'")
        try startServer()
        XCTAssertNotNil(try client.status(), "the new agent did not replace the stale socket")
    }

    func testUnsafeAgentDirectoryIsRefused() throws {
        try location.prepare()
        chmod(location.directory, 0o755)
        XCTAssertThrowsError(try client.send(.status)) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .directoryNotPrivate)
            XCTAssertTrue((error as? UnlockAgentError)?.message.contains("mode 755") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try AgentServer(location: location, exitWhenEmpty: false).start())
    }

    func testKeyVaultWipesForgottenKeys() throws {
        let vault = try AgentKeyVault()
        let key = SecretBytes(Array(repeating: 0x5a, count: 32))
        let slot = try XCTUnwrap(vault.store(key))
        XCTAssertEqual(vault.key(at: slot), key)
        vault.forget(slot)
        XCTAssertEqual(vault.key(at: slot), SecretBytes(zeroedCount: 32))
        for _ in 0..<AgentKeyVault.capacity { _ = vault.store(key) }
        XCTAssertNil(vault.store(key), "the vault is bounded")
    }
}
