import Foundation
import TestSupport
import XCTest

/// A canary secret through every input path — stdin for `set` (secret and session token), a passphrase file, a key
/// file, a credential_process reply, environment credentials — never shows up where it should not: in
/// /proc/<pid>/cmdline or /proc/<pid>/environ of credstore or its children (except the credentials `exec` is asked
/// to inject), on stdout or stderr (no command here asks for secrets), or in any file under HOME but the encrypted
/// store and the test's own input files.
final class LeakCLITests: XCTestCase {
    private static let example = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private let stdinSecret = example + "-canary-stdin"
    private let stdinToken = "canary-session-token-" + UUID().uuidString
    private let passphrase = "canary passphrase " + UUID().uuidString
    private let processSecret = example + "-canary-process"
    private let environmentSecret = example + "-canary-environment"

    func testCanariesStayWhereTheyBelong() throws {
        let home = try TemporaryHome()
        let dumps = try TemporaryHome()  // outside HOME, so the scan of HOME does not see the /proc dumps
        let passphraseFile = try home.write(passphrase + "\n", to: "input/passphrase")
        chmod(passphraseFile, 0o600)
        let keyFile = home.path + "/input/store.key"
        var outputs: [String] = []
        func run(_ arguments: [String], stdin: String? = nil, extra: [String: String] = [:]) throws -> CLIResult {
            let result = try CLI.run(arguments, environment: home.environment.merging(extra) { $1 }, stdin: stdin)
            outputs.append(result.stdout + result.stderr)
            return result
        }

        XCTAssertEqual(try run(["init", "--passphrase-file", passphraseFile, "--key-file", keyFile]).status, 0)
        let key = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        XCTAssertEqual(try run(["set", "--profile", "p", "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", keyFile,
                                "--with-session-token"], stdin: stdinSecret + "\n" + stdinToken + "\n").status, 0)
        // A credential_process program that records what it can see of credstore (its parent) and of itself.
        let script = try home.write("""
            #!/bin/sh
            cat /proc/$PPID/cmdline > '\(dumps.path)/credstore.cmdline'
            cat /proc/$PPID/environ > '\(dumps.path)/credstore.environ'
            cat /proc/self/cmdline > '\(dumps.path)/process.cmdline'
            cat /proc/self/environ > '\(dumps.path)/process.environ'
            printf '{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "%s"}' '\(processSecret)'

            """, to: "input/creds.sh")
        chmod(script, 0o700)
        try home.write("[profile cp]\ncredential_process = \(script)\n", to: ".aws/config")

        XCTAssertEqual(try run(["get", "--profile", "cp", "--key-file", keyFile]).status, 0)
        XCTAssertEqual(try run(["get", "--profile", "p", "--passphrase-file", passphraseFile, "--json"]).status, 0)
        XCTAssertEqual(try run(["list", "--json"]).status, 0)
        XCTAssertEqual(try run(["get"], extra: ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                                                "AWS_SECRET_ACCESS_KEY": environmentSecret]).status, 0)
        let wrong = try run(["get", "--profile", "p"], extra: ["CREDSTORE_PASSPHRASE_FILE": script])
        XCTAssertNotEqual(wrong.status, 0, "a wrong passphrase source fails, without quoting what it read")
        // exec injects p's credentials into the command it runs, which records what it sees.
        let exec = try run(["exec", "--profile", "p", "--key-file", keyFile, "--", "/bin/sh", "-c",
                            "cat /proc/self/cmdline > '\(dumps.path)/exec.cmdline'; "
                            + "cat /proc/self/environ > '\(dumps.path)/exec.environ'"])
        XCTAssertEqual(exec.status, 0, exec.stderr)

        let canaries: [(String, Data)] = [
            ("stdin secret", Data(stdinSecret.utf8)), ("stdin token", Data(stdinToken.utf8)),
            ("passphrase", Data(passphrase.utf8)), ("key file bytes", key),
            ("key file hex", Data(key.map { String(format: "%02x", $0) }.joined().utf8)),
            ("key file base64", Data(key.base64EncodedString().utf8)),
            ("credential_process secret", Data(processSecret.utf8)),
        ]
        func assertClean(_ data: Data, _ place: String, allowing allowed: Set<String> = []) {
            for (name, canary) in canaries where !allowed.contains(name) {
                XCTAssertNil(data.range(of: canary), "the \(name) appears in \(place)")
            }
        }
        for (index, output) in outputs.enumerated() {
            assertClean(Data(output.utf8), "the output of command \(index)")
            XCTAssertFalse(output.contains(environmentSecret), "the environment secret appears in output \(index)")
        }
        for dump in ["credstore.cmdline", "credstore.environ", "process.cmdline", "process.environ", "exec.cmdline"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: dumps.path + "/" + dump))
            XCTAssertFalse(data.isEmpty, dump)
            assertClean(data, dump)
        }
        let execEnvironment = try Data(contentsOf: URL(fileURLWithPath: dumps.path + "/exec.environ"))
        assertClean(execEnvironment, "exec.environ", allowing: ["stdin secret", "stdin token"])
        XCTAssertNotNil(execEnvironment.range(of: Data("AWS_SECRET_ACCESS_KEY=\(stdinSecret)".utf8)),
                        "exec injects exactly the profile's secret (the check above can fail)")

        // Every file under HOME but the store and the test's own inputs.
        let inputs = Set([passphraseFile, keyFile, script])
        let enumerator = FileManager.default.enumerator(atPath: home.path)
        var scanned = 0
        while let relative = enumerator?.nextObject() as? String {
            let path = home.path + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !inputs.contains(path), !path.hasSuffix("credstore/store") else { continue }
            assertClean(try Data(contentsOf: URL(fileURLWithPath: path)), path)
            scanned += 1
        }
        let store = try Data(contentsOf: URL(fileURLWithPath: home.path + "/.local/share/credstore/store"))
        assertClean(store, "the encrypted store (in clear)")
        XCTAssertGreaterThan(scanned, 0)
    }
}
