import Foundation
import XCTest

/// `credstore exec`: the child's environment, exit status and signals passed through, a real `execve`, and the
/// nesting rule.
final class ExecCLITests: XCTestCase {
    private let keyID = "AKIAIOSFODNN7EXAMPLE"
    private let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private let token = "FwoGZXIvYXdzEXAMPLExTOKEN"

    /// Runs `credstore exec` directly (not through `setsid`), so the PID the test sees is credstore's own.
    private func exec(_ home: KeyFileHome, _ arguments: [String], environment extra: [String: String] = [:]) throws
        -> CLIResult {
        try CLI.runProcess(CLI.executable, ["exec"] + arguments, environment: home.environment.merging(extra) { $1 })
    }

    /// `exec` in a plain temporary home, with `stdin` on a pipe.
    private func exec(_ home: TemporaryHome, _ arguments: [String], stdin: String) throws -> CLIResult {
        try CLI.runProcess(CLI.executable, ["exec"] + arguments, environment: home.environment,
                           stdin: Data(stdin.utf8))
    }

    private func variables(_ output: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    /// A descriptor given to --passphrase-fd is read, then closed for the child: the command exec runs cannot seek
    /// back and read the passphrase.
    func testPassphraseDescriptorDoesNotReachTheChild() throws {
        let home = try TemporaryHome()
        let passphrase = try home.write("correct horse battery staple\n", to: "passphrase")
        XCTAssertEqual(chmod(passphrase, 0o600), 0)
        let created = try CLI.run(["init", "--passphrase-file", passphrase], environment: home.environment)
        XCTAssertEqual(created.status, 0, created.stderr)
        let stored = try CLI.run(["set", "--passphrase-file", passphrase, "--profile", "p", "--access-key", keyID],
                                 environment: home.environment, stdin: secret + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        var environment = home.environment
        environment["PP"] = passphrase
        environment["CS"] = CLI.executable.path
        let script = #"exec 3<"$PP"; exec "$CS" exec --passphrase-fd 3 --profile p -- "#
            + #"sh -c 'if [ -e /proc/self/fd/3 ]; then echo leaked; else echo closed; fi'"#
        let result = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "closed\n")
    }

    /// `--passphrase-fd 0`: the command gets /dev/null as stdin, so it can neither reopen a passphrase file
    /// (/proc/self/fd/0, at offset 0) nor read a passphrase left unread in a pipe (the key file opened the store).
    func testAPassphraseOnStandardInputDoesNotReachTheCommand() throws {
        let home = try TemporaryHome()
        let passphrase = "correct horse battery staple"
        let file = try home.write(passphrase + "\n", to: "passphrase")
        XCTAssertEqual(chmod(file, 0o600), 0)
        let keyFile = home.path + "/store.key"
        for arguments in [["init", "--passphrase-file", file],
                          ["keyslot", "add", "--passphrase-file", file, "--new-key-file", keyFile]] {
            let result = try CLI.run(arguments, environment: home.environment)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let stored = try CLI.run(["set", "--key-file", keyFile, "--profile", "p", "--access-key", keyID],
                                 environment: home.environment, stdin: secret + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        var environment = home.environment
        environment["PP"] = file
        environment["CS"] = CLI.executable.path
        let script = #"exec "$CS" exec --passphrase-fd 0 --profile p -- sh -c 'cat /proc/self/fd/0; cat' < "$PP""#
        let fromFile = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script], environment: environment)
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertFalse(fromFile.stdout.contains("horse"), "the command read the passphrase file")
        XCTAssertTrue(fromFile.stdout.isEmpty, "the command read \(fromFile.stdout.utf8.count) bytes")

        let fromPipe = try exec(home, ["--key-file", keyFile, "--passphrase-fd", "0", "--profile", "p", "--", "cat"],
                                stdin: passphrase + "\n")
        XCTAssertEqual(fromPipe.status, 0, fromPipe.stderr)
        XCTAssertFalse(fromPipe.stdout.contains("horse"), "the command read the unread passphrase from the pipe")
    }

    /// A command that exists but is not executable is "Permission denied", exit 126, as in a shell; on PATH, such a
    /// file does not hide an executable one later in the search.
    func testANonExecutableCommandIsPermissionDenied() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let passwd = try exec(home, ["--profile", "p", "--", "/etc/passwd"])
        XCTAssertEqual(passwd.status, 126, passwd.stderr)
        XCTAssertTrue(passwd.stderr.contains("cannot run '/etc/passwd': Permission denied"), passwd.stderr)

        let plain = try home.home.write("echo plain\n", to: "first/tool")
        XCTAssertEqual(chmod(plain, 0o644), 0)
        let runnable = try home.home.write("#!/bin/sh\necho ran\n", to: "second/tool")
        XCTAssertEqual(chmod(runnable, 0o755), 0)
        let first = home.path + "/first", second = home.path + "/second"
        let found = try exec(home, ["--profile", "p", "--", "tool"], environment: ["PATH": first + ":" + second])
        XCTAssertEqual(found.status, 0, found.stderr)
        XCTAssertEqual(found.stdout, "ran\n")
        let denied = try exec(home, ["--profile", "p", "--", "tool"], environment: ["PATH": first + ":/nonexistent"])
        XCTAssertEqual(denied.status, 126, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("cannot run 'tool': Permission denied"), denied.stderr)
        XCTAssertFalse(denied.stderr.contains(secret))
    }

