import Foundation
import TestSupport
import XCTest

/// Issue 14 item 13: `Scripts/demo` shows a real passphrase prompt (on a pseudo-terminal) and a role and an SSO
/// profile, which `list` reports as such and the AWS CLI uses with source keys from credstore. The demo runs here
/// with the debug binary (`CREDSTORE_DEMO_BINARY`), in its own temporary HOME, behind a wrapper that fails when the
/// demo's typed passphrase (`ANSWER`) reaches credstore's environment (and so the agent `unlock` starts).
final class DemoScriptTests: XCTestCase {
    func testDemoShowsAPromptAndARoleAndAnSSOProfile() throws {
        let demo = NewcomerCLITests.repository.appendingPathComponent("Scripts/demo")
        var environment = ProcessInfo.processInfo.environment
        for name in environment.keys where name.hasPrefix("AWS_") || name.hasPrefix("CREDSTORE_") {
            environment.removeValue(forKey: name)
        }
        let wrapperHome = try TemporaryHome()
        let wrapper = try wrapperHome.write("""
            #!/bin/sh
            if [ -n "${ANSWER+set}" ]; then echo "the demo passed its passphrase in the environment" >&2; exit 99; fi
            exec '\(CLI.executable.path)' "$@"

            """, to: "bin/credstore")
        XCTAssertEqual(chmod(wrapper, 0o755), 0)
        environment["CREDSTORE_DEMO_BINARY"] = wrapper
        let started = Date()
        let result = try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/setsid"), ["-w", demo.path],
                                        environment: environment)
        XCTAssertEqual(result.status, 0, String(result.stdout.suffix(2000)) + result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 120, "the demo stays short")
        let output = result.stdout.replacingOccurrences(of: "\u{1B}[1m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")

        // The prompt, answered on the pseudo-terminal, with nothing echoed.
        XCTAssertTrue(output.contains("$ credstore unlock --timeout 2m\nPassphrase for "), output)
        XCTAssertTrue(output.contains("Unlocked "), output)
        XCTAssertFalse(output.contains("a new, longer passphrase\n"), "the typed passphrase was echoed")

        // The role and SSO profiles, as list reports them.
        let rows = output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertTrue(rows.contains { $0.hasPrefix("* admin role SharedConfigFile") }, output)
        XCTAssertTrue(rows.contains { $0.hasPrefix("* corp sso SharedConfigFile") }, output)

