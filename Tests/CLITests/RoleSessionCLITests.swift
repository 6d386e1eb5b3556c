import Foundation
import TestSupport
import XCTest

/// Role profiles and sessions end to end, against real peers: moto with signature checking on (MotoServer), the real
/// AWS CLI, a throwaway CA (LocalCA), tinyproxy and a hostile HTTP server. The source key lives in the encrypted
/// store; the role profile in ~/.aws/config; credstore assumes the role itself.
final class RoleSessionCLITests: XCTestCase {
    static let setUp = """
        alice = create_user("alice")
        create_role("admin", alice["Arn"])
        """

    /// A HOME with a key-file store holding alice's key, and `config` as ~/.aws/config.
    private func home(_ moto: MotoServer, config: String, extra: [String: String] = [:]) throws
        -> (home: TemporaryHome, environment: [String: String]) {
        let home = try TemporaryHome()
        var environment = home.environment.merging(moto.awsEnvironment) { _, new in new }
        environment["CREDSTORE_KEY_FILE"] = home.path + "/store.key"
        environment.merge(extra) { _, new in new }
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

    private func roleConfig(_ extra: String = "") throws -> String {
        """
        [profile admin]
        role_arn = arn:aws:iam::\(MotoServer.accountID):role/admin
        source_profile = alice
        region = us-east-1
        \(extra)
        [profile via-credstore]
        credential_process = \(CLI.executable.path) export --profile admin
        region = us-east-1

        """
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    /// Every regular file under `directory` whose bytes contain `needle`.
    private func files(under directory: String, containing needle: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            if data.range(of: Data(needle.utf8)) != nil { found.append(relative) }
        }
        return found
    }

    func testRoleThroughCredentialProcessAndExecIsCachedEncryptedRefreshedAndSurvivesTheEndpointGoingAway() throws {
        let moto = try MotoServer(setUp: Self.setUp)
        let (home, environment) = try home(moto, config: try roleConfig())
        let aws = try XCTUnwrap(CLI.which("aws"))

        // The AWS CLI through credential_process: the assumed role.
        let viaProcess = try CLI.runProcess(aws, ["sts", "get-caller-identity", "--profile", "via-credstore"],
                                            environment: environment)
        XCTAssertEqual(viaProcess.status, 0, viaProcess.stderr)
        XCTAssertTrue((try json(viaProcess.stdout)["Arn"] as? String ?? "").contains(":assumed-role/admin/"),
                      viaProcess.stdout)

        // boto3 through the same credential_process profile.
        let python = try XCTUnwrap(CLI.which("python3"))
        let viaBoto3 = try CLI.runProcess(python, ["-c", """
            import boto3
            print(boto3.Session(profile_name="via-credstore").client("sts").get_caller_identity()["Arn"])
            """], environment: environment)
        XCTAssertEqual(viaBoto3.status, 0, viaBoto3.stderr)
        XCTAssertEqual(viaBoto3.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       try json(viaProcess.stdout)["Arn"] as? String, "boto3 gets the same cached role session")

        // Through exec: the same role session (cached), with the token and expiry in the child's environment.
        let viaExec = try CLI.run(["exec", "--profile", "admin", "--", aws.path, "sts", "get-caller-identity"],
                                  environment: environment)
        XCTAssertEqual(viaExec.status, 0, viaExec.stderr)
        XCTAssertEqual(try json(viaExec.stdout)["Arn"] as? String, try json(viaProcess.stdout)["Arn"] as? String,
                       "exec reuses the session credential_process made")
        let childEnvironment = try CLI.run(["exec", "--profile", "admin", "--", "/usr/bin/env"],
                                           environment: environment)
        XCTAssertTrue(childEnvironment.stdout.contains("AWS_SESSION_TOKEN="), childEnvironment.stdout)
        XCTAssertTrue(childEnvironment.stdout.contains("AWS_CREDENTIAL_EXPIRATION=20"), childEnvironment.stdout)

        // A second export within the window makes no STS request.
        let first = try CLI.run(["export", "--profile", "admin", "--format", "json"], environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        let requests = moto.requestCount()
        let second = try CLI.run(["export", "--profile", "admin", "--format", "json"], environment: environment)
        XCTAssertEqual(moto.requestCount(), requests, "a live cached session makes no request")
        let session = try json(first.stdout)
        let keyID = try XCTUnwrap(session["AccessKeyId"] as? String)
        let token = try XCTUnwrap(session["SessionToken"] as? String)
        XCTAssertTrue(keyID.hasPrefix("ASIA"), keyID)
        XCTAssertEqual(try json(second.stdout)["AccessKeyId"] as? String, keyID)
        // A cached session needs no network: libcurl is not even loaded (LD_DEBUG lists every library loaded).
        var traced = environment
        traced["LD_DEBUG"] = "libs"
        let cachedRun = try CLI.run(["export", "--profile", "admin"], environment: traced)
        XCTAssertEqual(cachedRun.status, 0, String(cachedRun.stderr.suffix(2000)))
        XCTAssertTrue(cachedRun.stderr.contains("libcrypto.so"), "LD_DEBUG traced the loads")
        XCTAssertFalse(cachedRun.stderr.contains("libcurl"), "a cached role session loaded libcurl")
        XCTAssertNotNil(session["Expiration"] as? String)

        // The token is in no file under HOME in plain text, and nothing went to ~/.aws/cli/cache.
        XCTAssertEqual(files(under: home.path, containing: token), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.aws/cli/cache"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: home.path + "/.local/share/credstore/store.sessions"))

        // Never printed without --show-secret.
        let get = try CLI.run(["get", "--profile", "admin"], environment: environment)
        XCTAssertEqual(get.status, 0, get.stderr)
        XCTAssertFalse((get.stdout + get.stderr).contains(token))
        XCTAssertTrue(get.stdout.contains(keyID), get.stdout)
        XCTAssertTrue(get.stdout.contains("assumed for profile 'admin'"), get.stdout)
        let shown = try CLI.run(["get", "--profile", "admin", "--show-secret"], environment: environment)
        XCTAssertTrue(shown.stdout.contains(token))

        // An aged session (the session clock 50 min ahead: 10 min left, inside the 15 min window) is refreshed.
        var aged = environment
        aged["CREDSTORE_TEST_SESSION_CLOCK_OFFSET"] = "3000"
        let refreshed = try CLI.run(["export", "--profile", "admin", "--format", "json"], environment: aged)
        XCTAssertEqual(refreshed.status, 0, refreshed.stderr)
        let newKeyID = try XCTUnwrap(try json(refreshed.stdout)["AccessKeyId"] as? String)
        XCTAssertNotEqual(newKeyID, keyID, "a new session")
        XCTAssertGreaterThan(moto.requestCount(), requests)

        // The endpoint goes away: the cached session is still handed out.
        moto.stop()
        let offline = try CLI.run(["export", "--profile", "admin", "--format", "json"], environment: environment)
        XCTAssertEqual(offline.status, 0, offline.stderr)
        XCTAssertEqual(try json(offline.stdout)["AccessKeyId"] as? String, newKeyID)
        // With the session cleared, the unreachable endpoint is a clear error (exit 69) naming what to check.
        let cleared = try CLI.run(["sessions", "clear"], environment: environment)
        XCTAssertEqual(cleared.status, 0, cleared.stderr)
        let unreachable = try CLI.run(["export", "--profile", "admin"], environment: environment)
        XCTAssertEqual(unreachable.status, 69, unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("AssumeRole"), unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("hint:"), unreachable.stderr)
        XCTAssertEqual(unreachable.stdout, "")
    }

    func testAChainOfRolesIsAssumedInOrderAndAnAccessDeniedRoleIsAClearErrorWithNothingCached() throws {
        let moto = try MotoServer(setUp: Self.setUp + """

            create_role("other", "arn:aws:iam::123456789012:user/bob")
            create_role("first", alice["Arn"])
            create_role("second", "arn:aws:sts::123456789012:assumed-role/first/hop")
            """)
        let (home, environment) = try home(moto, config: """
            [profile other]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/other
            source_profile = alice

            [profile first]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/first
            source_profile = alice
            role_session_name = hop
            duration_seconds = 900

            [profile second]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/second
            source_profile = first
            external_id = tenant-7

            """)
        let sessions = home.path + "/.local/share/credstore/store.sessions"
        let denied = try CLI.run(["export", "--profile", "other"], environment: environment)
        XCTAssertEqual(denied.status, 1, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("arn:aws:iam::123456789012:role/other"), denied.stderr)
        XCTAssertTrue(denied.stderr.contains("trust policy"), denied.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sessions), "nothing cached")

        // second's source is first's session (trust names exactly assumed-role/first/hop): two AssumeRoles in order.
        let aws = try XCTUnwrap(CLI.which("aws"))
        let chained = try CLI.run(["exec", "--profile", "second", "--", aws.path, "sts", "get-caller-identity"],
                                  environment: environment)
        XCTAssertEqual(chained.status, 0, chained.stderr)
        XCTAssertTrue((try json(chained.stdout)["Arn"] as? String ?? "").contains(":assumed-role/second/"),
                      chained.stdout)
        let listed = try CLI.run(["sessions", "list", "--json"], environment: environment)
        XCTAssertTrue(listed.stdout.contains("\"first\"") && listed.stdout.contains("\"second\""), listed.stdout)
    }

    func testASessionOnlyProfileHandsOutAnMFASessionAskedOnATerminalAndFailsAtOnceWithoutOne() throws {
        let moto = try MotoServer(setUp: Self.setUp)
        let serial = "arn:aws:iam::\(MotoServer.accountID):mfa/alice"
        let (alicesHome, environment) = try home(
            moto, config: "[profile alice]\nmfa_serial = \(serial)\nregion = us-east-1\n")
        let configured = try CLI.run(["sessions", "configure", "--profile", "alice", "--session-only"],
                                     environment: environment)
        XCTAssertEqual(configured.status, 0, configured.stderr)
        let alice = try moto.resources.user("alice")

        // No terminal, no mfa_process, no session: fails at once with a hint naming the command to run.
        let started = Date()
        let blocked = try CLI.run(["export", "--profile", "alice"], environment: environment)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "never waits for input that cannot come")
        XCTAssertEqual(blocked.status, 83, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("credstore get --profile alice"), blocked.stderr)
        XCTAssertEqual(blocked.stdout, "")

        // On a terminal: a code that is not six digits is asked again, then the MFA session is made.
        let requests = moto.requestCount()
        let terminal = try TerminalSession(executable: CLI.executable.path, ["get", "--profile", "alice"],
                                           environment: environment)
        terminal.expect("MFA code for profile 'alice' (\(serial)): ")
        terminal.send("12a456\n")
        terminal.expect("not a 6-digit code; try again")
        XCTAssertEqual(moto.requestCount(), requests, "an invalid code is never sent")
        terminal.send("123456\n")
        terminal.expect("AccessKeyId:")
        XCTAssertEqual(terminal.finish(), 0, terminal.transcript)
        XCTAssertTrue(terminal.transcript.contains("STS session of profile 'alice'"), terminal.transcript)
        XCTAssertGreaterThan(moto.requestCount(), requests, "GetSessionToken was sent")

        // Now without a terminal: the cached MFA session, no request, never the long-lived key.
        let afterwards = moto.requestCount()
        let reused = try CLI.run(["export", "--profile", "alice", "--format", "json"], environment: environment)
        XCTAssertEqual(reused.status, 0, reused.stderr)
        let reply = try json(reused.stdout)
        XCTAssertNotEqual(reply["AccessKeyId"] as? String, alice.accessKeyID, "the long-lived key stays home")
        XCTAssertNotNil(reply["SessionToken"] as? String)
        XCTAssertEqual(moto.requestCount(), afterwards)
        // --no-session asks for the long-lived key explicitly.
        let longLived = try CLI.run(["export", "--profile", "alice", "--no-session", "--format", "json"],
                                    environment: environment)
        XCTAssertEqual(try json(longLived.stdout)["AccessKeyId"] as? String, alice.accessKeyID)
        withExtendedLifetime(alicesHome) {}
    }

    func testTLSTrustsOnlyTheRightCAAndTheProxyIsUsedUnlessBypassed() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, setUp: Self.setUp)
        let (tlsHome, environment) = try home(moto, config: try roleConfig(), extra: ["AWS_MAX_ATTEMPTS": "1"])
        let works = try CLI.run(["export", "--profile", "admin"], environment: environment)
        XCTAssertEqual(works.status, 0, works.stderr)
        try CLI.run(["sessions", "clear"], environment: environment)

