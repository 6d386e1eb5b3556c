import Foundation
import TestSupport
import XCTest

/// The AWS KMS key slot end to end, against moto's KMS on 127.0.0.1 with signature checking on: a KMS slot opens the
/// store without a passphrase with credentials from the environment or from a shared-file profile named on the slot;
/// credentials KMS refuses (an IAM policy denying kms:Decrypt, an unknown key) and a disabled key are named, and the
/// store's passphrase slot keeps working; a profile that resolves into the same store is refused as a loop; commands
/// that open no KMS slot never load libcurl.
///
/// moto 5.2 does not enforce key policies or the key state (checked: a key policy denying a user, a disabled key and
/// a key pending deletion all still decrypt), so the denial tested is the IAM identity policy moto does enforce, and
/// the disabled key is KMS's `DisabledException` answer from `Scripts/aws-failure-server.py`.
final class KMSSlotCLITests: XCTestCase {
    private var home: TemporaryHome!
    private var moto: MotoServer!

    override func setUpWithError() throws {
        home = try TemporaryHome()
        moto = try MotoServer(setUp: """
            create_user("alice")
            create_user("carol")
            client("iam").put_user_policy(UserName="carol", PolicyName="no-decrypt", PolicyDocument=json.dumps(
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]}))
            create_kms_key("store")
            """)
    }

    override func tearDown() {
        moto?.stop()
        moto = nil
        home = nil
    }

    private var keyARN: String { get throws { try moto.resources.value("kms:store:arn") } }

    /// HOME, the moto endpoint for KMS, no AWS credentials.
    private var base: [String: String] {
        home.environment.merging(["AWS_ENDPOINT_URL_KMS": moto.endpoint, "NO_PROXY": "*"]) { $1 }
    }

    /// `base` with `user`'s key pair in the environment.
    private func environment(_ user: String) throws -> [String: String] {
        let keys = try moto.resources.user(user)
        return base.merging(["AWS_ACCESS_KEY_ID": keys.accessKeyID, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey]) {
            $1
        }
    }

    private var passphraseFile: String {
        get throws { try home.write("correct horse battery staple\n", to: "passphrase") }
    }

    private func makeStore() throws {
        let stored = try CLI.run(["set", "--profile", "work", "--access-key", ExampleKeys.accessKeyID,
                                  "--passphrase-file", try passphraseFile],
                                 environment: base, stdin: ExampleKeys.secretAccessKey + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
    }

    private func export(_ environment: [String: String], _ extra: [String] = []) throws -> CLIResult {
        try CLI.run(["export", "--profile", "work", "--format", "env"] + extra, environment: environment)
    }

    private func assertOpens(_ environment: [String: String], _ extra: [String] = [],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let got = try export(environment, extra)
        XCTAssertEqual(got.status, 0, got.stderr, file: file, line: line)
        XCTAssertTrue(got.stdout.contains(ExampleKeys.accessKeyID), got.stdout, file: file, line: line)
    }

    func testAKMSSlotOpensWithEnvironmentCredentialsAndRefusedOnesAreNamed() throws {
        try makeStore()
        let alice = try environment("alice")
        let added = try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--passphrase-file", try passphraseFile],
                                environment: alice)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("Added a KMS slot (key \(try keyARN), region us-east-1"), added.stdout)

        let listed = try CLI.run(["keyslot", "list"], environment: base)
        let arn = try keyARN
        XCTAssertTrue(listed.stdout.contains("kms") && listed.stdout.contains(arn)
                          && listed.stdout.contains("us-east-1"), listed.stdout)
        let json = try CLI.run(["keyslot", "list", "--json"], environment: base)
        XCTAssertTrue(json.stdout.contains("\"KmsKeyID\": \"\(arn)\""), json.stdout)
        XCTAssertTrue(json.stdout.contains("\"KmsRegion\": \"us-east-1\""), json.stdout)
        XCTAssertTrue(json.stdout.contains("\"KmsProfile\": \"\""), json.stdout)

