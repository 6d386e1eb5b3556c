import Foundation
import TestSupport
import XCTest

/// `credstore exec --ecs-server` and `credstore serve` end to end: the real AWS CLI and boto3 get their credentials
/// from the endpoint and call moto with signature checking on; no secret is in the child's environment; another OS
/// user gets nothing from the port; the endpoint lives exactly as long as the command (signals forwarded, its exit
/// status returned); `serve` writes a 0600 environment file and removes it; libmicrohttpd is mapped only when serving.
final class ECSServerCLITests: XCTestCase {
    private let keyID = "AKIAIOSFODNN7EXAMPLE"
    private let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private var users: [String] = []

    override func tearDown() {
        for user in users {
            _ = try? CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/userdel"), ["-r", user], environment: [:])
        }
        users = []
    }

    /// Runs `credstore ARGS…` directly (not through `setsid`), so the PID is credstore's own.
    private func credstore(_ home: KeyFileHome, _ arguments: [String], environment extra: [String: String] = [:])
        throws -> CLIResult {
        try CLI.runProcess(CLI.executable, arguments, environment: home.environment.merging(extra) { $1 })
    }

    /// Starts `credstore ARGS…` with `posix_spawn` (stdin /dev/null, stdout to `stdout`, stderr /dev/null), so the
    /// test owns the PID and waits for it itself (`waitForExit`), whatever happens to it.
    private func spawnCredstore(_ arguments: [String], environment: [String: String], stdout: String) throws
        -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([CLI.executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, CLI.executable.path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }

    /// The wait status of `pid` once it exits; `nil` (and the process killed) when it has not within `seconds`.
    private func waitForExit(_ pid: pid_t, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return status }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }

