import Foundation
import TestSupport
import XCTest
@testable import credstore
@testable import UnlockAgent

/// The built binary: `unlock` starts a real daemonised agent, later commands unlock through it with no secret source
/// at all, `lock` and SIGTERM end it, a killed agent's socket is replaced. Commands run under `setsid -w` so no
/// terminal is ever available to prompt on.
final class AgentCLITests: XCTestCase {
    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }
    private var passphraseFile: String!
    private var startedAgents: [pid_t] = []

    override func setUpWithError() throws {
        home = try TemporaryHome()
        passphraseFile = try home.write("agent e2e passphrase\n", to: "secrets/passphrase")
        chmod(passphraseFile, 0o600)
    }

    override func tearDown() {
        // Stop the agent this test started (by its pid, from its own status), then anything we spawned ourselves.
        if let state = try? AgentClient(environment: home.environment).status() { kill(state.processID, SIGTERM) }
        for pid in startedAgents { kill(pid, SIGKILL) }
        home = nil
    }

    @discardableResult
    private func run(_ arguments: [String], environment extra: [String: String] = [:],
                     stdin: String? = nil) throws -> CLIResult {
        let setsid = URL(fileURLWithPath: "/usr/bin/setsid")
        let result = try CLI.runProcess(setsid, ["-w", CLI.executable.path] + arguments,
                                        environment: home.environment.merging(extra) { $1 },
                                        stdin: stdin.map { Data($0.utf8) })
        XCTAssertFalse(result.stdout.contains("agent e2e passphrase") || result.stderr.contains("agent e2e passphrase"))
        return result
    }

    private func agentState() throws -> [String: Any] {
        let result = try run(["agent", "--status", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func testUnlockThenCommandsNeedNoSecretUntilLock() throws {
        XCTAssertEqual(try run(["init", "--passphrase-file", passphraseFile]).status, 0)
        // Without the agent and without a secret source, an unlocking command cannot run at all.
        let locked = try run(["keyslot", "add", "--new-key-file", home.path + "/k0"])
        XCTAssertEqual(locked.status, 83, locked.stderr)

        let unlockStart = Date()
        let unlocked = try run(["unlock", "--passphrase-file", passphraseFile, "--timeout", "5m"])
        let unlockTime = Date().timeIntervalSince(unlockStart)
        XCTAssertEqual(unlocked.status, 0, unlocked.stderr)
        XCTAssertTrue(unlocked.stdout.contains("for 5m"), unlocked.stdout)
        var state = try agentState()
        XCTAssertEqual(state["KeysHeld"] as? Int, 1)
        XCTAssertEqual(state["DumpingDisabled"] as? Bool, true)
        let runtime = home.path + "/run/credstore"
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: runtime)[.posixPermissions] as? Int, 0o700)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: runtime + "/agent.sock")[.posixPermissions]
                       as? Int, 0o600)

        // Each of these unlocks the store with no key file, no passphrase and no terminal: only the agent can have
        // opened it, so no KDF ran. The agent counts the keys it served.
        let start = Date()
        for index in 1...4 {
            let added = try run(["keyslot", "add", "--new-key-file", home.path + "/k\(index)"])
            XCTAssertEqual(added.status, 0, added.stderr)
            let removed = try run(["keyslot", "remove", "1"])
            XCTAssertEqual(removed.status, 0, removed.stderr)
        }
        let perCommand = Date().timeIntervalSince(start) / 8
        state = try agentState()
        XCTAssertEqual(state["KeysServed"] as? Int, 8)

        // The credential_process path: a passphrase-only store, exported repeatedly with no secret source at all.
        let stored = try run(["set", "--profile", "prod", "--access-key", "AKIAIOSFODNN7EXAMPLE"],
                             stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        for _ in 1...10 {
            let exported = try run(["export", "--profile", "prod", "--format", "credential-process"])
            XCTAssertEqual(exported.status, 0, exported.stderr)
            XCTAssertTrue(exported.stdout.hasPrefix("{\"Version\": 1, \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\""))
        }
        state = try agentState()
        XCTAssertEqual(state["KeysServed"] as? Int, 19, "set and every export unlock through the agent")
        print("agent e2e: unlock with passphrase \(String(format: "%.3f", unlockTime)) s; "
              + "each command through the agent \(String(format: "%.3f", perCommand)) s")

        let lock = try run(["lock"])
        XCTAssertEqual(lock.status, 0, lock.stderr)
        XCTAssertTrue(lock.stdout.contains("forgot 1 key"), lock.stdout)
        let after = try run(["keyslot", "add", "--new-key-file", home.path + "/k9"])
        XCTAssertEqual(after.status, 83, "still unlocked after lock: \(after.stderr)")
        // The on-demand agent exits once it holds nothing.
        XCTAssertTrue(waitUntil { !FileManager.default.fileExists(atPath: runtime + "/agent.sock") })
    }

    func testSigtermForgetsAndRemovesTheSocket() throws {
        let key = home.path + "/key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        XCTAssertEqual(try run(["unlock", "--key-file", key]).status, 0)
        let pid = try XCTUnwrap(try agentState()["ProcessId"] as? Int)
        XCTAssertEqual(kill(pid_t(pid), SIGTERM), 0)
        XCTAssertTrue(waitUntil { kill(pid_t(pid), 0) != 0 }, "the agent ignored SIGTERM")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/run/credstore/agent.sock"))
        XCTAssertEqual(try run(["agent", "--status"]).status, 66)
    }

    func testAgentKilledMidRequestFallsBackAndItsStaleSocketIsReplaced() throws {
        let key = home.path + "/key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        XCTAssertEqual(try run(["unlock", "--key-file", key]).status, 0)
        let pid = pid_t(try XCTUnwrap(try agentState()["ProcessId"] as? Int))
        let client = AgentClient(environment: home.environment)

        // Freeze the agent, start a request (the kernel queues the connection), then kill it mid-request.
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        let failed = expectation(description: "the client gives up")
        final class Outcome: @unchecked Sendable { var error: Error? }  // written before `fulfill`, read after
        let outcome = Outcome()
        DispatchQueue.global().async {
            do { _ = try client.send(.status) } catch { outcome.error = error }
            failed.fulfill()
        }
        usleep(300_000)
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        wait(for: [failed], timeout: 10)
        // Depending on timing the kernel reports end of file or a reset; both are an I/O failure, never a hang.
        XCTAssertEqual(outcome.error.flatMap { CLIFailure(classifying: $0) }?.exitCode, .ioError,
                       "\(String(describing: outcome.error))")
        XCTAssertTrue(waitUntil { kill(pid, 0) != 0 })

        // Its socket is left behind; commands treat it as "no agent" and fall back to the key file.
        XCTAssertTrue(FileManager.default.fileExists(atPath: home.path + "/run/credstore/agent.sock"))
        XCTAssertNil(client.openStore(at: storePath))
        let fallback = try run(["keyslot", "add", "--key-file", key, "--new-key-file", home.path + "/k2"])
        XCTAssertEqual(fallback.status, 0, fallback.stderr)
        // A new unlock starts a new agent on the same path.
        let again = try run(["unlock", "--key-file", key])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertNotEqual(try agentState()["ProcessId"] as? Int, Int(pid))
        XCTAssertNotNil(client.openStore(at: storePath))
    }

    /// UnlockAgent's error codes keep the exit codes the CLI gave these failures when the agent lived in it.
    func testEveryUnlockAgentErrorCodeMapsToItsExitCodeAndHint() {
        let expected: [UnlockAgentError.Code: Int32] = [
            .agentAlreadyRunning: 75, .socketInTheWay: 77, .socketPathTooLong: 64, .socketFailure: 74,
            .directoryNotCreated: 74, .directoryNotInspectable: 74, .notADirectory: 77, .directoryNotOwned: 77,
            .fallbackDirectoryNotOwned: 77, .directoryNotPrivate: 77, .foreignAgent: 77, .connectionLost: 74,
            .protocolViolation: 74, .agentDidNotStart: 1, .spawnFailed: 1, .keyMemoryUnavailable: 1,
            .noSecretSource: 83, .noKeyFile: 83, .noInitialPassphrase: 83, .noCurrentPassphrase: 83,
            .noNewPassphrase: 83,
            .passphrasesDiffer: 65, .descriptorUnreadable: 74, .passphraseTooLong: 65,
        ]
        XCTAssertEqual(Set(expected.keys), Set(UnlockAgentError.Code.allCases), "a code without an expected exit code")
        for code in UnlockAgentError.Code.allCases {
            let failure = CLIFailure(classifying: UnlockAgentError(code, path: "/run/x", "message of \(code)"))
            XCTAssertEqual(failure?.exitCode.rawValue, expected[code], "\(code)")
            XCTAssertEqual(failure?.message, "message of \(code)", "\(code)")
        }
        let private700 = CLIFailure(classifying: UnlockAgentError(.directoryNotPrivate, path: "/run/x", "m"))
        XCTAssertEqual(private700?.hint, "run 'chmod 700 /run/x'")
        let noSecret = CLIFailure(classifying: UnlockAgentError(.noSecretSource, path: "/s", "m"))
        XCTAssertEqual(noSecret?.hint, StoreOptions.secretOptionsHint)
    }

    func testUnlockWithAWrongSecretStartsNothing() throws {
        let key = home.path + "/key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        let wrong = try run(["unlock", "--passphrase-file", passphraseFile])
        XCTAssertEqual(wrong.status, 80, wrong.stderr)
        XCTAssertEqual(try run(["agent", "--status"]).status, 66)
        let badTimeout = try run(["unlock", "--key-file", key, "--timeout", "30d"])
        XCTAssertEqual(badTimeout.status, 64, badTimeout.stderr)
    }
}
