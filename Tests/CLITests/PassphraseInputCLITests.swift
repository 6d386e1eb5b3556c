import Foundation
import XCTest

/// A passphrase file and a passphrase descriptor follow the one rule FORMAT.md states (*Secrets kept in files*): one
/// trailing LF or CRLF is removed, once, and nothing else; the help of both options says so.
final class PassphraseInputCLITests: XCTestCase {
    func testFileAndDescriptorDropOneLineEndOnly() throws {
        let home = try TemporaryHome()
        let file = try home.write("pw words\r\n", to: "passphrase")
        XCTAssertEqual(chmod(file, 0o600), 0)
        let created = try CLI.run(["init", "--passphrase-file", file], environment: home.environment)
        XCTAssertEqual(created.status, 0, created.stderr)
        let stored = try CLI.run(["set", "--profile", "default", "--access-key", "AKIAIOSFODNN7EXAMPLE",
                                  "--passphrase-file", file], environment: home.environment,
                                 stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        for (given, opens) in [("pw words\r\n", true), ("pw words\n", true), ("pw words", true),
                               ("pw words\n\n", false), ("pw words\r", false), ("pw words\r\n\r\n", false)] {
            let result = try CLI.run(["get", "--profile", "default", "--passphrase-fd", "0"],
                                     environment: home.environment, stdin: given)
            XCTAssertEqual(result.status, opens ? 0 : 80, "\(given.debugDescription): \(result.stderr)")
            XCTAssertEqual(result.stdout.contains("AKIAIOSFODNN7EXAMPLE"), opens, given.debugDescription)
        }
    }

    func testHelpSaysOneLineEndIsIgnored() throws {
        let home = try TemporaryHome()
        let get = try CLI.run(["get", "--help"], environment: home.environment)
        XCTAssertEqual(get.status, 0, get.stderr)
        let getHelp = get.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(getHelp.contains("A file holding the passphrase; one trailing newline (LF or CRLF) is ignored"),
                      getHelp)
        XCTAssertTrue(getHelp.contains("An open file descriptor to read the passphrase from, up to end of file; one "
                                       + "trailing newline (LF or CRLF) is ignored."), getHelp)
        let passwd = try CLI.run(["passwd", "--help"], environment: home.environment)
        XCTAssertEqual(passwd.status, 0, passwd.stderr)
        let passwdHelp = passwd.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(passwdHelp.contains("An open file descriptor to read the new passphrase from, up to end of file; "
                                          + "one trailing newline (LF or CRLF) is ignored."), passwdHelp)
        XCTAssertTrue(passwdHelp.contains("A file holding the new passphrase (mode 0600; one trailing newline, LF or "
                                          + "CRLF, is ignored)"), passwdHelp)
    }
}
