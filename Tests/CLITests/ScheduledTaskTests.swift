import Foundation
import TestSupport
import XCTest
@testable import credstore
@testable import UnlockAgent

/// The scheduled-task recipe with two real OS users: A's store opens for a job run as A with an empty environment
/// (cron style with CREDSTORE_KEY_FILE, systemd style with $CREDENTIALS_DIRECTORY); B can neither read A's files nor
/// open copies of them (the key-file slot is bound to A and this machine); a group-readable key file is refused; A's
/// agent refuses a peer of another uid. Needs root (to create users); skipped otherwise.
final class ScheduledTaskTests: XCTestCase {
    private var base: String!
    private var binary: String!
    private var users: [String] = []
    private var agents: [Process] = []

    override func setUpWithError() throws {
        try MissingPeer.requireRoot("the two-user scheduled-task tests (they create OS users)")
        base = "/tmp/credstore-sched-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base + "/bin", withIntermediateDirectories: true)
        chmod(base, 0o755)
        chmod(base + "/bin", 0o755)
        binary = base + "/bin/credstore"
        try FileManager.default.copyItem(atPath: CLI.executable.path, toPath: binary)
        chmod(binary, 0o755)
    }

    override func tearDown() {
        for agent in agents where agent.isRunning {
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
        }
        for user in users {
            _ = try? CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/userdel"), ["-r", user], environment: [:])
        }
        if let base { try? FileManager.default.removeItem(atPath: base) }
    }

