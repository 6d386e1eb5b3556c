import Foundation
import XCTest
@testable import CredentialLookup

/// `credential_process` profiles, run for real through `/bin/sh` scripts in a temporary directory.
final class CredentialProcessTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var fixture = Fixture()

    override func setUpWithError() throws {
        // A space in the directory name makes every test exercise the quoting of the command line.
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/my tools", withIntermediateDirectories: true)
        fixture = Fixture()
    }

    override func tearDown() { directory = nil }

    private func reply(expiration: String? = "2999-01-01T00:00:00Z", version: String = "1") -> String {
        var fields = ["\"Version\": \(version)", "\"AccessKeyId\": \"\(Example.accessKeyID)\"",
                      "\"SecretAccessKey\": \"\(Example.secretText.replacingOccurrences(of: "/", with: "\\/"))\"",
                      "\"SessionToken\": \"FwoGZXIvYXdzEXAMPLETOKEN\""]
        if let expiration { fields.append("\"Expiration\": \"\(expiration)\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// Writes a script under "my tools" and puts a profile `helen` running it into the config file.
    private func profile(_ body: String, arguments: String = "") throws {
        let path = try directory.script("my tools/awscreds-custom", body)
        fixture.configFile.profiles["helen"] = ProfileEntry(
            name: "helen", settings: ["credential_process": "'\(path)' \(arguments)", "region": "eu-north-1"])
    }

    func testAGoodProcessGetsItsArgumentsWithoutAShellAndYieldsCredentials() throws {
        try profile("""
            [ "$1" = --username ] && [ "$2" = "helen smith" ] && [ "$3" = '$HOME' ] && [ $# -eq 3 ] || exit 3
            [ "$CREDSTORE_TEST_MARK" = lookup-env ] || { echo "environment not passed" >&2; exit 5; }
            [ "$CREDSTORE_CREDENTIAL_PROCESS_DEPTH" = 1 ] || { echo "depth not set" >&2; exit 6; }
            if read line; then echo "stdin is not /dev/null" >&2; exit 4; fi
            cat <<'JSON'
            \(reply())
            JSON
            """, arguments: "--username \"helen smith\" '$HOME'")
        fixture.environment["CREDSTORE_TEST_MARK"] = "lookup-env"

        let resolution = try fixture.resolve(LookupRequest(profileName: "helen"))
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, Example.secret)
        XCTAssertEqual(resolution.credentials.sessionToken, SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLETOKEN"))
        XCTAssertEqual(resolution.credentials.expiration, Date(timeIntervalSince1970: 32_472_144_000))
        XCTAssertEqual(resolution.origin.storeType, .credentialProcess)
        XCTAssertEqual(resolution.origin.profileStoreType, .sharedConfigFile)
        XCTAssertEqual(resolution.origin.location, fixture.configFile.location)
        XCTAssertEqual(resolution.origin.program, directory.path + "/my tools/awscreds-custom")
        XCTAssertEqual(resolution.region, "eu-north-1")
        assertNoSecret(resolution.origin.description)
    }

    func testAProgramFoundThroughPathInTheLookupEnvironment() throws {
        try profile("cat <<'JSON'\n\(reply(expiration: nil))\nJSON")
        fixture.configFile.profiles["helen"]?.settings["credential_process"] = "awscreds-custom"
        fixture.environment["PATH"] = "/nonexistent:" + directory.path + "/my tools:/usr/bin:/bin"
        let resolution = try fixture.resolve(LookupRequest(profileName: "helen"))
        XCTAssertNil(resolution.credentials.expiration)
        XCTAssertEqual(resolution.origin.program, "awscreds-custom")

        fixture.environment["PATH"] = "/nonexistent:/usr/bin:/bin"
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertEqual(error.code, .credentialProcessFailed)
        XCTAssertTrue(error.message.contains("was not found"), error.message)
    }

    func testAFailingProcessReportsItsStatusAndStderrButNeverItsStdout() throws {
        try profile("""
            printf '%s\\n' '\(reply())'
            echo "token for helen has expired;" >&2
            printf 'run \\033[31mawscreds login\\n\\n' >&2
            exit 2
            """)
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertEqual(error.code, .credentialProcessFailed)
        XCTAssertEqual(error.processExitStatus, 2)
        // The escape character is shown escaped (`TerminalText`, the one escaping of issue 13 item 12), not raw.
        XCTAssertEqual(error.processStandardError, #"token for helen has expired; | run \u{1B}[31mawscreds login"#)
        XCTAssertTrue(error.message.contains("exited with status 2"), error.message)
        XCTAssertTrue(error.message.contains("profile 'helen'"), error.message)
        XCTAssertTrue(error.message.contains(fixture.configFile.location), error.message)
        XCTAssertTrue(error.message.contains("token for helen has expired"), error.message)
        assertNoSecret(error.description)
    }

    func testExpiredProcessCredentialsAreAnError() throws {
        try profile("printf '%s\\n' '\(reply(expiration: "2020-01-01T00:00:00+00:00"))'")
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertEqual(error.code, .expired)
        XCTAssertTrue(error.message.contains("2020-01-01T00:00:00Z"), error.message)
        XCTAssertTrue(error.message.contains("credential_process"), error.message)
        assertNoSecret(error.description)
    }

    func testMalformedRepliesAreErrorsThatDoNotQuoteTheReply() throws {
        let cases: [(String, String)] = [
            ("printf '%s\\n' '{\"Version\": 1, \"AccessKeyId\": \"\(Example.accessKeyID)\", "
                + "\"SecretAccessKey\": \"\(Example.secretText)\"'",
             "not valid JSON"),
            ("printf '%s\\n' '\(reply(version: "2"))'", "Version"),
            ("printf '%s\\n' '\(reply(expiration: "next tuesday"))'", "Expiration"),
            ("echo 'SecretAccessKey=\(Example.secretText)'", "not a JSON object"),
            ("true", "empty"),
        ]
        for (body, expected) in cases {
            try profile(body)
            let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
            XCTAssertEqual(error.code, .invalidCredentialProcessOutput)
            XCTAssertTrue(error.message.contains(expected), error.message)
            XCTAssertTrue(error.message.contains("profile 'helen'"), error.message)
            assertNoSecret(error.description)
        }
    }

    func testTimeoutsSignalsOversizedOutputAndBadCommandLines() throws {
        try profile("exec sleep 30")
        var start = Date()
        var error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen"),
                                                      options: LookupOptions(credentialProcessTimeout: 1)))
        XCTAssertEqual(error.code, .credentialProcessFailed)
        XCTAssertTrue(error.message.contains("within 1 s"), error.message)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)

        try profile("echo 'about to die' >&2; kill -9 $$")
        error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertTrue(error.message.contains("killed by signal 9"), error.message)
        XCTAssertEqual(error.processStandardError, "about to die")

        try profile("head -c 100000 /dev/zero")
        start = Date()
        error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertTrue(error.message.contains("more than 65536 bytes"), error.message)

        fixture.configFile.profiles["helen"]?.settings["credential_process"] = "/bin/echo 'unbalanced"
        error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertEqual(error.code, .invalidCredentialProcessCommand)
        XCTAssertTrue(error.message.contains("no closing quotation"), error.message)
    }

    func testAProgramThatExitedButLeftItsOutputOpenIsNotCalledATimeout() throws {
        // The reply is complete and the program exits 0, but a background child keeps stdout open past the timeout.
        try profile("printf '%s\\n' '\(reply())'; sleep 3 &")
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen"),
                                                      options: LookupOptions(credentialProcessTimeout: 1)))
        XCTAssertEqual(error.code, .credentialProcessFailed)
        XCTAssertFalse(error.message.contains("did not finish"), error.message)
        XCTAssertTrue(error.message.contains("exited with status 0, but a process it started kept its stdout or "
                                             + "stderr open"), error.message)
        assertNoSecret(error.description)
    }

    func testNestedCredentialProcessesStopAtTheDepthLimit() throws {
        try profile("printf '%s\\n' '\(reply())'")
        fixture.environment["CREDSTORE_CREDENTIAL_PROCESS_DEPTH"] = "3"
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "helen")))
        XCTAssertEqual(error.code, .credentialProcessFailed)
        XCTAssertTrue(error.message.contains("nested 3 deep"), error.message)
    }

    func testStaticKeysWinOverCredentialProcessInTheSameProfile() throws {
        let marker = directory.path + "/ran"
        let path = try directory.script("never", "touch '\(marker)'; exit 1")
        fixture.credentialsFile.profiles["both"] = staticEntry("both", settings: ["credential_process": path])
        let resolution = try fixture.resolve(LookupRequest(profileName: "both"))
        XCTAssertEqual(resolution.origin.storeType, .sharedCredentialsFile)
        XCTAssertTrue(resolution.notes.contains { $0.contains("static keys were used") })
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }
}
