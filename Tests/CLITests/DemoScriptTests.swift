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
    }
}