    /// Creates a user with its HOME under the test directory; returns (name, home, uid).
    private func makeUser(_ tag: String) throws -> (name: String, home: String, uid: uid_t) {
        let name = "cs\(tag)\(UUID().uuidString.prefix(6).lowercased())"
        let home = base + "/home-\(tag)"
        let result = try CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/useradd"),
                                        ["-m", "-d", home, "-s", "/bin/sh", name], environment: [:])
        XCTAssertEqual(result.status, 0, result.stderr)
        users.append(name)
        let uid = try XCTUnwrap(getpwnam(name)?.pointee.pw_uid)
        return (name, home, uid)
    }

    /// Runs the copied binary as `user` with exactly `environment` (`env -i`), no terminal.
    private func runAs(_ user: String, _ environment: [String: String], _ arguments: [String],
                       stdin: String? = nil) throws -> CLIResult {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/runuser"),
                                  ["-u", user, "--", "/usr/bin/setsid", "-w", "/usr/bin/env", "-i"] + assignments
                                      + [binary] + arguments,
                                  environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                                  stdin: stdin.map { Data($0.utf8) })
    }

    func testJobAsTheStoreOwnerWithAnEmptyEnvironmentAndAnotherUserLockedOut() throws {
        let a = try makeUser("a")
        let b = try makeUser("b")
        let keyA = a.home + "/.config/credstore/store.key"
        let storeA = a.home + "/.local/share/credstore/store"
        let setup = ["HOME": a.home, "PATH": "/usr/bin:/bin"]

        // Set-up, as A (the recipe in README "Scheduled tasks").
        let created = try runAs(a.name, setup, ["init", "--key-file", keyA, "--no-passphrase", "--bind-to-machine"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(created.stdout.contains("bound to this machine"), created.stdout)
        let stored = try runAs(a.name, setup.merging(["CREDSTORE_KEY_FILE": keyA]) { $1 },
                               ["set", "--profile", "nightly", "--access-key", "AKIAIOSFODNN7EXAMPLE",
                                "--region", "eu-west-1"],
                               stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        // The job: cron style (only HOME and the key file path) and systemd style ($CREDENTIALS_DIRECTORY).
        // systemd's LoadCredential= lays the key out root-owned, 0400 plus a read ACL for the service user, which
        // stat shows as mode 0440 (src/core/exec-credential.c); root:A's group 0440 gives the same stat and access.
        let credentials = base + "/credentials-a"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: keyA, toPath: credentials + "/credstore.key")
        let gid = try XCTUnwrap(getpwnam(a.name)?.pointee.pw_gid)
        XCTAssertEqual(chown(credentials, 0, gid), 0)
        XCTAssertEqual(chmod(credentials, 0o550), 0)
        XCTAssertEqual(chown(credentials + "/credstore.key", 0, gid), 0)
        XCTAssertEqual(chmod(credentials + "/credstore.key", 0o440), 0)
        XCTAssertEqual(try runAs(a.name, setup, ["keyslot", "list"]).status, 0)
        let cron = ["HOME": a.home, "CREDSTORE_KEY_FILE": keyA]
        let systemd = ["HOME": a.home, "CREDENTIALS_DIRECTORY": credentials]
        for (index, environment) in [cron, systemd].enumerated() {
            // The job gets the credentials: as an AWS CLI credential_process would, and as `exec` hands them on.
            let export = try runAs(a.name, environment,
                                   ["export", "--profile", "nightly", "--format", "credential-process"])
            XCTAssertEqual(export.status, 0, "job \(index): \(export.stderr)")
            let reply = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(reply?["Version"] as? Int, 1, "job \(index)")
            XCTAssertEqual(reply?["AccessKeyId"] as? String, "AKIAIOSFODNN7EXAMPLE", "job \(index)")
            let exec = try runAs(a.name, environment,
                                 ["exec", "--profile", "nightly", "--", "/bin/sh", "-c",
                                  "echo \"$AWS_ACCESS_KEY_ID $AWS_REGION ${CREDSTORE_KEY_FILE:-none} "
                                      + "${CREDENTIALS_DIRECTORY:-none}\""])
            XCTAssertEqual(exec.status, 0, "job \(index): \(exec.stderr)")
            XCTAssertEqual(exec.stdout, "AKIAIOSFODNN7EXAMPLE eu-west-1 none none\n", "job \(index)")
            // The job can also write the store (e.g. rotate its own key material).
            let job = try runAs(a.name, environment,
                                ["keyslot", "add", "--new-key-file", a.home + "/extra\(index).key"])
            XCTAssertEqual(job.status, 0, "job \(index): \(job.stderr)")
            XCTAssertEqual(try runAs(a.name, environment, ["keyslot", "remove", "1"]).status, 0)
        }

        // B can read neither A's store nor A's key file.
        let bEnvironment = ["HOME": b.home]
        let readStore = try runAs(b.name, bEnvironment, ["keyslot", "list", "--store", storeA])
        XCTAssertNotEqual(readStore.status, 0)
        XCTAssertTrue(readStore.stderr.contains("Permission denied"), readStore.stderr)
        let readKey = try runAs(b.name, bEnvironment,
                                ["keyslot", "add", "--store", storeA, "--key-file", keyA,
                                 "--new-key-file", b.home + "/x"])
        XCTAssertNotEqual(readKey.status, 0)
        XCTAssertTrue(readKey.stderr.contains("Permission denied"), readKey.stderr)

        // B with copies of both (as if taken from a backup): the bound slot does not open for B.
        let copyStore = b.home + "/stolen/store", copyKey = b.home + "/stolen/store.key"
        try FileManager.default.createDirectory(atPath: b.home + "/stolen", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: storeA, toPath: copyStore)
        try FileManager.default.copyItem(atPath: keyA, toPath: copyKey)
        for path in [b.home + "/stolen", copyStore, copyKey] {
            XCTAssertEqual(chown(path, b.uid, b.uid), 0)
            chmod(path, path.hasSuffix("stolen") ? 0o700 : 0o600)
        }
        let copied = try runAs(b.name, bEnvironment, ["keyslot", "add", "--store", copyStore, "--key-file", copyKey,
                                                      "--new-key-file", b.home + "/y"])
        XCTAssertEqual(copied.status, 80, copied.stderr)
        XCTAssertTrue(copied.stderr.contains("bound to the machine and user"), copied.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: b.home + "/y"))

        // A group-readable key file is refused, with the fix.
        XCTAssertEqual(chmod(keyA, 0o640), 0)
        let exposed = try runAs(a.name, cron, ["keyslot", "add", "--new-key-file", a.home + "/z.key"])
        XCTAssertEqual(exposed.status, 77, exposed.stderr)
        XCTAssertTrue(exposed.stderr.contains("chmod 600 \(keyA)"), exposed.stderr)
    }

    func testTheAgentRefusesAPeerOfAnotherUID() throws {
        let a = try makeUser("c")
        let b = try makeUser("d")
        let runtime = a.home + "/run"
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        agent.arguments = ["--reuid=\(a.uid)", "--regid=\(a.uid)", "--init-groups", "/usr/bin/env", "-i",
                           "HOME=\(a.home)", "XDG_RUNTIME_DIR=\(runtime)", binary, "agent"]
        agent.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        agent.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try agent.run()
        agents.append(agent)
        let location = AgentLocation(environment: ["XDG_RUNTIME_DIR": runtime])
        var socket: AgentSocket?
        for _ in 0..<100 where socket == nil {
            socket = try? AgentSocket.connect(to: location.socketPath)
            if socket == nil { usleep(50_000) }
        }
        // Root can reach the socket file; the agent's SO_PEERCRED check still refuses uid 0.
        let connection = try XCTUnwrap(socket, "A's agent did not start")
        XCTAssertEqual(connection.peerUID, a.uid)
        var status = AgentRequest.status.encode()
        try connection.send(&status)
        let reply = try AgentReply.decode(try connection.receive(), for: .status)
        XCTAssertEqual(reply.status, .refused)
        XCTAssertNil(reply.state)

        // B cannot even reach it: the directory is A's and mode 0700.
        let probe = try runAs(b.name, ["HOME": b.home, "XDG_RUNTIME_DIR": runtime], ["agent", "--status"])
        XCTAssertNotEqual(probe.status, 0)
        XCTAssertTrue(probe.stderr.contains("not by you") || probe.stderr.contains("Permission denied"), probe.stderr)
        XCTAssertTrue(agent.isRunning, "a refused peer must not stop the agent")
    }
}