        // The AWS CLI assumed the role with the source keys credstore handed it.
        guard output.contains("(a local moto server on") else {
            throw MissingPeer.error("the demo's AWS CLI steps", needs: "the AWS CLI and moto",
                                    remedy: "run Scripts/bootstrap --test")
        }
        XCTAssertTrue(output.contains(":assumed-role/Admin/"), output)
        try checkLivePart(output)
    }

    /// The live part: moto with signature checks, the key of IAM user `demo` in the store only, the AWS CLI through
    /// `credential_process`, `rotate` down to one (new) key, `exec --ecs-server` with no key in the task's
    /// environment, a role profile assumed by credstore and cached encrypted, a summary, no secret printed and moto
    /// stopped by its PID.
    private func checkLivePart(_ output: String) throws {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func linesAfter(_ command: String) -> [[String]] {
            lines.indices.filter { lines[$0] == command }.map { index in
                Array(lines[(index + 1)...].prefix { !$0.hasPrefix("$ ") && !$0.hasPrefix("# ") && !$0.isEmpty })
            }
        }
        // The AWS CLI signs with the key from the store (moto checks the signature): the IAM user, before and after.
        let identities = linesAfter("$ aws --profile live sts get-caller-identity --output text")
        XCTAssertEqual(identities.count, 2, output)
        for identity in identities {
            XCTAssertTrue(identity.first?.hasPrefix("123456789012\tarn:aws:iam::123456789012:user/demo\t") == true,
                          "\(identity)")
        }
        // Before the rotation one key, after it exactly one other key, and rotate says it deleted the first.
        let keyLists = linesAfter("$ aws --profile live iam list-access-keys --user-name demo --output text")
        XCTAssertEqual(keyLists.count, 2, output)
        let before = try XCTUnwrap(keyLists.first), after = try XCTUnwrap(keyLists.last)
        XCTAssertEqual(before.count, 1, "\(before)")
        XCTAssertEqual(after.count, 1, "one key after rotate: \(after)")
        let oldKey = try XCTUnwrap(before.first?.split(separator: "\t").first.map { $0.dropFirst(4) })
        let newKey = try XCTUnwrap(after.first?.split(separator: "\t").first.map { $0.dropFirst(4) })
        XCTAssertTrue(oldKey.hasPrefix("AKIA") && newKey.hasPrefix("AKIA") && oldKey != newKey, "\(before) \(after)")
        XCTAssertTrue(output.contains("Deleted the old key \(oldKey)."), output)
        XCTAssertTrue(output.contains("'rotate' replaced \(oldKey) with \(newKey)\n    (1 key left)"), output)

        // exec --ecs-server: the task has the container endpoint, no key, and the AWS CLI in it is the user.
        let task = try XCTUnwrap(linesAfter("$ credstore exec --ecs-server --profile live -- sh task").first)
        XCTAssertEqual(task.count, 3, "\(task)")
        XCTAssertTrue(task[0].contains(" AWS_CONTAINER_CREDENTIALS_FULL_URI "), task[0])
        XCTAssertFalse(task[0].contains("AWS_ACCESS_KEY_ID") || task[0].contains("AWS_SECRET_ACCESS_KEY"), task[0])
        XCTAssertEqual(task[1], "no key in the task's environment")
        XCTAssertTrue(task[2].contains("\tarn:aws:iam::123456789012:user/demo\t"), task[2])

        // The role profile: credstore assumes the role (exec), the second call (credential_process = export) gets the
        // same session from the encrypted cache with no AssumeRole at moto, and no file under HOME holds its token.
        let viaExec = linesAfter("$ credstore exec --profile deploy -- aws sts get-caller-identity --output text")
        let viaExport = linesAfter("$ aws --profile deploy-via-credstore sts get-caller-identity --output text")
        let assumed = try XCTUnwrap(viaExec.first?.first, output)
        XCTAssertTrue(assumed.hasPrefix("123456789012\tarn:aws:sts::123456789012:assumed-role/deploy/"), assumed)
        XCTAssertEqual(viaExport.first?.first, assumed, "the same session, from the cache")
        XCTAssertTrue(output.contains("(moto answered 1 request during that call"), output)
        let sessions = linesAfter("$ credstore sessions")
        XCTAssertEqual(sessions.count, 2, output)
        for listing in sessions {
            let rows = listing.dropFirst().map { $0.split(separator: " ").joined(separator: " ") }
            XCTAssertEqual(rows.count, 1, "\(listing)")
            XCTAssertTrue(rows.first?.hasPrefix("deploy role arn:aws:iam::123456789012:role/deploy ASIA") == true,
                          "\(listing)")
        }
        XCTAssertTrue(output.contains("holding the session token or secret in plain text: 0\n"), output)

        // No secret reached the output: every secret-shaped word is one of the documentation's example secrets.
        let shown = Set(output.split { !($0.isLetter || $0.isNumber || $0 == "/" || $0 == "+") }
            .filter { $0.count == 40 }.map(String.init))
        XCTAssertEqual(shown.subtracting(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                          "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"]), [], "a secret was printed")

        // The summary, and moto stopped by its PID (the demo has exited: nothing of it is left running).
        XCTAssertTrue(output.contains("## Summary\n"), output)
        XCTAssertTrue(output.contains("\nNothing is left running"), output)
        let stopping = try XCTUnwrap(lines.first { $0.hasPrefix("(stopping moto, pid ") })
        let pid = try XCTUnwrap(pid_t(stopping.dropFirst("(stopping moto, pid ".count).dropLast()))
        XCTAssertEqual(kill(pid, 0), -1, "moto (pid \(pid)) still runs")
    }
}