    func testChildGetsTheCredentialsAndNoneOfTheSecretSourceVariables() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret, region: "eu-west-3")
        try home.setProfile("t", keyID: "ASIAIOSFODNN7EXAMPLE", secret: secret, token: token,
                            expiration: "2031-05-06T07:08:09Z")
        let inherited = [
            "AWS_PROFILE": "other", "AWS_DEFAULT_PROFILE": "other", "AWS_SESSION_TOKEN": "stale",
            "AWS_SECURITY_TOKEN": "stale", "CREDSTORE_PASSPHRASE_FILE": home.path + "/unused",
            "CREDENTIALS_DIRECTORY": home.path + "/unused", "KEEP_ME": "yes",
        ]
        let result = try exec(home, ["--profile", "p", "--", "env"], environment: inherited)
        XCTAssertEqual(result.status, 0, result.stderr)
        let child = variables(result.stdout)
        XCTAssertEqual(child["AWS_ACCESS_KEY_ID"], keyID)
        XCTAssertTrue(child["AWS_SECRET_ACCESS_KEY"] == secret, "wrong AWS_SECRET_ACCESS_KEY")
        XCTAssertEqual(child["AWS_REGION"], "eu-west-3")
        XCTAssertEqual(child["AWS_DEFAULT_REGION"], "eu-west-3")
        XCTAssertEqual(child["CREDSTORE_EXEC_PROFILE"], "p")
        XCTAssertEqual(child["KEEP_ME"], "yes")
        XCTAssertEqual(child["HOME"], home.path)
        for removed in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                        "AWS_CREDENTIAL_EXPIRATION", "CREDSTORE_KEY_FILE", "CREDSTORE_PASSPHRASE_FILE",
                        "CREDENTIALS_DIRECTORY", "CREDSTORE_RESOLVING_PROFILES"] {
            XCTAssertNil(child[removed], "\(removed) reached the child")
        }

        let temporary = try exec(home, ["--profile", "t", "--", "env"])
        XCTAssertEqual(temporary.status, 0, temporary.stderr)
        let withToken = variables(temporary.stdout)
        XCTAssertTrue(withToken["AWS_SESSION_TOKEN"] == token, "wrong AWS_SESSION_TOKEN")
        XCTAssertEqual(withToken["AWS_CREDENTIAL_EXPIRATION"], "2031-05-06T07:08:09Z")
        XCTAssertNil(withToken["AWS_REGION"], "no region is known for t")
    }

    func testExitStatusAndSignalsPassThroughAndItIsARealExec() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let seven = try exec(home, ["--profile", "p", "--", "sh", "-c", "exit 7"])
        XCTAssertEqual(seven.status, 7)
        XCTAssertEqual(seven.reason, .exit)

        let shell = URL(fileURLWithPath: "/bin/sh")
        let direct = try CLI.runProcess(shell, ["-c", "kill -TERM $$"], environment: home.environment)
        let viaExec = try exec(home, ["--profile", "p", "--", "sh", "-c", "kill -TERM $$"])
        XCTAssertEqual(direct.reason, .uncaughtSignal)
        XCTAssertEqual(viaExec.reason, direct.reason)
        XCTAssertEqual(viaExec.status, SIGTERM)

        // The shell's $$ is the PID the test started: credstore replaced itself, no parent lingers.
        let pid = try exec(home, ["--profile", "p", "--", "sh", "-c", "echo $$; echo $PPID"])
        XCTAssertEqual(pid.status, 0, pid.stderr)
        let lines = pid.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, String(pid.pid))
        XCTAssertEqual(lines.last, String(getpid()), "the child's parent is the test runner itself")
    }

    func testNestingForAnotherProfileIsRefusedUnlessAllowed() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let nested = try exec(home, ["--profile", "p", "--", "true"], environment: ["CREDSTORE_EXEC_PROFILE": "prod"])
        XCTAssertEqual(nested.status, 64)
        XCTAssertTrue(nested.stderr.contains("already running inside 'credstore exec' for profile 'prod'"),
                      nested.stderr)
        XCTAssertTrue(nested.stderr.contains("--allow-nested"), nested.stderr)
        let allowed = try exec(home, ["--profile", "p", "--allow-nested", "--", "true"],
                               environment: ["CREDSTORE_EXEC_PROFILE": "prod"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        let same = try exec(home, ["--profile", "p", "--", "true"], environment: ["CREDSTORE_EXEC_PROFILE": "p"])
        XCTAssertEqual(same.status, 0, same.stderr)
        // A real nested run: the outer exec's child starts an inner exec for another profile.
        try home.setProfile("q", keyID: keyID, secret: secret)
        let inner = try exec(home, ["--profile", "p", "--", CLI.executable.path, "exec", "--key-file", home.keyPath,
                                    "--profile", "q", "--", "true"])
        XCTAssertEqual(inner.status, 64, inner.stderr)
    }

    func testCommandErrors() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let none = try exec(home, ["--profile", "p"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("no command given"), none.stderr)
        let missing = try exec(home, ["--profile", "p", "--", "no-such-program-credstore-test"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertTrue(missing.stderr.contains("cannot run 'no-such-program-credstore-test'"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains(secret))
        let unknown = try exec(home, ["--profile", "nope", "--", "true"])
        XCTAssertEqual(unknown.status, 66)
        XCTAssertEqual(unknown.stdout, "")
    }
}