        // A third party opens it from FORMAT.md alone: the reference decryptor, with boto3's KMS Decrypt.
        let python = try XCTUnwrap(ProcessRunner.which("python3"))
        let reference = try CLI.runProcess(python, [
            TestPaths.packageRoot.appendingPathComponent("Scripts/reference-decrypt.py").path,
            "--store", home.path + "/.local/share/credstore/store", "--kms",
        ], environment: alice)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertTrue(reference.stdout.contains(ExampleKeys.accessKeyID), reference.stdout)

        // No passphrase, no terminal: the KMS slot opens it, through one Decrypt call.
        let before = moto.requestCount()
        try assertOpens(alice)
        XCTAssertEqual(moto.requestCount(), before + 1)

        // carol's IAM policy denies kms:Decrypt (a revoked permission): named, exit 80; her secret never shown.
        let carol = try environment("carol")
        let denied = try export(carol)
        XCTAssertEqual(denied.status, 80, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("access to the KMS key \(try keyARN) was denied"), denied.stderr)
        XCTAssertTrue(denied.stderr.contains("kms:Decrypt"), denied.stderr)
        XCTAssertFalse(denied.stderr.contains(try moto.resources.user("carol").secretAccessKey))
        // An access key KMS does not know: denied too.
        let unknown = base.merging(["AWS_ACCESS_KEY_ID": ExampleKeys.accessKeyID,
                                    "AWS_SECRET_ACCESS_KEY": ExampleKeys.secretAccessKey]) { $1 }
        let stranger = try export(unknown)
        XCTAssertEqual(stranger.status, 80, stranger.stderr)
        XCTAssertTrue(stranger.stderr.contains("access to the KMS key"), stranger.stderr)
        XCTAssertFalse(stranger.stderr.contains(ExampleKeys.secretAccessKey))
        // No credentials at all: said, with where it looked (exit 83).
        let none = try export(base)
        XCTAssertEqual(none.status, 83, none.stderr)
        XCTAssertTrue(none.stderr.contains("no AWS credentials for the KMS key"), none.stderr)

        // The store's other slot keeps working whatever KMS says.
        try assertOpens(carol, ["--passphrase-file", try passphraseFile])
        try assertOpens(base, ["--passphrase-file", try passphraseFile])

