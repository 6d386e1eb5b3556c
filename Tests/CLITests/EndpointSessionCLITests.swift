import Foundation
import TestSupport
import XCTest

/// TestSupport's moto (CLITests has an older `MotoServer` of its own).
private typealias Moto = TestSupport.MotoServer

/// What `exec --ecs-server` serves for profiles resolved through STS (issue 18 with issue 16), against moto with
/// signature checking on: a role profile's assumed-role session with its real `Expiration`, refreshed once its refresh
/// window is reached; a session-only profile's `GetSessionToken` session, never its long-lived key; a 500 with a
/// message, never stale credentials, when the refresh fails after the session expired.
final class EndpointSessionCLITests: XCTestCase {
    static let setUp = """
        alice = create_user("alice")
        create_role("admin", alice["Arn"])
        """

    /// A HOME with a key-file store holding alice's key, `config` as ~/.aws/config, STS at moto.
    private func home(_ moto: Moto, config: String) throws -> (home: TemporaryHome, environment: [String: String]) {
        let home = try TemporaryHome()
        var environment = home.environment.merging(moto.awsEnvironment) { _, new in new }
        environment["AWS_ENDPOINT_URL_STS"] = moto.endpoint
        environment["CREDSTORE_KEY_FILE"] = home.path + "/store.key"
        let initialised = try CLI.run(["init", "--key-file", home.path + "/store.key", "--no-passphrase"],
                                      environment: environment)
        XCTAssertEqual(initialised.status, 0, initialised.stderr)
        let alice = try moto.resources.user("alice")
        let set = try CLI.run(["set", "--profile", "alice", "--access-key", alice.accessKeyID],
                              environment: environment, stdin: alice.secretAccessKey + "\n")
        XCTAssertEqual(set.status, 0, set.stderr)
        try home.write(config, to: ".aws/config")
        return (home, environment)
    }

    /// A role profile assuming `admin` from alice's stored key, sessions lasting `duration` seconds when given.
    private func roleConfig(duration: Int? = nil) -> String {
        """
        [profile admin]
        role_arn = arn:aws:iam::\(Moto.accountID):role/admin
        source_profile = alice
        region = us-east-1
        \(duration.map { "duration_seconds = \($0)" } ?? "")

        """
    }

    private func python() throws -> URL {
        guard let python = CLI.which("python3") else { throw MissingPeer(description: "python3 is not installed") }
        return python
    }

    /// Python defining `fetch()` (the endpoint's answer: status and JSON body, with the token, as an SDK asks) and
    /// `identity(c)` (moto's GetCallerIdentity ARN signed with the served credentials `c`, through boto3).
    private static let fetchPrelude = """
        import json, os, sys, time, urllib.request, urllib.error, boto3
        def fetch():
            request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read() or b"{}")
        def identity(c):
            return boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                aws_session_token=c["Token"]).get_caller_identity()["Arn"]
        def expires_in(c):
            import datetime
            return (datetime.datetime.fromisoformat(c["Expiration"].replace("Z", "+00:00"))
                - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        """

