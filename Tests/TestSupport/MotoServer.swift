import Foundation

/// A real `moto` server (AWS API emulator) on 127.0.0.1, for tests of signed AWS calls: started on a free port
/// (optionally over TLS with a `LocalCA` certificate), prepared with auth off by a Python set-up snippet (boto3), then
/// switched to **signature checking** (`POST /moto-api/reset-auth`, body `0`), and stopped by PID when the value goes
/// away. It installs nothing: without moto (`Scripts/bootstrap --test` installs `moto[server]` and boto3) the test
/// is skipped through `MissingPeer` (a failure on CI).
///
/// The set-up snippet runs with these helpers defined (see `MotoServer.prelude`), and what they create comes back
/// through a private file, never argv or the test's output:
/// - `create_user(name)`: an IAM user with an allow-all inline policy and an access key →
///   `resources.user(name)` (`accessKeyID`, `secretAccessKey`, `arn`);
/// - `create_role(name, trusted_arn)`: a role whose trust policy names exactly `trusted_arn` (moto refuses an
///   account-root principal), with an allow-all policy → `resources.roleARN(name)`;
/// - `create_kms_key(name)`: a symmetric KMS key → `resources.kmsKeyID(name)`;
/// - `client(service)`: a boto3 client for the endpoint; `record(name, value)`: any other string to hand back.
///
/// ```swift
/// let moto = try MotoServer(setUp: """
///     user = create_user("alice")
///     create_role("admin", user["Arn"])
///     """)
/// let alice = try moto.resources.user("alice")
/// ```
/// FACTS.md says what moto checks (signatures, session tokens, trust policies, KMS encryption context) and what it
/// does not (GetSessionToken credentials are refused, MFA codes are never checked, clock skew is not checked).
package final class MotoServer {
    /// The port it listens on.
    package let port: Int
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    package let endpoint: String
    /// The CA whose certificate the server presents (nil: plain HTTP).
    package let certificateAuthority: LocalCA?
    /// What the set-up created (empty when there was no set-up).
    package private(set) var resources = MotoResources(values: [:])
    /// The account moto uses.
    package static let accountID = "123456789012"

    private let peer: PeerProcess
    private let work: TemporaryDirectory
    private let python: URL

    /// Starts moto, waits until it answers, runs `setUp` (Python, auth off) and then, when `checkSignatures`, turns
    /// signature checking on.
    ///
    /// - Parameters:
    ///   - tls: Serve HTTPS with `tls.serverCertificate` (for 127.0.0.1 and localhost).
    ///   - setUp: Python run before signature checking is switched on, with the helpers listed on the type.
    ///   - checkSignatures: Switch signature checking on after the set-up (the default).
    ///   - agedAccessKeys: How many of the first access keys moto creates get a `CreateDate` 100 days in the past
    ///     (for key-age tests such as `rotate --if-older-than 90d`; moto itself has no way to set it, so the server
    ///     process is patched). Keys created later are fresh.
    package init(tls: LocalCA? = nil, setUp: String = "", checkSignatures: Bool = true,
                 agedAccessKeys: Int = 0) throws {
        let area = "the tests against moto"
        let remedy = "run Scripts/bootstrap --test (it installs moto[server] and boto3 with pip)"
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error(area, needs: "python3 (not found on PATH)", remedy: remedy)
        }
        let probe = try ProcessRunner.run(python, ["-c", "import moto.server, flask_cors, boto3"],
                                          environment: Self.childEnvironment(home: NSTemporaryDirectory()))
        guard probe.status == 0 else {
            throw MissingPeer.error(area, needs: "moto[server] and boto3 (python3 cannot import them)",
                                    remedy: remedy)
        }
        self.python = python
        certificateAuthority = tls
        work = try TemporaryDirectory(prefix: "credstore-moto")
        // A free port can be taken by another process before moto binds it: then moto exits, and another is tried.
        var started: (port: Int, peer: PeerProcess)?
        var failure = ""
        for attempt in 1...3 where started == nil {
            let port = LocalPort.free()
            var arguments = agedAccessKeys > 0 ? ["-c", Self.agingLauncher(agedAccessKeys)] : ["-m", "moto.server"]
            arguments += ["-H", "127.0.0.1", "-p", String(port)]
            if let tls { arguments += ["-c", tls.serverCertificate, "-k", tls.serverKey] }
            let peer = try PeerProcess(python, arguments, environment: Self.childEnvironment(home: work.path),
                                       logPath: work.file("moto-\(attempt).log"))
            if LocalPort.waitUntilAccepting(port, seconds: 30, alive: { peer.isRunning }) {
                started = (port, peer)
            } else {
                peer.stop()
                failure = "moto did not answer on 127.0.0.1:\(port) within 30 s: " + String(peer.log().suffix(2000))
            }
        }
        guard let started else { throw MissingPeer(description: failure) }
        port = started.port
        peer = started.peer
        endpoint = "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)"
        try runSetUp(setUp, thenCheckSignatures: checkSignatures)
    }

    deinit { stop() }

    /// Stops the server by its PID (idempotent). Later requests fail to connect.
    package func stop() {
        peer.stop()
    }

    /// Whether the server still runs.
    package var isRunning: Bool { peer.isRunning }

    /// The server's request log (one line per request, e.g. `"POST / HTTP/1.1" 200 -`), to check whether a request
    /// was made.
    package func requestLog() -> String {
        peer.log()
    }

    /// How many requests the log shows so far.
    package func requestCount() -> Int {
        requestLog().split(separator: "\n").filter { $0.contains("\" ") && $0.contains(" HTTP/1.") }.count
    }

    /// Environment variables pointing the AWS CLI or an SDK at this server: `AWS_ENDPOINT_URL`, a region, the CA
    /// bundle for TLS, no pager. Merge into a `TemporaryHome`'s environment.
    package var awsEnvironment: [String: String] {
        var environment = ["AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                           "AWS_PAGER": ""]
        if let certificateAuthority { environment["AWS_CA_BUNDLE"] = certificateAuthority.caCertificate }
        return environment
    }

    /// The set-up script: the prelude, the caller's snippet, the results written to a private file, and the switch
    /// to signature checking.
    private func runSetUp(_ snippet: String, thenCheckSignatures: Bool) throws {
        let results = work.file("resources.json")
        let script = Self.prelude + "\n# --- the test's set-up ---\n" + snippet + "\n" + """
            # --- hand back what was created, then turn signature checking on ---
            _fd = os.open(\(Self.pythonString(results)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(_fd, "w") as _out:
                json.dump(RESOURCES, _out)
            if \(thenCheckSignatures ? "True" : "False"):
                _request = urllib.request.Request(ENDPOINT + "/moto-api/reset-auth", data=b"0", method="POST",
                                                  headers={"Content-Type": "text/plain"})
                with urllib.request.urlopen(_request, context=SSL_CONTEXT, timeout=30) as _reply:
                    assert _reply.status == 200, _reply.status

            """
        let path = try work.write(script, to: "setup.py")
        var environment = Self.childEnvironment(home: work.path)
        environment["MOTO_TEST_ENDPOINT"] = endpoint
        if let certificateAuthority { environment["MOTO_TEST_CA"] = certificateAuthority.caCertificate }
        let result = try ProcessRunner.run(python, [path], environment: environment)
        guard result.status == 0 else {
            stop()
            // The set-up's own traceback: it holds no secret (keys are written to the file only).
            throw MissingPeer(description: "the moto set-up failed (exit \(result.status)): "
                                  + String(result.stderr.suffix(3000)))
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: results))
        try? FileManager.default.removeItem(atPath: results)
        guard let values = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw MissingPeer(description: "the moto set-up wrote no resource table")
        }
        resources = MotoResources(values: values)
    }

    /// The helpers every set-up snippet can use (Python).
    package static let prelude = """
        import json, os, ssl, urllib.request
        import boto3

        ENDPOINT = os.environ["MOTO_TEST_ENDPOINT"]
        CA = os.environ.get("MOTO_TEST_CA")
        SSL_CONTEXT = ssl.create_default_context(cafile=CA) if CA else None
        ACCOUNT = "\(accountID)"
        RESOURCES = {}
        ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

        def client(service):
            # Auth is off during the set-up: moto accepts any key, so the AWS documentation's example key is used.
            return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                                aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                verify=CA if CA else True)

        def record(name, value):
            RESOURCES[name] = str(value)

        def create_user(name):
            iam = client("iam")
            user = iam.create_user(UserName=name)["User"]
            iam.put_user_policy(UserName=name, PolicyName="allow-all", PolicyDocument=ALLOW_ALL)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            record("user:" + name + ":arn", user["Arn"])
            record("user:" + name + ":access-key-id", key["AccessKeyId"])
            record("user:" + name + ":secret-access-key", key["SecretAccessKey"])
            return {"Arn": user["Arn"], "AccessKeyId": key["AccessKeyId"]}

        def create_role(name, trusted_arn, max_session_duration=3600):
            iam = client("iam")
            trust = json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": trusted_arn}, "Action": "sts:AssumeRole"}]})
            role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust,
                                   MaxSessionDuration=max_session_duration)["Role"]
            iam.put_role_policy(RoleName=name, PolicyName="allow-all", PolicyDocument=ALLOW_ALL)
            record("role:" + name + ":arn", role["Arn"])
            return {"Arn": role["Arn"]}

        def create_kms_key(name):
            key = client("kms").create_key(Description=name)["KeyMetadata"]
            record("kms:" + name + ":key-id", key["KeyId"])
            record("kms:" + name + ":arn", key["Arn"])
            return {"KeyId": key["KeyId"], "Arn": key["Arn"]}
        """

    /// moto's server started from Python with `AccessKey.__init__` wrapped so the first `count` keys are 100 days old.
    private static func agingLauncher(_ count: Int) -> String {
        """
        import datetime, sys
        import moto.iam.models as models
        made = [0]
        original = models.AccessKey.__init__
        def aged(self, *args, **kwargs):
            original(self, *args, **kwargs)
            made[0] += 1
            if made[0] <= \(count):
                self.create_date = self.create_date - datetime.timedelta(days=100)
        models.AccessKey.__init__ = aged
        from moto.server import main
        main(sys.argv[1:])
        """
    }

    /// The environment of moto and the set-up: PATH, a private HOME, no AWS_* and no proxy of the test process.
    private static func childEnvironment(home: String) -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
         "PYTHONDONTWRITEBYTECODE": "1", "NO_PROXY": "*", "no_proxy": "*"]
            .merging(ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("PYENV") }) { old, _ in old }
    }

    private static func pythonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// What a `MotoServer` set-up created, by name.