        var noCA = environment
        noCA.removeValue(forKey: "AWS_CA_BUNDLE")
        let untrusted = try CLI.run(["export", "--profile", "admin"], environment: noCA)
        XCTAssertEqual(untrusted.status, 69, untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("AWS_CA_BUNDLE"), untrusted.stderr)

        var wrongCA = environment
        wrongCA["AWS_CA_BUNDLE"] = ca.otherCACertificate
        let refused = try CLI.run(["export", "--profile", "admin"], environment: wrongCA)
        XCTAssertEqual(refused.status, 69, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("certificate"), refused.stderr)

        // The profile's ca_bundle works when AWS_CA_BUNDLE is not set.
        let (profileHome, profileCA) = try home(moto, config: try roleConfig("ca_bundle = \(ca.caCertificate)"))
        var viaProfile = profileCA
        viaProfile.removeValue(forKey: "AWS_CA_BUNDLE")
        let fromProfile = try CLI.run(["export", "--profile", "admin"], environment: viaProfile)
        XCTAssertEqual(fromProfile.status, 0, fromProfile.stderr)

        // A certificate for another host name, signed by the trusted CA, is refused.
        let wrongHost = try HostileHTTPServer(certificate: ca.wrongHostCertificate, key: ca.wrongHostKey)
        var mismatch = environment
        mismatch["AWS_ENDPOINT_URL"] = wrongHost.endpoint
        let mismatched = try CLI.run(["export", "--profile", "admin"], environment: mismatch)
        XCTAssertEqual(mismatched.status, 69, mismatched.stderr)
        XCTAssertTrue(mismatched.stderr.contains("does not name"), mismatched.stderr)

