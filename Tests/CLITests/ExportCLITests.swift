import Foundation
import XCTest

/// `credstore export` in its three formats, its errors, and its refusal to prompt without a terminal. Secrets are
/// compared, never printed: stdout that holds one is never used as an assertion message.
final class ExportCLITests: XCTestCase {
    private let keyID = "AKIAIOSFODNN7EXAMPLE"
    private let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private let token = "FwoGZXIvYXdzEXAMPLExTOKEN+/="

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "output is not JSON")
    }

    private func assertNoSecret(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(text.contains(secret) || text.contains(token), "a secret leaked (text withheld)",
                       file: file, line: line)
    }

    func testCredentialProcessReplyIsVersion1WithExpirationWhenSet() throws {
        let home = try KeyFileHome()
        try home.setProfile("static", keyID: keyID, secret: secret, region: "eu-west-1")
        try home.setProfile("temporary", keyID: "ASIAIOSFODNN7EXAMPLE", secret: secret, token: token,
                            expiration: "2030-01-02T03:04:05Z")

        let plain = try home.run(["export", "--profile", "static"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stderr, "")
        XCTAssertEqual(plain.stdout.filter { $0 == "\n" }.count, 1, "one line")
        let reply = try json(plain.stdout)
        XCTAssertEqual(Set(reply.keys), ["Version", "AccessKeyId", "SecretAccessKey"])
        XCTAssertEqual(reply["Version"] as? Int, 1)
        XCTAssertEqual(reply["AccessKeyId"] as? String, keyID)
        XCTAssertTrue(reply["SecretAccessKey"] as? String == secret, "wrong SecretAccessKey")

        let temporary = try home.run(["export", "--profile", "temporary", "--format", "credential-process"])
        XCTAssertEqual(temporary.status, 0, temporary.stderr)
        let withToken = try json(temporary.stdout)
        XCTAssertEqual(Set(withToken.keys), ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
                                             "Expiration"])
        XCTAssertTrue(withToken["SessionToken"] as? String == token, "wrong SessionToken")
        XCTAssertEqual(withToken["Expiration"] as? String, "2030-01-02T03:04:05Z")
    }

    func testEnvFormatIsShellQuotedEvenWithAQuoteInTheSecret() throws {
        let home = try KeyFileHome()
        let awkward = "it's/a+\"secret\" $HOME `x` \\EXAMPLE"
        try home.setProfile("quoted", keyID: keyID, secret: awkward, region: "ap-south-1")
        let exported = try home.run(["export", "--profile", "quoted", "--format", "env"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(exported.stdout.contains("unset AWS_SESSION_TOKEN\n"))
        // A real shell evaluates the lines back to the exact values; a stale token in the environment is unset.
        let script = exported.stdout + #"printf '%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "#
            + #""${AWS_SESSION_TOKEN-none}" "$AWS_REGION" "$AWS_DEFAULT_REGION""#
        let shell = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script],
                                       environment: ["PATH": "/usr/bin:/bin", "AWS_SESSION_TOKEN": "stale"])
        XCTAssertEqual(shell.status, 0, "the env output is not valid shell")
        XCTAssertTrue(shell.stdout == [keyID, awkward, "none", "ap-south-1", "ap-south-1"].joined(separator: "\n")
                      + "\n", "the shell read back different values")
    }

    func testJSONFormatSaysWhereTheCredentialsCameFrom() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret, region: "eu-north-1")
        let result = try home.run(["export", "--profile", "p", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try json(result.stdout)
        XCTAssertEqual(Set(object.keys), ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "Region",
                                          "Source"])
        XCTAssertTrue(object["SecretAccessKey"] as? String == secret)
        XCTAssertTrue(object["SessionToken"] is NSNull)
        XCTAssertEqual(object["Region"] as? String, "eu-north-1")
        // One shape of Source everywhere: the object `get --json` prints (issue 14 item 11).
        let source = try XCTUnwrap(object["Source"] as? [String: Any], "Source is an object, as in get --json")
        XCTAssertEqual(source["ProfileLocation"] as? String, home.storePath)
        XCTAssertEqual(source["StoreTypeName"] as? String, "SecureStore")
        XCTAssertEqual(source["Step"] as? String, "specifiedProfile")
        XCTAssertTrue((source["Description"] as? String)?.contains(home.storePath) == true)
    }

    func testErrorsGoToStderrWithoutSecretsAndExitNonZero() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let missing = try home.run(["export", "--profile", "nope"])
        XCTAssertEqual(missing.status, 66)
        XCTAssertEqual(missing.stdout, "")
        XCTAssertTrue(missing.stderr.hasPrefix("error: profile 'nope'"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\nhint: "), missing.stderr)

        let wrongKey = try home.home.write(String(repeating: "k", count: 32), to: "wrong.key")
        chmod(wrongKey, 0o600)
        for format in ["credential-process", "env", "json"] {
            let refused = try home.run(["export", "--profile", "p", "--format", format],
                                       environment: ["CREDSTORE_KEY_FILE": wrongKey])
            XCTAssertEqual(refused.status, 80, refused.stderr)
            XCTAssertEqual(refused.stdout, "")
            XCTAssertTrue(refused.stderr.contains("the key file does not open the store"), refused.stderr)
            assertNoSecret(refused.stderr)
        }

        // A secret in a plaintext profile that cannot be used is not quoted either.
        try home.home.write("[broken]\naws_secret_access_key = \(secret)\n", to: ".aws/credentials")
        let incomplete = try home.run(["export", "--profile", "broken"])
        XCTAssertNotEqual(incomplete.status, 0)
        XCTAssertEqual(incomplete.stdout, "")
        XCTAssertTrue(incomplete.stderr.contains("missing aws_access_key_id"), incomplete.stderr)
        assertNoSecret(incomplete.stderr)
    }

    func testOtherSecretSourcesUnlockTheStore() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        // systemd credentials: $CREDENTIALS_DIRECTORY/credstore.key, no CREDSTORE_KEY_FILE.
        let directory = home.path + "/run/credentials"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: home.keyPath, toPath: directory + "/credstore.key")
        var environment = home.home.environment
        environment["CREDENTIALS_DIRECTORY"] = directory
        let viaSystemd = try CLI.run(["export", "--profile", "p"], environment: environment)
        XCTAssertEqual(viaSystemd.status, 0, viaSystemd.stderr)
        XCTAssertTrue(try json(viaSystemd.stdout)["SecretAccessKey"] as? String == secret)
        // --key-file on the command line.
        let viaOption = try CLI.run(["export", "--profile", "p", "--key-file", home.keyPath],
                                    environment: home.home.environment)
        XCTAssertEqual(viaOption.status, 0, viaOption.stderr)
    }

    /// With no terminal and no secret source, export and exec fail at once (exit 83) and never read stdin, even
    /// when stdin is a pipe with something in it.
    func testNeverPromptsOnStdinWithoutATerminal() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: keyID, secret: secret)
        let setsid = URL(fileURLWithPath: "/usr/bin/setsid")
        for arguments in [["export", "--profile", "p"], ["exec", "--profile", "p", "--", "true"]] {
            let started = Date()
            let result = try CLI.runProcess(setsid, ["-w", CLI.executable.path] + arguments,
                                            environment: home.home.environment,
                                            stdin: Data("not a passphrase\n".utf8))
            XCTAssertEqual(result.status, 83, result.stderr)
            XCTAssertEqual(result.stdout, "")
            XCTAssertTrue(result.stderr.contains("needs a passphrase or key file, and none is available"),
                          result.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        }
    }
}