package struct MotoResources {
    /// The raw table (`user:NAME:access-key-id`, `role:NAME:arn`, `kms:NAME:key-id`, or a name given to `record`).
    package let values: [String: String]

    /// An IAM user's access key (its secret is moto's random test secret: keep it out of argv and output).
    package struct User {
        /// The access key id.
        package let accessKeyID: String
        /// The secret access key.
        package let secretAccessKey: String
        /// `arn:aws:iam::123456789012:user/NAME`.
        package let arn: String
    }

    /// The user `create_user(name)` made.
    package func user(_ name: String) throws -> User {
        User(accessKeyID: try value("user:\(name):access-key-id"),
             secretAccessKey: try value("user:\(name):secret-access-key"), arn: try value("user:\(name):arn"))
    }

    /// The ARN of the role `create_role(name, …)` made.
    package func roleARN(_ name: String) throws -> String { try value("role:\(name):arn") }

    /// The key id of the KMS key `create_kms_key(name)` made.
    package func kmsKeyID(_ name: String) throws -> String { try value("kms:\(name):key-id") }

    /// A value the set-up recorded.
    package func value(_ name: String) throws -> String {
        guard let value = values[name] else {
            throw MissingPeer(description: "the moto set-up recorded no '\(name)'")
        }
        return value
    }
}