    private func waitForFile(_ path: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: path), Date() < deadline { usleep(20_000) }
        return FileManager.default.fileExists(atPath: path)
    }

    private func requirePeer(_ name: String) throws -> URL {
        guard let url = CLI.which(name) else {
            throw MissingPeer.error("the ECS endpoint tests", needs: "\(name) (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        return url
    }

    /// A python3 snippet that prints `STATUS <code>` for a GET of the endpoint with `header` (a Python expression
    /// for the headers dict).
    private static func fetchSnippet(_ headers: String) -> String {
        """
        import os, urllib.request, urllib.error
        request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers=\(headers))
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                body = reply.read().decode()
                print("STATUS", reply.status)
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            print("STATUS", error.code)
        print("LEAK" if "\(ExampleKeys.accessKeyID)" in body or "EXAMPLEKEY" in body else "CLEAN")
        """
    }

    func testAWSCLIAndBoto3CallMotoThroughTheEndpointWithNoSecretInTheEnvironment() throws {
        // TestSupport's moto (signature checking on after the set-up), not CLITests' older helper of the same name.
        let moto = try MotoServer(setUp: #"create_user("credstore-test")"#)
        defer { moto.stop() }
        let user = try moto.resources.user("credstore-test")
        let home = try KeyFileHome()
        try home.setProfile("moto", keyID: user.accessKeyID, secret: user.secretAccessKey)
        let environFile = home.path + "/child-environ"
        var environment = moto.awsEnvironment
        environment.removeValue(forKey: "AWS_ENDPOINT_URL")
        environment["AWS_ENDPOINT_URL_STS"] = moto.endpoint
        // Stale values an outer shell may hold: all of them must be gone in the child.
        environment["AWS_ACCESS_KEY_ID"] = ExampleKeys.otherAccessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = ExampleKeys.otherSecretAccessKey
        environment["AWS_SESSION_TOKEN"] = "stale-token"
        environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/stale"
        let script = """
            cat /proc/$$/environ > '\(environFile)'
            aws sts get-caller-identity --output text --query Arn || exit 11
            python3 -c 'import boto3; print("BOTO3", boto3.client("sts").get_caller_identity()["Arn"])' || exit 12
            """
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "moto", "--", "sh", "-c", script],
                                   environment: environment)
        XCTAssertEqual(result.status, 0, "stderr: \(result.stderr)")
        let arn = user.arn
        XCTAssertTrue(result.stdout.contains(arn + "\n"), "the AWS CLI did not return the user's ARN: \(result.stdout)")
        XCTAssertTrue(result.stdout.contains("BOTO3 " + arn), "boto3 did not return the user's ARN: \(result.stdout)")

        let environ = try String(contentsOfFile: environFile, encoding: .utf8)
        let variables = environ.split(separator: "\0").map(String.init)
        let names = Set(variables.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        for secret in [user.secretAccessKey, user.accessKeyID, ExampleKeys.otherSecretAccessKey, "stale-token"] {
            XCTAssertFalse(environ.contains(secret), "the child's environment holds a credential")
        }
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "CREDSTORE_KEY_FILE"] {
            XCTAssertFalse(names.contains(name), "\(name) is in the child's environment")
        }
        XCTAssertTrue(names.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        XCTAssertTrue(names.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
        let uri = try XCTUnwrap(variables.first { $0.hasPrefix("AWS_CONTAINER_CREDENTIALS_FULL_URI=") })
        XCTAssertTrue(uri.hasPrefix("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"), uri)
        let token = try XCTUnwrap(variables.first { $0.hasPrefix("AWS_CONTAINER_AUTHORIZATION_TOKEN=") })
        XCTAssertEqual(token.count, "AWS_CONTAINER_AUTHORIZATION_TOKEN=".count + 64)
    }

    func testMissingOrWrongTokenGets401Or403AndNoData() throws {
        let python = try requirePeer("python3")
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let script = [
            Self.fetchSnippet("{}"),
            Self.fetchSnippet(#"{"Authorization": "0" * 64}"#),
            Self.fetchSnippet(#"{"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}"#),
        ].joined(separator: "\n")
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", python.path, "-c", script])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["STATUS 401", "CLEAN", "STATUS 403", "CLEAN", "STATUS 200", "LEAK"],
                       "only the right token gets the credentials")
    }

    func testAnotherLocalUserGetsNothingFromThePort() throws {
        try MissingPeer.requireRoot("the other-user endpoint test")
        _ = try requirePeer("curl")
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let name = "csecs\(UUID().uuidString.prefix(6).lowercased())"
        let created = try CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/useradd"), ["-M", "-s", "/bin/sh", name],
                                         environment: [:])
        XCTAssertEqual(created.status, 0, created.stderr)
        users.append(name)
        // The other user runs with an empty environment (runuser would pass ours on, token included).
        let other = "runuser -u \(name) -- env -i PATH=/usr/bin:/bin"
        let script = """
            \(other) curl -s -w '\\n%{http_code}\\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI"
            \(other) curl -s -w '\\n%{http_code}\\n' -H "Authorization: $(head -c 32 /dev/urandom | od -An -tx1 \
            | tr -d ' \\n')" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"
            \(other) cat /proc/$$/environ >/dev/null 2>&1 && echo CHILD-ENVIRON-READABLE || echo CHILD-ENVIRON-DENIED
            \(other) cat /proc/$PPID/mem >/dev/null 2>&1 && echo PARENT-MEM-READABLE || echo PARENT-MEM-DENIED
            """
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", "sh", "-c", script])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains(keyID), "the other user got the credentials")
        XCTAssertFalse(result.stdout.contains(secret), "the other user got the credentials")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("401"), result.stdout)
        XCTAssertTrue(lines.contains("403"), result.stdout)
        XCTAssertTrue(lines.contains("CHILD-ENVIRON-DENIED"), result.stdout)
        XCTAssertTrue(lines.contains("PARENT-MEM-DENIED"), result.stdout)
    }

    func testTheEndpointClosesWhenTheCommandExitsAndItsStatusIsReturned() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", "sh", "-c",
                                          "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; exit 7"])
        XCTAssertEqual(result.status, 7)
        XCTAssertEqual(result.reason, .exit)
        let uri = try XCTUnwrap(URL(string: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let port = try XCTUnwrap(uri.port)
        XCTAssertFalse(LocalPort.accepts(port), "the endpoint still listens after the command exited")

        let killed = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", "sh", "-c", "kill -TERM $$"])
        XCTAssertEqual(killed.reason, .uncaughtSignal, "credstore ends by the signal that ended the command")
        XCTAssertEqual(killed.status, SIGTERM)

        let missing = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", "no-such-command-here"])
        XCTAssertEqual(missing.status, 127, missing.stderr)
    }

    func testSignalsSentToCredstoreAreForwardedToTheCommand() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let marker = home.path + "/ready"
        let pid = try spawnCredstore(["exec", "--ecs-server", "--profile", "p", "--", "sh", "-c",
                                      "trap 'exit 42' USR1; trap 'exit 43' TERM; touch '\(marker)'; "
                                          + "while :; do sleep 0.05; done"],
                                     environment: home.environment, stdout: "/dev/null")
        XCTAssertTrue(waitForFile(marker), "the command did not start")
        kill(pid, SIGUSR1)
        let status = try XCTUnwrap(waitForExit(pid, seconds: 10),
                                   "credstore did not end within 10 s of SIGUSR1 (not forwarded to the command?)")
        XCTAssertEqual(status & 0x7F, 0, "credstore was killed by signal \(status & 0x7F)")
        XCTAssertEqual((status >> 8) & 0xFF, 42, "SIGUSR1 did not reach the command")
    }

    func testEachRequestResolvesTheProfileAgain() throws {
        let python = try requirePeer("python3")
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        // Between two fetches, the profile's key is replaced in the store (the key file is named explicitly: exec
        // keeps CREDSTORE_KEY_FILE from the command).
        let script = """
            import os, json, subprocess, urllib.request
            def fetch():
                request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                    headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
                with urllib.request.urlopen(request, timeout=5) as reply:
                    return json.load(reply)
            print("FIRST", fetch()["AccessKeyId"])
            subprocess.run(["\(CLI.executable.path)", "set", "--profile", "p", "--force", "--key-file",
                            "\(home.keyPath)", "--access-key", "\(ExampleKeys.otherAccessKeyID)"],
                           input=b"\(ExampleKeys.otherSecretAccessKey)\\n", check=True, capture_output=True)
            print("SECOND", fetch()["AccessKeyId"])
            """
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", python.path, "-c", script])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "FIRST \(keyID)\nSECOND \(ExampleKeys.otherAccessKeyID)\n")
    }

    func testAFailedResolutionIsA500WhoseMessageTheAWSCLIShows() throws {
        // The profile's credential_process works once (the resolution at start) and then fails: the AWS CLI inside
        // gets a 500 and shows credstore's message, never stale credentials.
        let aws = try requirePeer("aws")
        let home = try KeyFileHome()
        let used = home.path + "/used"
        let program = try home.home.write("""
            #!/bin/sh
            if [ -e '\(used)' ]; then echo 'the token device is unplugged' >&2; exit 3; fi
            touch '\(used)'
            echo '{"Version": 1, "AccessKeyId": "\(keyID)", "SecretAccessKey": "\(secret)"}'

            """, to: "bin/once", mode: 0o700)
        _ = try home.home.write("[profile once]\ncredential_process = \(program)\n", to: ".aws/config")
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "once", "--", aws.path, "sts",
                                          "get-caller-identity", "--region", "us-east-1"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("Received non 200 response 500"), result.stderr)
        XCTAssertTrue(result.stderr.contains("CredentialsUnavailable"), result.stderr)
        XCTAssertTrue(result.stderr.contains("the token device is unplugged"), result.stderr)
        XCTAssertFalse(result.stderr.contains(secret))
    }

    func testConcurrentRequestsResolveOneAtATime() throws {
        // Each resolution runs a credential_process that takes 300 ms and notes an overlap (its lock directory
        // already there); three clients ask at once. A KDF per resolution (a passphrase file) must not run in parallel.
        let python = try requirePeer("python3")
        let home = try KeyFileHome()
        let lock = home.path + "/resolving"
        let overlaps = home.path + "/overlaps"
        let program = try home.home.write("""
            #!/bin/sh
            mkdir '\(lock)' 2>/dev/null || echo overlap >> '\(overlaps)'
            sleep 0.3
            rmdir '\(lock)' 2>/dev/null
            echo '{"Version": 1, "AccessKeyId": "\(keyID)", "SecretAccessKey": "\(secret)"}'

            """, to: "bin/slow-creds", mode: 0o700)
        _ = try home.home.write("[profile slow]\ncredential_process = \(program)\n", to: ".aws/config")
        let script = """
            import os, threading, urllib.request
            def fetch(results):
                request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                    headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
                with urllib.request.urlopen(request, timeout=10) as reply:
                    results.append(reply.status)
            results = []
            threads = [threading.Thread(target=fetch, args=(results,)) for _ in range(3)]
            for thread in threads: thread.start()
            for thread in threads: thread.join()
            print(sorted(results))
            """
        let result = try credstore(home, ["exec", "--ecs-server", "--profile", "slow", "--", python.path, "-c",
                                          script])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "[200, 200, 200]\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: overlaps), "two resolutions ran at the same time")
    }

    func testServeWritesAPrivateEnvironmentFileAndRemovesItWhenStopped() throws {
        let python = try requirePeer("python3")
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let envFile = home.path + "/ecs.env"
        let printedPath = home.path + "/serve-stdout"
        let pid = try spawnCredstore(["serve", "--profile", "p", "--env-file", envFile],
                                     environment: home.environment, stdout: printedPath)
        var stopped = false
        defer { if !stopped { kill(pid, SIGKILL); _ = waitForExit(pid, seconds: 5) } }
        XCTAssertTrue(waitForFile(envFile), "serve wrote no environment file")
        var attributes = stat()
        XCTAssertEqual(stat(envFile, &attributes), 0, "serve wrote no environment file")
        XCTAssertEqual(attributes.st_mode & 0o777, 0o600)
        let contents = try String(contentsOfFile: envFile, encoding: .utf8)
        var variables: [String: String] = [:]
        for line in contents.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { variables[parts[0]] = parts[1] }
        }
        XCTAssertEqual(Set(variables.keys), ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"])
        // A second shell uses it: botocore's container provider (the AWS CLI's) reads the credentials.
        var client = home.home.environment
        client.merge(variables) { $1 }
        let botocore = try CLI.runProcess(python, ["-c", """
            import botocore.session
            credentials = botocore.session.get_session().get_credentials()
            print(credentials.method, credentials.get_frozen_credentials().access_key)
            """], environment: client)
        XCTAssertEqual(botocore.stdout, "container-role \(keyID)\n", botocore.stderr)

        // A second serve refuses the existing file and leaves it alone.
        let second = try credstore(home, ["serve", "--profile", "p", "--env-file", envFile])
        XCTAssertEqual(second.status, 74, second.stderr)
        XCTAssertEqual(try String(contentsOfFile: envFile, encoding: .utf8), contents)

        let port = try XCTUnwrap(URL(string: variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] ?? "")?.port)
        kill(pid, SIGTERM)
        let status = waitForExit(pid, seconds: 10)
        stopped = true
        XCTAssertEqual(status, 0, "serve did not exit 0 within 10 s of SIGTERM")
        XCTAssertFalse(FileManager.default.fileExists(atPath: envFile), "the environment file is still there")
        XCTAssertFalse(LocalPort.accepts(port), "the endpoint still listens after serve stopped")
        let printed = try String(contentsOfFile: printedPath, encoding: .utf8)
        XCTAssertFalse(printed.contains(variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] ?? "-"),
                       "with --env-file the token is printed nowhere")
    }

    func testLibmicrohttpdIsMappedOnlyByACommandThatServes() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let serving = try credstore(home, ["exec", "--ecs-server", "--profile", "p", "--", "sh", "-c",
                                           "cat /proc/$PPID/maps"])
        XCTAssertEqual(serving.status, 0, serving.stderr)
        XCTAssertTrue(serving.stdout.contains("libmicrohttpd"), "the serving credstore has no libmicrohttpd mapped")

        // `export` seen from inside: a credential_process it runs reads its parent's (credstore's) maps.
        let maps = home.path + "/export-maps"
        let program = try home.home.write("#!/bin/sh\ncat /proc/$PPID/maps > '\(maps)'\n"
            + "echo '{\"Version\": 1, \"AccessKeyId\": \"\(keyID)\", \"SecretAccessKey\": \"\(secret)\"}'\n",
            to: "bin/creds", mode: 0o700)
        _ = try home.home.write("[profile viaprocess]\ncredential_process = \(program)\n", to: ".aws/config")
        let exported = try credstore(home, ["export", "--profile", "viaprocess"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let exportMaps = try String(contentsOfFile: maps, encoding: .utf8)
        XCTAssertTrue(exportMaps.contains("libc"), "the maps were not read")
        XCTAssertFalse(exportMaps.contains("libmicrohttpd"), "export maps libmicrohttpd")

        // The dynamic loader's own report (`LD_DEBUG=libs`) of commands that do not serve, `exec` included.
        for arguments in [["--version"], ["list"], ["export", "--profile", "p"], ["get", "--profile", "p"],
                          ["exec", "--profile", "p", "--", "/bin/true"]] {
            let result = try credstore(home, arguments, environment: ["LD_DEBUG": "libs"])
            XCTAssertEqual(result.status, 0, "credstore \(arguments.joined(separator: " ")) failed")
            XCTAssertTrue(result.stderr.contains("libc.so"), "LD_DEBUG printed nothing")
            XCTAssertFalse(result.stderr.contains("libmicrohttpd"),
                           "credstore \(arguments.joined(separator: " ")) loaded libmicrohttpd")
        }

        let readelf = try requirePeer("readelf")
        let needed = try CLI.runProcess(readelf, ["-d", CLI.executable.path], environment: [:])
        XCTAssertFalse(needed.stdout.contains("libmicrohttpd"), "credstore links libmicrohttpd")
    }
}
