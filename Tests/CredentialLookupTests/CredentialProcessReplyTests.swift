import Foundation
import XCTest
@testable import CredentialLookup

/// The Version 1 reply parser, the JSON reader under it, RFC 3339 timestamps and the command-line splitter.
final class CredentialProcessReplyTests: XCTestCase {
    private func parse(_ text: String) throws -> Credentials {
        try CredentialProcessReply.parse(SecretBytes(Array(text.utf8)))
    }

    private func assertInvalid(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            guard let error = error as? CredentialLookupError else {
                return XCTFail("unexpected \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.code, .invalidCredentialProcessOutput, file: file, line: line)
            XCTAssertTrue(error.message.contains(expected), error.message, file: file, line: line)
            self.assertNoSecret(error.description, file: file, line: line)
        }
    }

    func testAMinimalAndAFullReply() throws {
        var credentials = try parse(#"{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"#
            + #""wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#)
        XCTAssertEqual(credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(credentials.secretAccessKey, Example.secret)
        XCTAssertNil(credentials.sessionToken)
        XCTAssertNil(credentials.expiration)

        // Escapes, a byte order mark, unknown and nested fields, null token, a fractional offset timestamp.
        credentials = try parse("\u{FEFF} {\n \"Version\": 1.0, \"AccountId\": \"123456789012\", \"x\": [1, {\"y\": "
            + "[true, false, null]}, -2.5e+3], \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\", \"SecretAccessKey\": "
            + #""wJalrXUtnFEMI\/K7MDENG\u002FbPxRfiCYEXAMPLEKEY", "SessionToken": null, "#
            + #""Expiration": "2030-06-01T14:30:00.250+02:00"}"# + "\r\n")
        XCTAssertEqual(credentials.secretAccessKey, Example.secret)
        XCTAssertNil(credentials.sessionToken)
        XCTAssertEqual(credentials.expiration, Date(timeIntervalSince1970: 1_906_547_400.25))
    }

    func testStringsDecodeLikeJSONSerialization() throws {
        let values = ["plain", "sl/ash", "quote\"back\\slash", "tab\tnew\nline", "é ü 日本 🔑", "\u{7F}\u{80}",
                      "", "\u{1}\u{1F}"]
        for value in values {
            let encoded = try JSONSerialization.data(withJSONObject: ["SecretAccessKey": value])
            let object = try encoded.withUnsafeBytes { try SecretJSONObject.parse($0) }
            guard case .string(let decoded)? = object["SecretAccessKey"] else { return XCTFail("not a string") }
            XCTAssertEqual(decoded, SecretBytes(utf8: value), "value #\(values.firstIndex(of: value)!)")
        }
        let pair = try Data(#"{"k": "\ud83d\udd11\u00e9"}"#.utf8).withUnsafeBytes { try SecretJSONObject.parse($0) }
        guard case .string(let key)? = pair["k"] else { return XCTFail("not a string") }
        XCTAssertEqual(key, SecretBytes(utf8: "🔑é"))
    }

    func testInvalidRepliesAreRejectedWithoutQuotingThem() {
        let pair = #""AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "#
            + #""SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#
        assertInvalid("", "empty")
        assertInvalid("   ", "empty")
        assertInvalid("[1]", "not a JSON object")
        assertInvalid("{\(pair)}", "\"Version\" is missing")
        assertInvalid(#"{"Version": "1", \#(pair)}"#, "must be the number 1")
        assertInvalid(#"{"Version": 2, \#(pair)}"#, "must be the number 1")
        assertInvalid(#"{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE"}"#, "SecretAccessKey")
        assertInvalid(#"{"Version": 1, "AccessKeyId": "", "SecretAccessKey": "x"}"#, "AccessKeyId")
        assertInvalid(#"{"Version": 1, "AccessKeyId": "AKIA EXAMPLE", "SecretAccessKey": "x"}"#, "AccessKeyId")
        assertInvalid(#"{"Version": 1, \#(pair), "SessionToken": 5}"#, "SessionToken")
        assertInvalid(#"{"Version": 1, \#(pair), "Expiration": "2030-02-30T00:00:00Z"}"#, "RFC 3339")
        assertInvalid(#"{"Version": 1, \#(pair), "Expiration": 1900000000}"#, "RFC 3339")
        assertInvalid(#"{"Version": 1, \#(pair), "Version": 1}"#, "more than once")
        assertInvalid(#"{"Version": 1, \#(pair)} trailing"#, "after the object")
        assertInvalid(#"{"Version": 1, \#(pair),}"#, "expected a string key")
        assertInvalid(#"{"Version": 1, \#(pair)"#, "ends early")
        assertInvalid(#"{"Version": 01, \#(pair)}"#, "expected ',' or '}'")
        assertInvalid(#"{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtn"#,
                      "unterminated string")
        assertInvalid(#"{"Version": 1, \#(pair), "x": "\ud800"}"#, "unpaired surrogate")
        assertInvalid(#"{"Version": 1, \#(pair), "x": "\q"}"#, "invalid escape")
        assertInvalid("{\"Version\": 1, \(pair), \"x\": \"a\u{1}b\"}", "control character")
        assertInvalid(String(repeating: "[", count: 10_000), "not a JSON object")
        assertInvalid("{\"a\":" + String(repeating: "[", count: 10_000), "nesting too deep")
    }

    func testADuplicatedKeyIsNotQuoted() {
        // A key is program output too: a program that prints a secret as a key must not see it in the error.
        let pair = #""AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x""#
        for key in ["private-note-7f3a", Example.secretText] {
            let text = #"{"Version": 1, \#(pair), "\#(key)": 1, "\#(key)": 2}"#
            XCTAssertThrowsError(try parse(text), key) { error in
                let message = (error as? CredentialLookupError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains("a key appears more than once"), message)
                XCTAssertFalse("\(error)".contains(key), message)
                XCTAssertFalse((error as? CredentialLookupError)?.description.contains(key) ?? true, message)
            }
        }
    }

    func testInvalidUTF8AndOversizedRepliesAreRejected() {
        var bytes = Array(#"{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "ab"}"#.utf8)
        bytes[bytes.count - 3] = 0xC0
        XCTAssertThrowsError(try CredentialProcessReply.parse(SecretBytes(bytes))) {
            XCTAssertTrue(($0 as? CredentialLookupError)?.message.contains("UTF-8") ?? false, "\($0)")
        }
        let huge = SecretBytes(zeroedCount: CredentialProcessReply.maximumSize + 1)
        XCTAssertThrowsError(try CredentialProcessReply.parse(huge)) {
            XCTAssertTrue(($0 as? CredentialLookupError)?.message.contains("larger than") ?? false, "\($0)")
        }
    }

    func testRFC3339() throws {
        let cases: [(String, Double?)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2024-02-29T23:59:59z", 1_709_251_199),
            ("2024-02-29 23:59:59+01:30", 1_709_245_799),
            ("2000-01-01T00:00:00.5-00:00", 946_684_800.5),
            ("1969-12-31T23:59:59Z", -1),
            ("2023-02-29T00:00:00Z", nil),
            ("2024-01-01T24:00:00Z", nil),
            ("2024-01-01T00:00:00", nil),
            ("2024-01-01T00:00:00.Z", nil),
            ("2024-1-01T00:00:00Z", nil),
            ("2024-01-01T00:00:00Z ", nil),
            ("2024-01-01T00:00:00+0100", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(RFC3339.parse(Array(text.utf8))?.timeIntervalSince1970, expected, text)
        }
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 1_709_251_199.9)), "2024-02-29T23:59:59Z")
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59Z")
        for seconds in stride(from: -5_000_000_000.0, to: 5_000_000_000, by: 123_456_789) {
            let date = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(RFC3339.parse(Array(RFC3339.format(date).utf8)), date)
        }
    }

    /// The splitter agrees with Python's `shlex.split`, which botocore uses, on every case (run for real).
    func testCommandLineSplittingMatchesPythonShlex() throws {
        let cases = [
            "/opt/bin/awscreds-custom --username helen",
            "  leading   and\ttrailing  \n",
            "'single quoted $HOME' \"double \\\"quoted\\\" \\\\ \\$x \\n\"",
            "a\\ b c\\\\d e\\'f",
            "mixed'quo'ted\"wo\"rd '' \"\"",
            "#not-a-comment x#y",
            "naïve 'ünïcödé arg'",
            "",
            "   ",
        ]
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import json, shlex, sys\n"
            + "print(json.dumps([shlex.split(c) for c in json.load(sys.stdin)]))"]
        let input = Pipe(), output = Pipe()
        python.standardInput = input
        python.standardOutput = output
        try python.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: cases))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        XCTAssertEqual(python.terminationStatus, 0)
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String]])
        XCTAssertEqual(expected.count, cases.count)
        for (line, words) in zip(cases, expected) {
            XCTAssertEqual(try CommandLineSplitter.split(line), words, line)
        }
        XCTAssertThrowsError(try CommandLineSplitter.split("a 'b")) {
            XCTAssertEqual($0 as? CommandLineSplitter.Failure, .unbalancedQuote)
        }
        XCTAssertThrowsError(try CommandLineSplitter.split("a \"b\\\"")) {
            XCTAssertEqual($0 as? CommandLineSplitter.Failure, .unbalancedQuote)
        }
        XCTAssertThrowsError(try CommandLineSplitter.split("a b\\")) {
            XCTAssertEqual($0 as? CommandLineSplitter.Failure, .trailingBackslash)
        }
    }
}