    private func lines(_ text: String, _ prefix: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) }
    }

    func testARoleProfileServesTheAssumedRoleToTheAWSCLIWithNoKeyInTheChildsEnvironment() throws {
        let moto = try Moto(setUp: Self.setUp)
        let (home, environment) = try home(moto, config: roleConfig())
        guard let aws = CLI.which("aws") else { throw MissingPeer(description: "the AWS CLI is not installed") }
        let script = """
            '\(aws.path)' sts get-caller-identity --query Arn --output text | sed 's/^/ARN /' || exit 11
            cat /proc/self/environ | tr '\\0' '\\n' | sed 's/^/ENV /'
            """
        let result = try CLI.run(["exec", "--ecs-server", "--profile", "admin", "--", "sh", "-c", script],
                                 environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let arn = try XCTUnwrap(lines(result.stdout, "ARN").first, result.stdout)
        XCTAssertTrue(arn.hasPrefix("arn:aws:sts::\(Moto.accountID):assumed-role/admin/"), arn)
        let names = lines(result.stdout, "ENV").map { $0.prefix { $0 != "=" } }
        XCTAssertTrue(names.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"), result.stdout)
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"] {
            XCTAssertFalse(names.contains(Substring(name)), "\(name) reached the command")
        }
        let alice = try moto.resources.user("alice")
        XCTAssertFalse(result.stdout.contains(alice.secretAccessKey), "the long-lived secret reached the command")
        withExtendedLifetime(home) {}
    }

    func testTheServedCredentialsChangeWhenTheSessionIsRefreshed() throws {
        // moto accepts any DurationSeconds; a 20-second session has a refresh window of 10 s (half its lifetime).
        let moto = try Moto(setUp: Self.setUp)
        let (home, environment) = try home(moto, config: roleConfig(duration: 20))
        let script = Self.fetchPrelude + """

            status, first = fetch()
            print("FIRST", status, first["AccessKeyId"], round(expires_in(first)), identity(first), flush=True)
            status, again = fetch()
            print("AGAIN", status, again["AccessKeyId"], flush=True)
            time.sleep(max(0, expires_in(first) - 8))
            status, second = fetch()
            print("SECOND", status, second["AccessKeyId"], round(expires_in(second)), identity(second), flush=True)
            """
        let result = try CLI.run(["exec", "--ecs-server", "--profile", "admin", "--", try python().path, "-c", script],
                                 environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let first = try XCTUnwrap(lines(result.stdout, "FIRST").first, result.stdout).split(separator: " ")
        let again = try XCTUnwrap(lines(result.stdout, "AGAIN").first, result.stdout).split(separator: " ")
        let second = try XCTUnwrap(lines(result.stdout, "SECOND").first, result.stdout).split(separator: " ")
        XCTAssertEqual(first.count, 4, result.stdout)
        XCTAssertEqual(second.count, 4, result.stdout)
        guard first.count == 4, second.count == 4, again.count == 2 else { return }
        XCTAssertEqual(first[0], "200")
        XCTAssertTrue(first[1].hasPrefix("ASIA"), String(first[1]))
        // The session's own expiry (seconds away), not the 20-minute stand-in of a long-lived key.
        XCTAssertLessThanOrEqual(Int(first[2]) ?? 999, 20, result.stdout)
        XCTAssertTrue(first[3].contains(":assumed-role/admin/"), String(first[3]))
        XCTAssertEqual(again[1], first[1], "a session outside its refresh window is served again")
        XCTAssertEqual(second[0], "200")
        XCTAssertNotEqual(second[1], first[1], "the session was not refreshed")
        XCTAssertTrue(second[1].hasPrefix("ASIA"), String(second[1]))
        XCTAssertGreaterThan(Int(second[2]) ?? 0, 10, "the refreshed session is a new one")
        XCTAssertTrue(second[3].contains(":assumed-role/admin/"), "moto accepts the refreshed session")
        withExtendedLifetime(home) {}
    }

    func testASessionOnlyProfileServesASessionNeverItsLongLivedKey() throws {
        let moto = try Moto(setUp: Self.setUp)
        let (home, environment) = try home(moto, config: "[profile alice]\nregion = us-east-1\n")
        let configured = try CLI.run(["sessions", "configure", "--profile", "alice", "--session-only"],
                                     environment: environment)
        XCTAssertEqual(configured.status, 0, configured.stderr)
        let alice = try moto.resources.user("alice")
        // moto refuses the GetSessionToken credentials it hands out (FACTS.md): check what is served, not a call.
        let script = Self.fetchPrelude + """

            status, served = fetch()
            print("SERVED", status, served["AccessKeyId"], "token" if served.get("Token") else "none",
                  round(expires_in(served)), flush=True)
            """
        let result = try CLI.run(["exec", "--ecs-server", "--profile", "alice", "--", try python().path, "-c",
                                  script], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let served = try XCTUnwrap(lines(result.stdout, "SERVED").first, result.stdout).split(separator: " ")
        XCTAssertEqual(served.count, 4, result.stdout)
        guard served.count == 4 else { return }
        XCTAssertEqual(served[0], "200")
        XCTAssertNotEqual(String(served[1]), alice.accessKeyID, "the long-lived key left credstore")
        XCTAssertEqual(served[2], "token", "a session token is served")
        XCTAssertGreaterThan(Int(served[3]) ?? 0, 1300, "the session's own expiry (an hour), not the stand-in")
        XCTAssertFalse(result.stdout.contains(alice.secretAccessKey) || result.stderr.contains(alice.secretAccessKey))

        // Asking for the long-lived key is refused with the endpoint, before anything is served.
        let refused = try CLI.run(["exec", "--ecs-server", "--no-session", "--profile", "alice", "--", "true"],
                                  environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--no-session"), refused.stderr)
        withExtendedLifetime(home) {}
    }

    func testAFailedRefreshAfterExpiryIsA500WithAMessageAndNothingStale() throws {
        let moto = try Moto(setUp: Self.setUp)
        let (home, environment) = try home(moto, config: roleConfig(duration: 4))
        let ready = home.path + "/ready"
        let go = home.path + "/go"
        let script = Self.fetchPrelude + """

            status, first = fetch()
            print("FIRST", status, first["AccessKeyId"], flush=True)
            open("\(ready)", "w").close()
            while not os.path.exists("\(go)"):
                time.sleep(0.05)
            time.sleep(max(0, expires_in(first)) + 1)
            status, body = fetch()
            print("AFTER", status, json.dumps(body), flush=True)
            """
        let python = try python()
        let result = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            result.value = try? CLI.run(["exec", "--ecs-server", "--profile", "admin", "--", python.path, "-c", script],
                                  environment: environment)
            finished.signal()
        }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready), Date() < deadline { usleep(50_000) }
        moto.stop()
        XCTAssertTrue(FileManager.default.createFile(atPath: go, contents: nil))
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success)
        let run = try XCTUnwrap(result.value)
        XCTAssertEqual(run.status, 0, run.stderr)
        let first = try XCTUnwrap(lines(run.stdout, "FIRST").first, run.stdout).split(separator: " ")
        XCTAssertEqual(first.first, "200", run.stdout)
        let after = try XCTUnwrap(lines(run.stdout, "AFTER").first, run.stdout)
        XCTAssertTrue(after.hasPrefix("500 "), after)
        XCTAssertFalse(after.contains("AccessKeyId"), "stale credentials were served: \(after)")
        XCTAssertFalse(first.count > 1 && after.contains(first[1]), after)
        XCTAssertTrue(after.contains("credstore could not get the credentials"), after)
    }
}

/// The result of a command run on another thread (read only after it signalled that it finished).
private final class ResultBox: @unchecked Sendable {
    var value: CLIResult?
}