        // A disabled key: KMS's DisabledException (from a local endpoint: moto does not enforce key states).
        let failing = try AWSFailureServer()
        let disabled = try export(alice.merging(["AWS_ENDPOINT_URL_KMS": failing.endpoint + "/kms-disabled"]) { $1 })
        XCTAssertEqual(disabled.status, 80, disabled.stderr)
        XCTAssertTrue(disabled.stderr.contains("the KMS key \(try keyARN) is disabled"), disabled.stderr)
        XCTAssertTrue(disabled.stderr.contains("enable the key"), disabled.stderr)
        try assertOpens(alice, ["--passphrase-file", try passphraseFile])
    }

    func testAProfileNamedOnTheSlotGivesTheCredentialsAndOneThatResolvesIntoTheStoreIsALoop() throws {
        try makeStore()
        let alice = try moto.resources.user("alice")
        try home.write("[kms-opener]\naws_access_key_id = \(alice.accessKeyID)\naws_secret_access_key = "
                       + "\(alice.secretAccessKey)\n", to: ".aws/credentials")
        let added = try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--kms-profile", "kms-opener",
                                 "--passphrase-file", try passphraseFile], environment: base)
        XCTAssertEqual(added.status, 0, added.stderr)
        let listed = try CLI.run(["keyslot", "list"], environment: base)
        XCTAssertTrue(listed.stdout.contains("credentials of profile kms-opener"), listed.stdout)
        // The profile's keys, not the environment's (which are unknown to KMS here).
        try assertOpens(base.merging(["AWS_ACCESS_KEY_ID": ExampleKeys.accessKeyID,
                                      "AWS_SECRET_ACCESS_KEY": ExampleKeys.secretAccessKey]) { $1 })

        // The profile now gets its keys by exporting from this very store: a loop, refused without running it.
        try home.write("", to: ".aws/credentials")
        let store = home.path + "/.local/share/credstore/store"
        for line in ["credstore export --profile work", "/usr/bin/credstore export --store \(store) -p work"] {
            try home.write("[profile kms-opener]\ncredential_process = \(line)\n", to: ".aws/config")
            let loop = try export(base)
            XCTAssertEqual(loop.status, 65, loop.stderr)
            XCTAssertTrue(loop.stderr.contains("would come from the store it unlocks"), loop.stderr)
            XCTAssertTrue(loop.stderr.contains("runs credstore export on that store"), loop.stderr)
        }
        // Adding such a slot is refused the same way, and adds nothing.
        let refused = try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--kms-profile", "kms-opener",
                                   "--passphrase-file", try passphraseFile], environment: base)
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertEqual(try CLI.run(["keyslot", "list", "--json"], environment: base).stdout
                           .components(separatedBy: "\"Kind\": \"kms\"").count - 1, 1)
        // A profile only the store has is never looked for there.
        try home.write("", to: ".aws/config")
        let missing = try export(base)
        XCTAssertEqual(missing.status, 83, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("never takes its credentials from the store it unlocks"),
                      missing.stderr)
        try assertOpens(base, ["--passphrase-file", try passphraseFile])
    }

    func testAnECSTaskRoleAndAnInstanceRoleGiveTheCredentials() throws {
        try makeStore()
        let added = try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--passphrase-file", try passphraseFile],
                                environment: try environment("alice"))
        XCTAssertEqual(added.status, 0, added.stderr)

        // An ECS task role: a container credential endpoint on 127.0.0.1 that serves alice's keys to the right
        // Authorization token only (from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else the variable).
        let alice = try moto.resources.user("alice")
        let work = try TemporaryDirectory(prefix: "credstore-ecs")
        let credentials = try work.write("{\"AccessKeyId\": \"\(alice.accessKeyID)\", \"SecretAccessKey\": "
                                         + "\"\(alice.secretAccessKey)\", \"Expiration\": \"2099-01-01T00:00:00Z\"}",
                                         to: "credentials.json")
        let token = try work.write("task-token-0123\n", to: "token")
        let server = try work.write(Self.containerServer, to: "server.py")
        let endpoint = try LocalPeer(["python3", server, credentials, token], in: work)
        let task = base.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url + "/v2/credentials/task",
                                 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token]) { $1 }
        try assertOpens(task)
        XCTAssertTrue(endpoint.log().contains("REQUEST /v2/credentials/task auth-ok"), endpoint.log())
        try assertOpens(base.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url + "/v2/credentials/task",
                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN": "task-token-0123"]) { $1 })
        let wrongToken = try export(base.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url + "/v2/x",
                                                  "AWS_CONTAINER_AUTHORIZATION_TOKEN": "another"]) { $1 })
        XCTAssertEqual(wrongToken.status, 83, wrongToken.stderr)
        XCTAssertTrue(wrongToken.stderr.contains("answered HTTP 401"), wrongToken.stderr)
        // Plain HTTP to another host is refused before any request (the token would cross the network in clear).
        let remote = try export(base.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/creds"]) { $1 })
        XCTAssertEqual(remote.status, 83, remote.stderr)
        XCTAssertTrue(remote.stderr.contains("must be https:// or a loopback http:// URL"), remote.stderr)

        // An instance role (IMDSv2, Scripts/imds-server.py): its credentials are fetched and sent to KMS, which
        // refuses them (they are the documentation's example key, unknown to moto): denied, not "no credentials".
        let imds = try LocalPeer(["python3", TestPaths.packageRoot.appendingPathComponent("Scripts/imds-server.py")
                                    .path], in: work)
        let instance = base.merging(["AWS_EC2_METADATA_DISABLED": "false",
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url]) { $1 }
        let denied = try export(instance)
        XCTAssertEqual(denied.status, 80, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("access to the KMS key"), denied.stderr)
        let noInstance = try export(base)
        XCTAssertEqual(noInstance.status, 83, noInstance.stderr)
    }

    /// A container credential endpoint: serves the JSON in argv[1] to requests whose Authorization header is the
    /// token in argv[2] (401 otherwise), logging each request's path and whether the token matched.
    private static let containerServer = """
        import http.server, sys
        body = open(sys.argv[1], "rb").read()
        token = open(sys.argv[2]).read().strip()
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass
            def do_GET(self):
                ok = self.headers.get("Authorization") == token
                sys.stderr.write("REQUEST %s %s\\n" % (self.path, "auth-ok" if ok else "auth-bad"))
                sys.stderr.flush()
                reply = body if ok else b'{"message": "unauthorized"}'
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        print("PORT %d" % server.server_address[1], flush=True)
        server.serve_forever()
        """

    func testRekeyKeepsTheKMSSlotUnderItsKeyAndProfile() throws {
        try makeStore()
        let alice = try environment("alice")
        let added = try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--passphrase-file", try passphraseFile],
                                environment: alice)
        XCTAssertEqual(added.status, 0, added.stderr)
        let before = try CLI.run(["keyslot", "list", "--json"], environment: base).stdout
        // The data key is rotated with the passphrase; KMS opens and re-makes the KMS slot (no slot is dropped).
        let rekeyed = try CLI.run(["rekey", "--passphrase-file", try passphraseFile], environment: alice)
        XCTAssertEqual(rekeyed.status, 0, rekeyed.stderr)
        let after = try CLI.run(["keyslot", "list", "--json"], environment: base).stdout
        XCTAssertEqual(after.components(separatedBy: "\"Kind\": \"kms\"").count - 1, 1, after)
        XCTAssertTrue(after.contains("\"KmsKeyID\": \"\(try keyARN)\""), after)
        XCTAssertEqual(before, after)  // same kinds and parameters shown (the slot id and blob are new)
        try assertOpens(alice)
        try assertOpens(base, ["--passphrase-file", try passphraseFile])
    }

    func testCommandsThatOpenNoKMSSlotNeverLoadLibcurl() throws {
        try makeStore()
        let other = base.merging(["CREDSTORE_STORE": home.path + "/plain-store"]) { $1 }
        let plain = try CLI.run(["set", "--profile", "work", "--access-key", ExampleKeys.accessKeyID,
                                 "--passphrase-file", try passphraseFile],
                                environment: other, stdin: ExampleKeys.secretAccessKey + "\n")
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let alice = try environment("alice")
        XCTAssertEqual(try CLI.run(["keyslot", "add", "--kms-key", try keyARN, "--passphrase-file",
                                    try passphraseFile], environment: alice).status, 0)

        func loadsCurl(_ arguments: [String], _ environment: [String: String], status: Int32 = 0) throws -> Bool {
            let result = try CLI.run(arguments, environment: environment.merging(["LD_DEBUG": "libs"]) { $1 })
            XCTAssertEqual(result.status, status, result.stderr)
            return result.stderr.contains("libcurl.so.4")
        }
        // The check sees libcurl when the KMS slot is used...
        XCTAssertTrue(try loadsCurl(["export", "--profile", "work"], alice))
        // ...and not for a store without a KMS slot, a secret given, or commands that open nothing.
        XCTAssertFalse(try loadsCurl(["export", "--profile", "work"], other.merging(alice) { old, _ in old },
                                     status: 83))
        XCTAssertFalse(try loadsCurl(["export", "--profile", "work", "--passphrase-file", try passphraseFile],
                                     alice))
        XCTAssertFalse(try loadsCurl(["keyslot", "list"], alice))
        XCTAssertFalse(try loadsCurl(["list", "--names"], alice))
        XCTAssertFalse(try loadsCurl(["list"], other))
        // `list` opens the store with any secret at hand to show kinds and sessions, the KMS slot included (as the
        // TPM2 slot): with KMS credentials at hand it asks KMS.
        XCTAssertTrue(try loadsCurl(["list"], alice))
    }
}

/// A local HTTP peer started with python3 that prints "PORT n" when it listens; stopped by PID.
private final class LocalPeer {
    let url: String
    private let peer: PeerProcess

    init(_ command: [String], in work: TemporaryDirectory) throws {
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error("the KMS slot tests", needs: "python3 (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        peer = try PeerProcess(python, Array(command.dropFirst()),
                               environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                                             "HOME": work.path, "PYTHONUNBUFFERED": "1"],
                               logPath: work.file("peer-\(UUID().uuidString).log"))
        guard let found = peer.announcedPort(within: 20) else {
            peer.stop()
            throw MissingPeer(description: "a local peer did not start: \(peer.log().suffix(2000))")
        }
        url = "http://127.0.0.1:\(found)"
    }

    func log() -> String { peer.log() }

    deinit { peer.stop() }
}
