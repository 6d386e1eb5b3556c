import Foundation
import TestSupport
import XCTest

/// The shared test peers themselves work as documented, so tests built on them fail for their own reasons.
final class TestPeerTests: XCTestCase {
    /// MotoServer: the set-up helpers create a user (key handed back through a file), a role trusting exactly that
    /// user and a KMS key; afterwards moto checks signatures (the AWS CLI with the key works, a wrong secret does not).
    func testMotoSetUpThenSignatureChecking() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, setUp: """
            alice = create_user("alice")
            create_role("admin", alice["Arn"])
            create_kms_key("store")
            """)
        let alice = try moto.resources.user("alice")
        XCTAssertEqual(alice.arn, "arn:aws:iam::123456789012:user/alice")
        XCTAssertEqual(try moto.resources.roleARN("admin"), "arn:aws:iam::123456789012:role/admin")
        XCTAssertFalse(try moto.resources.kmsKeyID("store").isEmpty)
        guard let aws = ProcessRunner.which("aws") else {
            throw MissingPeer.error("the moto signature check", needs: "the AWS CLI (aws: not on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        let home = try TemporaryHome()
        // The key goes to a private credentials file in the temporary HOME, never argv or the environment.
        try home.write("[alice]\naws_access_key_id = \(alice.accessKeyID)\naws_secret_access_key = "
                           + "\(alice.secretAccessKey)\n[wrong]\naws_access_key_id = \(alice.accessKeyID)\n"
                           + "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                       to: ".aws/credentials")
        let environment = home.environment.merging(moto.awsEnvironment) { $1 }
        let roleARN = try moto.resources.roleARN("admin")
        let assumed = try ProcessRunner.run(aws, ["sts", "assume-role", "--profile", "alice", "--role-arn", roleARN,
                                                  "--role-session-name", "peer-test",
                                                  "--query", "AssumedRoleUser.Arn", "--output", "text"],
                                            environment: environment)
        XCTAssertEqual(assumed.status, 0, assumed.stderr)
        XCTAssertEqual(assumed.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "arn:aws:sts::123456789012:assumed-role/admin/peer-test")
        let wrong = try ProcessRunner.run(aws, ["sts", "get-caller-identity", "--profile", "wrong"],
                                          environment: environment)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("SignatureDoesNotMatch"), wrong.stderr)
        XCTAssertGreaterThanOrEqual(moto.requestCount(), 2)
        moto.stop()
        XCTAssertFalse(moto.isRunning)
    }

    /// Tinyproxy: a CONNECT to an allowed port is logged; one to a port not allowed is refused.
    func testTinyproxyLogsAndRestrictsConnect() throws {
        let server = try HostileHTTPServer()
        let proxy = try Tinyproxy(connectPorts: [server.port])
        XCTAssertFalse(proxy.sawRequest(toPort: server.port))
        guard let curl = ProcessRunner.which("curl") else { throw XCTSkip("curl is not installed") }
        let environment = ["PATH": "/usr/bin:/bin"]
        let tunnelled = try ProcessRunner.run(curl, ["-sS", "-p", "-x", proxy.url, server.endpoint + "/ok"],
                                              environment: environment)
        XCTAssertEqual(tunnelled.stdout, "hello", tunnelled.stderr)
        XCTAssertTrue(proxy.sawRequest(toPort: server.port), proxy.log())
        let other = LocalPort.free()
        let refused = try ProcessRunner.run(curl, ["-sS", "-p", "-x", proxy.url, "http://127.0.0.1:\(other)/"],
                                            environment: environment)
        XCTAssertNotEqual(refused.status, 0)
    }
}
