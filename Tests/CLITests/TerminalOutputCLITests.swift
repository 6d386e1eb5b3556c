import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// What reaches the terminal and stdout (issue 13 items 8, 12, 15): a failed write to stdout is exit 74 with a
/// message, never a silent success; control characters from files, servers and the command line are escaped in
/// human-readable output; `get --show-secret` refuses a secret that is not text as `export` does.
final class TerminalOutputCLITests: XCTestCase {
    private var home: TemporaryHome!
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    /// Retitles the window, rings the bell and clears the screen when printed raw.
    private static let hostile = "\u{1B}]0;PWNED\u{07}\u{1B}[2J\u{9B}31m"

    override func setUpWithError() throws {
        home = try TemporaryHome()
    }

    override func tearDown() {
        home = nil
    }

    private func writeCredentials(_ text: String) throws {
        let path = try home.write(text, to: ".aws/credentials")
        chmod(path, 0o600)
    }

    /// Runs credstore through `sh -c` with `redirection` applied to its stdout.
    private func runRedirected(_ arguments: [String], _ redirection: String) throws -> CLIResult {
        try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"),
                           ["-c", "exec \"$0\" \"$@\" \(redirection)", CLI.executable.path] + arguments,
                           environment: home.environment)
    }

    private func assertNoRawControl(_ text: String, _ context: String, file: StaticString = #filePath,
                                    line: UInt = #line) {
        let raw = text.unicodeScalars.first { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        XCTAssertNil(raw, "\(context): a raw control character reached the terminal: \(text.debugDescription)",
                     file: file, line: line)
    }

    // MARK: - Item 8: output write errors

    func testAFailedWriteToStdoutIsExit74WithAMessage() throws {
        try writeCredentials("[p]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = \(Self.secret)\n")
        let commands: [[String]] = [
            ["export", "--profile", "p"],
            ["export", "--profile", "p", "--format", "env"],
            ["get", "--profile", "p"],
            ["list"],
            ["shared-profiles"],
        ]
        for arguments in commands {
            for redirection in ["> /dev/full", ">&-"] {
                let result = try runRedirected(arguments, redirection)
                let context = "\(arguments) \(redirection)"
                XCTAssertEqual(result.status, 74, "\(context): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("could not write the output to standard output"),
                              "\(context): \(result.stderr)")
                XCTAssertFalse(result.stderr.contains(Self.secret), context)
            }
        }
        let full = try runRedirected(["export", "--profile", "p"], "> /dev/full")
        XCTAssertTrue(full.stderr.contains(String(cString: strerror(ENOSPC))), full.stderr)
        let closed = try runRedirected(["export", "--profile", "p"], ">&-")
        XCTAssertTrue(closed.stderr.contains(String(cString: strerror(EBADF))), closed.stderr)
        // Output that works is unchanged.
        XCTAssertEqual(try runRedirected(["export", "--profile", "p"], "").status, 0)
    }

    // MARK: - Item 12: control characters

    func testControlCharactersFromSharedFilesAreEscaped() throws {
        try writeCredentials("""
            [p]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = \(Self.secret)
            region = \(Self.hostile)

            """)
        let get = try CLI.run(["get", "--profile", "p"], environment: home.environment)
        XCTAssertEqual(get.status, 0, get.stderr)
        assertNoRawControl(get.stdout, "get")
        XCTAssertTrue(get.stdout.contains(#"\u{1B}]0;PWNED\u{07}\u{1B}[2J\u{009B}31m"#), get.stdout)

        let table = try CLI.run(["shared-profiles"], environment: home.environment)
        XCTAssertEqual(table.status, 0, table.stderr)
        assertNoRawControl(table.stdout, "shared-profiles")
        XCTAssertTrue(table.stdout.contains(#"\u{1B}]0;PWNED"#), table.stdout)

        let list = try CLI.run(["list"], environment: home.environment)
        assertNoRawControl(list.stdout + list.stderr, "list")

        let missing = try CLI.run(["get", "--profile", "nope\(Self.hostile)"], environment: home.environment)
        XCTAssertNotEqual(missing.status, 0)
        assertNoRawControl(missing.stderr, "error naming a profile")

        // A value from the config file quoted in an error message.
        try home.write("[profile b]\ncredential_process = /nonexistent/\(Self.hostile)\n", to: ".aws/config")
        let process = try CLI.run(["get", "--profile", "b"], environment: home.environment)
        XCTAssertNotEqual(process.status, 0)
        assertNoRawControl(process.stderr, "error quoting credential_process")
        XCTAssertTrue(process.stderr.contains(#"/nonexistent/\u{1B}]0;PWNED"#), process.stderr)

        // Machine formats keep their own quoting: the env export of the value is shell-quoted, not escaped.
        let json = try CLI.run(["get", "--profile", "p", "--json"], environment: home.environment)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["Region"] as? String, Self.hostile)
    }

    func testAnAccessKeyGivenOnTheCommandLineIsEscapedWhereverItIsShown() throws {
        let keyFile = home.path + "/store.key"
        // `set` refuses a key id of that shape (issue 14): its refusal must not print the value raw either.
        let set = try CLI.run(["set", "--profile", "x", "--access-key", "AKIA\(Self.hostile)", "--key-file", keyFile],
                              environment: home.environment, stdin: Self.secret + "\n")
        XCTAssertEqual(set.status, 64, set.stderr)
        assertNoRawControl(set.stdout + set.stderr, "set --access-key")
        // A key id that reached a profile anyway (a shared file written by another tool) is escaped wherever shown.
        _ = try home.write("[x]\naws_access_key_id = AKIA\(Self.hostile)\naws_secret_access_key = \(Self.secret)\n",
                           to: ".aws/credentials")
        for arguments in [["get", "--profile", "x"], ["list"], ["shared-profiles"]] {
            let result = try CLI.run(arguments, environment: home.environment)
            if arguments[0] == "get" {  // the one that shows the key id
                XCTAssertTrue(result.stdout.contains("\\u{1B}"), "\(arguments): \(result.stdout)")
            }
            assertNoRawControl(result.stdout + result.stderr, "\(arguments)")
        }
    }

    /// A secret pasted into argv by mistake is not echoed back by a usage error (ArgumentParser's "Unexpected
    /// argument", the unknown-command check, an option's value), and the error says it is in the shell history now.
    func testASecretPastedIntoArgvIsNotEchoedByAUsageError() throws {
        let token = String(repeating: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH", count: 3)
        let commandLines = [["get", "--profile", "p", Self.secret], [Self.secret], ["keyslot", Self.secret],
                            ["get", "--profile", "p", "--no-such-option=\(Self.secret)"], ["list", token]]
        for arguments in commandLines {
            let result = try CLI.run(arguments, environment: home.environment)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stdout.contains(Self.secret) || result.stderr.contains(Self.secret),
                           "the secret was echoed: \(result.stderr)")
            XCTAssertFalse(result.stderr.contains(token), "the token was echoed: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("shell history"), "\(arguments): \(result.stderr)")
        }
    }

    func testAHostileMetadataCodeIsEscapedAndNotCalledInvalidJSON() throws {
        guard let python = CLI.which("python3") else {
            throw MissingPeer.error("the hostile metadata server test", needs: "python3 (not found on PATH)",
                                    remedy: "install python3")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let server = Process()
        server.executableURL = python
        server.arguments = [root + "/Scripts/imds-server.py", "--port", "0", "--code", Self.hostile]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self).dropFirst(5)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        var environment = home.environment
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:\(port)"
        let result = try CLI.run(["get"], environment: environment)
        XCTAssertNotEqual(result.status, 0)
        assertNoRawControl(result.stderr, "IMDS Code")
        XCTAssertTrue(result.stderr.contains(#"\u{1B}]0;PWNED"#), result.stderr)
        XCTAssertFalse(result.stderr.contains("not valid JSON"), result.stderr)
    }

    // MARK: - Item 15: a secret that is not text

    func testGetShowSecretRefusesASecretThatIsNotText() throws {
        let storePath = home.path + "/.local/share/credstore/store"
        let keyFile = home.path + "/store.key"
        let key = try KeyFile.generate(at: keyFile)
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)])
        try store.set(StoredProfile(name: "binary", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: SecretBytes([0x77, 0xFF, 0xFE, 0x4A])))
        for arguments in [["--json", "--show-secret"], ["--show-secret"]] {
            let result = try CLI.run(["get", "--profile", "binary", "--key-file", keyFile] + arguments,
                                     environment: home.environment)
            XCTAssertEqual(result.status, 65, "\(arguments): \(result.stdout) \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("SecretAccessKey"), result.stdout)
            XCTAssertTrue(result.stderr.contains("not valid UTF-8 text"), result.stderr)
        }
        // Redacted output needs no text and still works.
        let redacted = try CLI.run(["get", "--profile", "binary", "--key-file", keyFile, "--json"],
                                   environment: home.environment)
        XCTAssertEqual(redacted.status, 0, redacted.stderr)
    }
}
