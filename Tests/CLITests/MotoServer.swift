import Foundation
import TestSupport
import XCTest

/// A real `moto` server on 127.0.0.1, started for one test case and stopped by PID afterwards.
///
/// In signature-checking mode (`INITIAL_NO_AUTH_ACTION_COUNT=3`) the three unauthenticated calls create an IAM user,
/// give it an allow-all policy and create its access key; after that moto verifies SigV4 signatures, so a wrong secret
/// gets `SignatureDoesNotMatch`. The created key is moto's own random test key, never printed.
final class MotoServer {
    let port: Int
    let process: Process
    var endpoint: String { "http://127.0.0.1:\(port)" }
    /// The access key moto created in signature-checking mode.
    private(set) var accessKeyID = ""
    /// Its secret; kept only for the test that stores it in credstore, never printed.
    private(set) var secretAccessKey = ""

    /// Starts moto on a free port; skips the test when moto or the AWS CLI is not installed.
    init(checkSignatures: Bool) throws {
        let area = "the AWS CLI and moto interop tests"
        let remedy = "run Scripts/bootstrap --test (it installs python3, the AWS CLI and moto[server])"
        guard let python = CLI.which("python3") else {
            throw MissingPeer.error(area, needs: "python3 (not found on PATH)", remedy: remedy)
        }
        guard CLI.which("aws") != nil else {
            throw MissingPeer.error(area, needs: "the AWS CLI (aws: not found on PATH)", remedy: remedy)
        }
        guard (try? CLI.runProcess(python, ["-c", "import moto.server, flask_cors"], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/",
        ], stdin: nil))?.status == 0 else {
            throw MissingPeer.error(area, needs: "moto[server] (python3 cannot import moto.server)", remedy: remedy)
        }
        port = MotoServer.freePort()
        process = Process()
        process.executableURL = python
        process.arguments = ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        if checkSignatures { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3" }
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try waitUntilReady()
        if checkSignatures { try createSignedUser() }
    }

    deinit { stop() }

    /// Stops the server by its PID and waits for it.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// Environment for running `aws` against this server with the given HOME-based environment.
    func awsEnvironment(_ base: [String: String]) -> [String: String] {
        var environment = base
        environment["AWS_DEFAULT_REGION"] = environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        environment["AWS_PAGER"] = ""
        return environment
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if MotoServer.canConnect(port: port) { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        stop()
        throw MissingPeer.error("the AWS CLI and moto interop tests",
                                needs: "a moto server answering on 127.0.0.1:\(port) within 30 s (it did not)",
                                remedy: "check that 'python3 -m moto.server' starts here")
    }

    private func createSignedUser() throws {
        guard let aws = CLI.which("aws") else { return }
        let home = try TemporaryHome()
        var environment = awsEnvironment(home.environment)
        environment["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
        environment["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let base = ["--endpoint-url", endpoint, "--output", "json"]
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        for arguments in [
            ["iam", "create-user", "--user-name", "credstore-test"],
            ["iam", "put-user-policy", "--user-name", "credstore-test", "--policy-name", "all",
             "--policy-document", policy],
        ] {
            let result = try CLI.runProcess(aws, base + arguments, environment: environment)
            guard result.status == 0 else { throw MotoError.setup("aws \(arguments[1]) failed: \(result.stderr)") }
        }
        let created = try CLI.runProcess(
            aws, base + ["iam", "create-access-key", "--user-name", "credstore-test"], environment: environment)
        guard created.status == 0,
              let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any],
              let key = object["AccessKey"] as? [String: Any],
              let id = key["AccessKeyId"] as? String, let secret = key["SecretAccessKey"] as? String
        else { throw MotoError.setup("aws iam create-access-key failed") }
        accessKeyID = id
        secretAccessKey = secret
    }

    enum MotoError: Error { case setup(String) }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

final class MotoServerTests: XCTestCase {
    /// The peer itself works: with signature checking on, a wrong secret is refused and the created key accepted.
    func testMotoChecksSignatures() throws {
        let moto = try MotoServer(checkSignatures: true)
        defer { moto.stop() }
        let home = try TemporaryHome()
        let aws = try XCTUnwrap(CLI.which("aws"), "MotoServer checked for the AWS CLI")
        var environment = moto.awsEnvironment(home.environment)
        environment["AWS_ACCESS_KEY_ID"] = moto.accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = moto.secretAccessKey
        let good = try CLI.runProcess(aws, ["--endpoint-url", moto.endpoint, "sts", "get-caller-identity"],
                                      environment: environment)
        XCTAssertEqual(good.status, 0, "aws sts get-caller-identity failed")
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let bad = try CLI.runProcess(aws, ["--endpoint-url", moto.endpoint, "sts", "get-caller-identity"],
                                     environment: environment)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("SignatureDoesNotMatch"))
    }
}
