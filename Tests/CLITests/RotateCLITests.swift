import Foundation
import TestSupport
import XCTest

/// `credstore rotate` end to end: the built binary against moto on 127.0.0.1 with signature checking on, read back
/// with the AWS CLI. After a rotation the user has exactly one key, the one credstore holds, the AWS CLI signs with
/// it, and the old key is refused (moto lets an *inactive* key sign, FACTS.md, so refusal is checked after delete).
final class RotateCLITests: XCTestCase {
    /// moto (TestSupport's `MotoServer`) with two IAM users made while auth is off: `rotator` (allowed everything, one
    /// key 100 days old) and `nobody` (no policy: every IAM call is AccessDenied). The first two keys' CreateDate is
    /// backdated (`agedAccessKeys`), so `--if-older-than 90d` finds them due; keys made later are fresh.
    final class RotationMoto {
        let server: MotoServer
        var endpoint: String { server.endpoint }
        private(set) var keys: [String: (id: String, secret: String)] = [:]
        let aws: URL

        /// A call moto refused.
        struct SetupError: Error, CustomStringConvertible {
            var description: String
            init(_ description: String) { self.description = description }
        }

        init() throws {
            guard let aws = CLI.which("aws") else {
                throw MissingPeer.error("the rotate tests against moto", needs: "the AWS CLI (aws: not on PATH)",
                                        remedy: "run Scripts/bootstrap --test (it installs the AWS CLI and moto)")
            }
            self.aws = aws
            server = try MotoServer(setUp: """
                create_user("rotator")
                iam = client("iam")
                iam.create_user(UserName="nobody")
                _key = iam.create_access_key(UserName="nobody")["AccessKey"]
                record("user:nobody:access-key-id", _key["AccessKeyId"])
                record("user:nobody:secret-access-key", _key["SecretAccessKey"])
                """, agedAccessKeys: 2)
            let rotator = try server.resources.user("rotator")
            keys["rotator"] = (rotator.accessKeyID, rotator.secretAccessKey)
            keys["nobody"] = (try server.resources.value("user:nobody:access-key-id"),
                              try server.resources.value("user:nobody:secret-access-key"))
        }

        func stop() { server.stop() }

        /// Runs `aws ARGS` against moto, signed with `key`.
        @discardableResult
        func awsCall(_ arguments: [String], key: (id: String, secret: String),
                     check: Bool = true) throws -> CLIResult {
            let home = try TemporaryHome()
            var environment = home.environment
            environment["AWS_DEFAULT_REGION"] = "us-east-1"
            environment["AWS_PAGER"] = ""
            environment["AWS_ACCESS_KEY_ID"] = key.id
            environment["AWS_SECRET_ACCESS_KEY"] = key.secret
            let result = try CLI.runProcess(aws, ["--endpoint-url", endpoint, "--output", "json"] + arguments,
                                            environment: environment)
            if check, result.status != 0 {
                throw RotationMoto.SetupError("aws \(arguments.prefix(2).joined(separator: " ")): \(result.stderr)")
            }
            return result
        }

        /// The access key ids of `user`, asked with `key`.
        func keyIDs(_ user: String, key: (id: String, secret: String)) throws -> [String: String] {
            let listed = try awsCall(["iam", "list-access-keys", "--user-name", user], key: key)
            let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
            let metadata = object?["AccessKeyMetadata"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: metadata.compactMap { item in
                (item["AccessKeyId"] as? String).map { ($0, item["Status"] as? String ?? "") }
            })
        }
    }

    private var moto: RotationMoto!
    private var home: TemporaryHome!
    /// The profile `heldKey` and `assertExactlyTheHeldKey` read (the examples use `nightly`).
    private var profile = "work"
    private var keyFile: String { home.path + "/.config/credstore/store.key" }

    override func setUpWithError() throws {
        moto = try RotationMoto()
        home = try TemporaryHome()
    }

    override func tearDown() {
        moto?.stop()
        moto = nil
        home = nil
    }

    /// The environment of a credstore run: the key file and moto as the IAM and STS endpoints.
    private var environment: [String: String] {
        home.environment.merging([
            "CREDSTORE_KEY_FILE": keyFile, "AWS_ENDPOINT_URL_IAM": moto.endpoint,
            "AWS_ENDPOINT_URL_STS": moto.endpoint, "AWS_REGION": "us-east-1",
        ]) { $1 }
    }

    private func credstore(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
        try CLI.run(arguments, environment: environment, stdin: stdin)
    }

