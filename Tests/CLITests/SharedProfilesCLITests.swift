import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `credstore shared-profiles` in a temporary HOME.
final class SharedProfilesCLITests: XCTestCase {
    private let accessKey = "AKIAIOSFODNN7EXAMPLE"
    private let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    private func writeSampleFiles(_ home: TemporaryHome) throws {
        try home.write("""
            # hand-written
            [default]
            aws_access_key_id = \(accessKey)
            aws_secret_access_key = \(secretKey)
            region = us-west-2
            [ci]
            aws_access_key_id = AKIACI

            """, to: ".aws/credentials")
        try home.write("""
            [default]
            region = eu-west-1 ; overridden by the credentials file
            output = json
            s3 =
              addressing_style = path
            [profile only-config]
            aws_session_token = token-value-EXAMPLE
            [sso-session corp]
            sso_region = us-east-1

            """, to: ".aws/config")
    }

    private func json(_ text: String) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary, text)
    }

    func testJSONIsTheMergedViewWithCredentialsWinning() throws {
        let home = try TemporaryHome()
        try writeSampleFiles(home)
        let result = try CLI.run(["shared-profiles", "--json", "--show-secrets"], environment: home.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected: NSDictionary = [
            "profiles": [
                "default": [
                    "aws_access_key_id": accessKey, "aws_secret_access_key": secretKey, "region": "us-west-2",
                    "output": "json", "s3": ["addressing_style": "path"],
                ],
                "ci": ["aws_access_key_id": "AKIACI"],
                "only-config": ["aws_session_token": "token-value-EXAMPLE"],
            ],
            "sso_sessions": ["corp": ["sso_region": "us-east-1"]],
        ]
        XCTAssertEqual(try json(result.stdout), expected)
    }

    func testSecretsAreRedactedUnlessAskedFor() throws {
        let home = try TemporaryHome()
        try writeSampleFiles(home)
        for arguments in [["shared-profiles"], ["shared-profiles", "--json"]] {
            let result = try CLI.run(arguments, environment: home.environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertFalse(result.stdout.contains(secretKey), "\(arguments) printed the secret key")
            XCTAssertFalse(result.stdout.contains("token-value-EXAMPLE"), "\(arguments) printed the session token")
            XCTAssertTrue(result.stdout.contains(accessKey))
            XCTAssertTrue(result.stdout.contains("<redacted>"))
        }
        let table = try CLI.run(["shared-profiles"], environment: home.environment)
        XCTAssertTrue(table.stdout.contains("profile default"), table.stdout)
        XCTAssertTrue(table.stdout.contains("s3.addressing_style"), table.stdout)
        XCTAssertTrue(table.stdout.contains(home.path + "/.aws/credentials"), "the table names the source files")
        let shown = try CLI.run(["shared-profiles", "--show-secrets"], environment: home.environment)
        XCTAssertTrue(shown.stdout.contains(secretKey))
    }

    func testMalformedFileExits65NamingFileAndLineWithNothingOnStdout() throws {
        let home = try TemporaryHome()
        let path = try home.write("[default]\naws_access_key_id = \(accessKey)\n\(secretKey)\n", to: ".aws/credentials")
        let result = try CLI.run(["shared-profiles", "--json"], environment: home.environment)
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.hasPrefix("error: \(path), line 3:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("\nhint: "), result.stderr)
        XCTAssertFalse(result.stderr.contains(secretKey), "the error must not quote the line")
        XCTAssertEqual(try home.read(".aws/credentials"), "[default]\naws_access_key_id = \(accessKey)\n\(secretKey)\n")
    }

    func testMissingFilesAreEmptyAndEnvironmentAndOptionsPickTheFiles() throws {
        let home = try TemporaryHome()
        let empty = try CLI.run(["shared-profiles", "--json"], environment: home.environment)
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(try json(empty.stdout), ["profiles": [:], "sso_sessions": [:]] as NSDictionary)
        let emptyTable = try CLI.run(["shared-profiles"], environment: home.environment)
        XCTAssertTrue(emptyTable.stdout.hasPrefix("No profiles in "), emptyTable.stdout)

        try home.write("[from-env]\nk = 1\n", to: "elsewhere/creds")
        try home.write("[profile from-option]\nk = 2\n", to: "elsewhere/conf")
        var environment = home.environment
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "~/elsewhere/creds"
        let viaEnvironment = try CLI.run(["shared-profiles", "--json"], environment: environment)
        XCTAssertEqual(try json(viaEnvironment.stdout)["profiles"] as? NSDictionary, ["from-env": ["k": "1"]])
        let viaOption = try CLI.run(["shared-profiles", "--json", "--config-file", home.path + "/elsewhere/conf"],
                                    environment: environment)
        XCTAssertEqual(try json(viaOption.stdout)["profiles"] as? NSDictionary,
                       ["from-env": ["k": "1"], "from-option": ["k": "2"]])
    }
}