        // HTTPS_PROXY is used; NO_PROXY bypasses it.
        let proxy = try Tinyproxy(connectPorts: [moto.port])
        var proxied = environment
        proxied["HTTPS_PROXY"] = proxy.url
        let throughProxy = try CLI.run(["export", "--profile", "admin"], environment: proxied)
        XCTAssertEqual(throughProxy.status, 0, throughProxy.stderr)
        XCTAssertTrue(proxy.sawRequest(toPort: moto.port), proxy.log())
        try CLI.run(["sessions", "clear"], environment: environment)
        let seen = proxy.log().count
        proxied["NO_PROXY"] = "127.0.0.1"
        let bypassed = try CLI.run(["export", "--profile", "admin"], environment: proxied)
        XCTAssertEqual(bypassed.status, 0, bypassed.stderr)
        XCTAssertEqual(proxy.log().count, seen, "NO_PROXY: the proxy saw nothing more")
        withExtendedLifetime((tlsHome, profileHome)) {}
    }

    /// `credential_source = Environment` and `= EcsContainer` (a real HTTP endpoint on 127.0.0.1 that hands out
    /// alice's key only with the right `Authorization` token, read from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`).
    func testCredentialSourcesEnvironmentAndEcsContainerAreTheBaseOfTheRole() throws {
        let moto = try MotoServer(setUp: Self.setUp)
        let alice = try moto.resources.user("alice")
        let config = """
            [profile from-env]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/admin
            credential_source = Environment

            [profile from-ecs]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/admin
            credential_source = EcsContainer

            """
        let (home, environment) = try home(moto, config: config)
        var fromEnvironment = environment
        fromEnvironment["AWS_ACCESS_KEY_ID"] = alice.accessKeyID
        fromEnvironment["AWS_SECRET_ACCESS_KEY"] = alice.secretAccessKey
        let viaEnvironment = try CLI.run(["export", "--profile", "from-env", "--format", "json"],
                                         environment: fromEnvironment)
        XCTAssertEqual(viaEnvironment.status, 0, viaEnvironment.stderr)
        XCTAssertTrue((try json(viaEnvironment.stdout)["AccessKeyId"] as? String ?? "").hasPrefix("ASIA"))
        // The role session is cached: without the variables it is still handed out, until it is cleared.
        let cached = try CLI.run(["export", "--profile", "from-env"], environment: environment)
        XCTAssertEqual(cached.status, 0, cached.stderr)
        try CLI.run(["sessions", "clear"], environment: environment)
        let missing = try CLI.run(["export", "--profile", "from-env"], environment: environment)
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("credential_source Environment"), missing.stderr)

        // The container endpoint: a small real server.
        let python = try XCTUnwrap(CLI.which("python3"))
        let port = LocalPort.free()
        let reply = #"{"AccessKeyId": "\#(alice.accessKeyID)", "SecretAccessKey": "\#(alice.secretAccessKey)"}"#
        let server = try home.write("""
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = self.path == "/creds" and self.headers.get("Authorization") == "token-123"
                    body = open(sys.argv[2], "rb").read() if ok else b"{}"
                    self.send_response(200 if ok else 401)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """, to: "ecs.py")
        let replyPath = try home.write(reply, to: "ecs-reply.json")
        let peer = try PeerProcess(python, [server, String(port), replyPath], environment: environment,
                                   logPath: home.path + "/ecs.log")
        defer { peer.stop() }
        XCTAssertTrue(LocalPort.waitUntilAccepting(port, seconds: 20, alive: { peer.isRunning }))
        let tokenFile = try home.write("token-123\n", to: "ecs-token")
        var fromContainer = environment
        fromContainer["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:\(port)/creds"
        fromContainer["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokenFile
        let viaContainer = try CLI.run(["export", "--profile", "from-ecs", "--format", "json"],
                                       environment: fromContainer)
        XCTAssertEqual(viaContainer.status, 0, viaContainer.stderr)
        XCTAssertTrue((try json(viaContainer.stdout)["AccessKeyId"] as? String ?? "").hasPrefix("ASIA"))
        // A wrong token: the endpoint refuses, a clear error naming it.
        try CLI.run(["sessions", "clear"], environment: environment)
        fromContainer.removeValue(forKey: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        fromContainer["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong"
        let refused = try CLI.run(["export", "--profile", "from-ecs"], environment: fromContainer)
        XCTAssertEqual(refused.status, 69, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("container credentials endpoint"), refused.stderr)
        // A plain-HTTP full URI to a host that is neither loopback nor the ECS/EKS endpoint is refused unsent.
        fromContainer["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds"
        let unsafe = try CLI.run(["export", "--profile", "from-ecs"], environment: fromContainer)
        XCTAssertEqual(unsafe.status, 69, unsafe.stderr)
        XCTAssertTrue(unsafe.stderr.contains("https://"), unsafe.stderr)
    }

    /// `credential_source = Ec2InstanceMetadata`: the base comes from IMDSv2 (Scripts/imds-server.py, which serves
    /// the documentation example key); moto runs without signature checking here, since it cannot know that key.
    func testCredentialSourceEc2InstanceMetadataIsTheBaseOfTheRole() throws {
        let moto = try MotoServer(setUp: "create_role(\"admin\", \"arn:aws:iam::123456789012:user/any\")",
                            checkSignatures: false)
        let python = try XCTUnwrap(CLI.which("python3"))
        let work = try TemporaryDirectory()
        let imds = try PeerProcess(python, [TestPaths.packageRoot.path + "/Scripts/imds-server.py", "--port", "0"],
                                   environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"],
                                   logPath: work.file("imds.log"))
        defer { imds.stop() }
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = imds.log().split(separator: "\n").compactMap { $0.hasPrefix("PORT ") ? Int($0.dropFirst(5)) : nil }
                .first
            if port == nil { usleep(25_000) }
        }
        let home = try TemporaryHome()
        try home.write("""
            [profile from-imds]
            role_arn = arn:aws:iam::\(MotoServer.accountID):role/admin
            credential_source = Ec2InstanceMetadata

            """, to: ".aws/config")
        var environment = home.environment.merging(moto.awsEnvironment) { $1 }
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] =
            "http://127.0.0.1:\(try XCTUnwrap(port, "imds-server.py did not start: \(imds.log())"))"
        let result = try CLI.run(["export", "--profile", "from-imds", "--format", "json"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let reply = try json(result.stdout)
        XCTAssertTrue((reply["AccessKeyId"] as? String ?? "").hasPrefix("ASIA"), result.stdout)
        XCTAssertNotEqual(reply["AccessKeyId"] as? String, ExampleKeys.accessKeyID, "the role's, not the instance's")
        XCTAssertTrue(imds.log().contains("security-credentials/credstore-test-role"), imds.log())
        // There is no store in this HOME: the session is not cached anywhere (never in plain text, never in
        // ~/.aws/cli/cache), and the next call assumes the role again.
        let token = try XCTUnwrap(reply["SessionToken"] as? String)
        XCTAssertEqual(files(under: home.path, containing: token), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.local/share/credstore"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.aws/cli"))
        let requests = moto.requestCount()
        let again = try CLI.run(["get", "--profile", "from-imds"], environment: environment)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("not cached (no store to keep it in)"), again.stderr)
        XCTAssertGreaterThan(moto.requestCount(), requests)
    }

    func testAHostileEndpointIsAClearErrorWithinTheTimeoutAndWritesNoSession() throws {
        let moto = try MotoServer(setUp: Self.setUp)
        let hostile = try HostileHTTPServer()
        let (home, environment) = try home(moto, config: try roleConfig(),
                                           extra: ["AWS_MAX_ATTEMPTS": "1", "CREDSTORE_STS_TIMEOUT": "2"])
        let sessions = home.path + "/.local/share/credstore/store.sessions"
        for path in ["/xml-garbage", "/huge-declared", "/huge-chunked", "/slow", "/redirect", "/garbage", "/stall"] {
            var pointed = environment
            pointed["AWS_ENDPOINT_URL"] = hostile.endpoint + path
            let started = Date()
            let result = try CLI.run(["export", "--profile", "admin"], environment: pointed)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10, path)
            XCTAssertNotEqual(result.status, 0, path)
            XCTAssertTrue(result.stderr.hasPrefix("error: STS AssumeRole"), "\(path): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("hint:"), "\(path): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", path)
            XCTAssertFalse(FileManager.default.fileExists(atPath: sessions), "\(path): no partial session")
        }
    }
}