    /// A store with profile `work` holding `user`'s key.
    private func storeProfile(_ user: String = "rotator", extra: [String] = []) throws {
        if !FileManager.default.fileExists(atPath: keyFile) {
            let created = try credstore(["init", "--key-file", keyFile, "--no-passphrase"])
            XCTAssertEqual(created.status, 0, created.stderr)
        }
        let key = try XCTUnwrap(moto.keys[user])
        let set = try credstore(["set", "--profile", "work", "--access-key", key.id, "--force"] + extra,
                                stdin: key.secret + "\n")
        XCTAssertEqual(set.status, 0, set.stderr)
    }

    /// The key pair credstore resolves for `work`.
    private func heldKey() throws -> (id: String, secret: String) {
        let got = try credstore(["get", "--profile", profile, "--json", "--show-secret"])
        XCTAssertEqual(got.status, 0, got.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(got.stdout.utf8)) as? [String: Any])
        return (try XCTUnwrap(object["AccessKeyId"] as? String), try XCTUnwrap(object["SecretAccessKey"] as? String))
    }

    /// The user has exactly the key credstore holds, the AWS CLI signs with it through `credstore exec`, and
    /// `old` (if given) is refused.
    private func assertExactlyTheHeldKey(old: (id: String, secret: String)?, file: StaticString = #filePath,
                                         line: UInt = #line) throws {
        let held = try heldKey()
        XCTAssertEqual(Array(try moto.keyIDs("rotator", key: held).keys), [held.id], file: file, line: line)
        let signed = try credstore(["exec", "--profile", profile, "--", moto.aws.path, "--endpoint-url",
                                    moto.endpoint, "--region", "us-east-1", "sts", "get-caller-identity"])
        XCTAssertEqual(signed.status, 0, signed.stderr, file: file, line: line)
        XCTAssertTrue(signed.stdout.contains("user/rotator"), signed.stdout, file: file, line: line)
        if let old {
            XCTAssertNotEqual(old.id, held.id, file: file, line: line)
            let refused = try moto.awsCall(["sts", "get-caller-identity"], key: old, check: false)
            XCTAssertNotEqual(refused.status, 0, "the old key still signs", file: file, line: line)
            XCTAssertTrue(refused.stderr.contains("InvalidClientTokenId"), refused.stderr, file: file, line: line)
        }
    }

    func testRotatesAStoreProfile() throws {
        try storeProfile()
        let old = try XCTUnwrap(moto.keys["rotator"])
        // A plaintext copy `migrate` left behind: it stops working, and rotate says so.
        try home.write("[legacy]\naws_access_key_id = \(old.id)\naws_secret_access_key = \(old.secret)\n",
                       to: ".aws/credentials")
        let rotated = try credstore(["rotate", "--profile", "work", "--json"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        XCTAssertTrue(rotated.stderr.contains("warning: profile 'legacy' in \(home.path)/.aws/credentials also holds "
                                              + "\(old.id), which no longer works"), rotated.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8))
                                   as? [String: Any])
        XCTAssertEqual(report["Rotated"] as? Bool, true)
        XCTAssertEqual(report["OldAccessKeyId"] as? String, old.id)
        XCTAssertEqual(report["AccessKeyId"] as? String, try heldKey().id)
        XCTAssertFalse(rotated.stdout.contains(try heldKey().secret), "the new secret was printed")
        // Every member is documented in README's JSON section.
        let readme = try Self.text("README.md")
        let json = try XCTUnwrap(readme.components(separatedBy: "### JSON output").last?
            .components(separatedBy: "\n## ").first)
        for name in report.keys { XCTAssertTrue(json.contains("\"\(name)\""), "\(name) is not in README") }
        try assertExactlyTheHeldKey(old: old)
    }

    func testRotatesASharedCredentialsFileProfile() throws {
        let old = try XCTUnwrap(moto.keys["rotator"])
        try home.write("# team keys\n[work] ; rotated by credstore\naws_access_key_id = \(old.id)\n"
                       + "aws_secret_access_key = \(old.secret)\nregion = us-east-1\n", to: ".aws/credentials")
        let rotated = try credstore(["rotate", "--profile", "work"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        let text = try home.read(".aws/credentials")
        XCTAssertTrue(text.hasPrefix("# team keys\n[work] ; rotated by credstore\naws_access_key_id = "), text)
        XCTAssertFalse(text.contains(old.secret))
        XCTAssertFalse(text.contains("credstore_rotation_"))
        try assertExactlyTheHeldKey(old: old)
    }

    func testTwoKeysAreRefusedUnlessTheOtherIsInactive() throws {
        try storeProfile()
        let kept = try credstore(["rotate", "--profile", "work", "--keep-old-inactive"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        let held = try heldKey()
        XCTAssertEqual(try moto.keyIDs("rotator", key: held)[try XCTUnwrap(moto.keys["rotator"]).id], "Inactive")
        let refused = try credstore(["rotate", "--profile", "work"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("already has two access keys"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--delete-inactive-key"), refused.stderr)
        XCTAssertEqual(try heldKey().id, held.id, "a refused rotation changed the profile")
        let rotated = try credstore(["rotate", "--profile", "work", "--delete-inactive-key"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        try assertExactlyTheHeldKey(old: held)
    }

    func testAccessDeniedChangesNothing() throws {
        try storeProfile("nobody")
        let denied = try credstore(["rotate", "--profile", "work"])
        XCTAssertEqual(denied.status, 1, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("AccessDenied") || denied.stderr.contains("access-denied"),
                      denied.stderr)
        XCTAssertTrue(denied.stderr.contains("hint: the key needs iam:"), denied.stderr)
        XCTAssertEqual(try heldKey().id, try XCTUnwrap(moto.keys["nobody"]).id)
        let keys = try moto.keyIDs("nobody", key: try XCTUnwrap(moto.keys["rotator"]))
        XCTAssertEqual(Array(keys.keys), [try XCTUnwrap(moto.keys["nobody"]).id])
    }

    func testTemporaryKeysAndRoleProfilesAreRefused() throws {
        try storeProfile()
        let temporary = try credstore(["set", "--profile", "temp", "--access-key", "ASIAIOSFODNN7EXAMPLE",
                                       "--with-session-token"], stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                                      + "token\n")
        XCTAssertEqual(temporary.status, 0, temporary.stderr)
        let refused = try credstore(["rotate", "--profile", "temp"])
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("temporary credentials"), refused.stderr)
        try home.write("[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = work\n",
                       to: ".aws/config")
        let role = try credstore(["rotate", "--profile", "admin"])
        XCTAssertEqual(role.status, 65, role.stderr)
        XCTAssertTrue(role.stderr.contains("role"), role.stderr)
        XCTAssertEqual(try heldKey().id, try XCTUnwrap(moto.keys["rotator"]).id)
    }

    func testDryRunSaysWhatWouldHappenAndChangesNothing() throws {
        try storeProfile()
        let store = try Data(contentsOf: URL(fileURLWithPath: home.path + "/.local/share/credstore/store"))
        let dry = try credstore(["rotate", "--profile", "work", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("Would: Create a new access key for user rotator"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("Would: Delete the old key \(try XCTUnwrap(moto.keys["rotator"]).id)"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: home.path + "/.local/share/credstore/store")), store)
        XCTAssertEqual(try moto.keyIDs("rotator", key: try XCTUnwrap(moto.keys["rotator"])).count, 1)
    }

    func testIfOlderThanUsesTheKeysCreateDate() throws {
        try storeProfile()
        let young = try credstore(["rotate", "--profile", "work", "--if-older-than", "200d", "--json"])
        XCTAssertEqual(young.status, 0, young.stderr)
        XCTAssertTrue(young.stdout.contains(#""Due": false"#) || young.stdout.contains(#""Due":false"#), young.stdout)
        // The key's CreateDate is now kept with the profile: list shows its age and marks it as older than 90 days.
        let listed = try credstore(["list", "--key-age"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let row = try XCTUnwrap(listed.stdout.split(separator: "\n").first { $0.contains(" work ") }, listed.stdout)
        XCTAssertTrue(row.hasPrefix("!") && row.contains(" 100d "), String(row))
        let fresh = try credstore(["list", "--key-age", "--older-than", "120d", "--json"])
        let profiles = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(fresh.stdout.utf8))
                                      as? [String: Any])?["Profiles"] as? [[String: Any]])
        XCTAssertEqual(profiles.first?["KeyAgeDays"] as? Int, 100)
        XCTAssertEqual(profiles.first?["OlderThanThreshold"] as? Bool, false)
        let due = try credstore(["rotate", "--profile", "work", "--if-older-than", "90d"])
        XCTAssertEqual(due.status, 0, due.stderr)
        XCTAssertTrue(due.stdout.contains("now uses"), due.stdout)
        // The new key is fresh: the next timer run does nothing.
        let again = try credstore(["rotate", "--profile", "work", "--if-older-than", "90d"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("not older than"), again.stdout)
    }

    /// A throttling STS and a failing (503) IAM: the rotation stops with exit 69, says which call failed, and the old
    /// key stays in use with nothing created.
    func testAFailingEndpointLeavesTheOldKeyInUse() throws {
        try storeProfile()
        let old = try XCTUnwrap(moto.keys["rotator"])
        let python = try XCTUnwrap(CLI.which("python3"))
        for (variable, mode, call) in [("AWS_ENDPOINT_URL_STS", "throttle", "GetCallerIdentity"),
                                       ("AWS_ENDPOINT_URL_IAM", "fail", "ListAccessKeys")] {
            let port = LocalPort.free()
            let server = Process()
            server.executableURL = python
            server.arguments = ["-c", """
                import http.server, sys
                throttle = sys.argv[2] == 'throttle'
                class Failing(http.server.BaseHTTPRequestHandler):
                    def do_POST(self):
                        self.rfile.read(int(self.headers.get('Content-Length', 0)))
                        code = b'Throttling' if throttle else b'ServiceUnavailable'
                        body = b'<ErrorResponse><Error><Type>Sender</Type><Code>' + code + b'</Code>' \\
                            b'<Message>Try later</Message></Error><RequestId>1</RequestId></ErrorResponse>'
                        self.send_response(400 if throttle else 503)
                        self.send_header('Content-Type', 'text/xml')
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Failing).serve_forever()
                """, String(port), mode]
            try server.run()
            defer { kill(server.processIdentifier, SIGTERM); server.waitUntilExit() }
            XCTAssertTrue(LocalPort.waitUntilAccepting(port, seconds: 15, alive: { server.isRunning }),
                          "the failing endpoint did not start")
            var failing = environment
            failing[variable] = "http://127.0.0.1:\(port)"
            let result = try CLI.run(["rotate", "--profile", "work"], environment: failing)
            XCTAssertEqual(result.status, 69, "\(mode): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("\(call) "), "\(mode): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("still uses \(old.id)"), "\(mode): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("hint: try again later"), "\(mode): \(result.stderr)")
            XCTAssertEqual(try heldKey().id, old.id)
            XCTAssertEqual(Array(try moto.keyIDs("rotator", key: old).keys), [old.id])
        }
    }

    // MARK: - Crashes

    /// Trials of the random-moment crash test (`Scripts/crash-soak rotate N` raises it).
    private var randomTrials: Int {
        Int(ProcessInfo.processInfo.environment["CREDSTORE_ROTATE_CRASH_TRIALS"] ?? "") ?? 3
    }

    /// After a crash: the profile resolves to a key the endpoint accepts; then `rotate` completes and leaves exactly
    /// the held key.
    private func assertRecovers(after what: String) throws {
        let held = try heldKey()
        let accepted = try moto.awsCall(["sts", "get-caller-identity"], key: held, check: false)
        XCTAssertEqual(accepted.status, 0, "\(what): the profile's key \(held.id) is refused: \(accepted.stderr)")
        let next = try credstore(["rotate", "--profile", "work"])
        XCTAssertEqual(next.status, 0, "\(what): \(next.stderr)")
        try assertExactlyTheHeldKey(old: nil)
    }

    func testSIGKILLAtEveryNamedStep() throws {
        try storeProfile()
        for point in ["after-journal", "after-create", "after-persist", "after-verify", "after-switch",
                      "after-deactivate", "after-delete"] {
            var killing = environment
            killing["CREDSTORE_TEST_ROTATE_KILL_AT"] = point
            // Run directly (not under setsid, which reports a killed child as its own failure).
            let killed = try CLI.runProcess(CLI.executable, ["rotate", "--profile", "work"], environment: killing)
            XCTAssertEqual(killed.reason, .uncaughtSignal, "\(point): \(killed.stderr)")
            XCTAssertEqual(killed.status, SIGKILL, point)
            let noted = try credstore(["get", "--profile", "work"])
            XCTAssertTrue(noted.stderr.contains("note: a key rotation of profile 'work'"), "\(point): \(noted.stderr)")
            try assertRecovers(after: point)
        }
        // The step before them all: the user's other, inactive key deleted to make room.
        let kept = try credstore(["rotate", "--profile", "work", "--keep-old-inactive"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        var killing = environment
        killing["CREDSTORE_TEST_ROTATE_KILL_AT"] = "after-delete-inactive"
        let killed = try CLI.runProcess(CLI.executable, ["rotate", "--profile", "work", "--delete-inactive-key"],
                                        environment: killing)
        XCTAssertEqual(killed.reason, .uncaughtSignal, killed.stderr)
        try assertRecovers(after: "after-delete-inactive")
    }

    func testSIGKILLAtRandomMoments() throws {
        try storeProfile()
        for trial in 0..<randomTrials {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["rotate", "--profile", "work"]
            process.environment = environment
            let errors = home.path + "/rotate.stderr"
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: errors)
            try process.run()
            // A whole rotation against moto takes about 0.2 s here: the kill lands anywhere in it.
            let delay = UInt32.random(in: 0...250_000)
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let killed = process.terminationReason == .uncaughtSignal
            print("crash rotate trial \(trial): SIGKILL after \(delay / 1000) ms "
                  + (killed ? "(killed)" : "(had finished, exit \(process.terminationStatus))"))
            if !killed {
                // A rotation nobody killed must have succeeded.
                let stderr = try String(contentsOfFile: errors, encoding: .utf8)
                XCTAssertEqual(process.terminationStatus, 0, "trial \(trial): \(stderr)")
            }
            try assertRecovers(after: "random trial \(trial)")
        }
    }

    // MARK: - The scheduled-task examples, verbatim

    /// Runs `line` as cron would: `/bin/sh -c` under `env -i PATH=/usr/bin:/bin`, no terminal; the only rewrite is
    /// the binary's path, and moto's endpoints are added to the environment.
    private func runAsCron(_ line: String, extra: [String] = []) throws -> CLIResult {
        let rewritten = line.replacingOccurrences(of: "/usr/bin/credstore", with: CLI.executable.path)
        let assignments = ["PATH=/usr/bin:/bin", "HOME=" + home.path, "SHELL=/bin/sh", "LANG=C.UTF-8",
                           "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_IAM=" + moto.endpoint,
                           "AWS_ENDPOINT_URL_STS=" + moto.endpoint, "AWS_REGION=us-east-1"] + extra
        return try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["-i"] + assignments + ["/usr/bin/setsid", "-w", "/bin/sh", "-c", rewritten],
                                  environment: [:])
    }

    private static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: NewcomerCLITests.repository.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The set-up lines of an example (`#   /usr/bin/credstore init|set …`), with the example key id replaced by the
    /// moto user's and the store at HOME's default place.
    private func runSetup(of example: String, keyFile: String) throws {
        let key = try XCTUnwrap(moto.keys["rotator"])
        for line in example.components(separatedBy: "\n") where line.hasPrefix("#   /usr/bin/credstore") {
            let command = String(line.dropFirst(4)).replacingOccurrences(of: "AKIAIOSFODNN7EXAMPLE", with: key.id)
                .replacingOccurrences(of: "/home/backup", with: home.path)
            let result = try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                            ["-i", "PATH=/usr/bin:/bin", "HOME=" + home.path, "/bin/sh", "-c",
                                             command.replacingOccurrences(of: "/usr/bin/credstore",
                                                                          with: CLI.executable.path)],
                                            environment: [:], stdin: Data((key.secret + "\n").utf8))
            XCTAssertEqual(result.status, 0, "\(command)\n\(result.stderr)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: keyFile), "the example's set-up made no key file")
    }

    func testCronExampleRotatesVerbatimUnderCron() throws {
        profile = "nightly"
        let example = try Self.text("Scripts/examples/crontab-rotate.example")
        try runSetup(of: example, keyFile: keyFile)
        let cron = try XCTUnwrap(example.components(separatedBy: "\n").first { $0.first?.isNumber == true })
        XCTAssertTrue(cron.contains(" /usr/bin/credstore rotate "), cron)
        var rest = Substring(cron)
        for _ in 0..<5 { rest = rest.drop { $0 == " " }.drop { $0 != " " } }
        let old = try XCTUnwrap(moto.keys["rotator"])
        let ran = try runAsCron(rest.trimmingCharacters(in: .whitespaces))
        XCTAssertEqual(ran.status, 0, ran.stderr)
        XCTAssertTrue(ran.stdout.contains("now uses"), ran.stdout)
        try assertExactlyTheHeldKey(old: old)
    }

    func testSystemdExampleRotatesWithTheCredentialsDirectory() throws {
        profile = "nightly"
        let service = try Self.text("Scripts/examples/systemd/credstore-rotate.service")
        try runSetup(of: service, keyFile: keyFile)
        let exec = try XCTUnwrap(service.components(separatedBy: "\n").first { $0.hasPrefix("ExecStart=") })
        let credentials = home.path + "/run/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keyFile, toPath: credentials + "/credstore.key")
        chmod(credentials + "/credstore.key", 0o400)
        let old = try XCTUnwrap(moto.keys["rotator"])
        let ran = try runAsCron(String(exec.dropFirst("ExecStart=".count)),
                                extra: ["CREDENTIALS_DIRECTORY=" + credentials])
        XCTAssertEqual(ran.status, 0, ran.stderr)
        try assertExactlyTheHeldKey(old: old)
        XCTAssertTrue(try Self.text("Scripts/examples/systemd/credstore-rotate.timer").contains("OnCalendar="))
    }
}
