import Foundation
import TestSupport
import XCTest

/// The real AWS CLI (v1, botocore) against a real moto server on 127.0.0.1 with SigV4 signature checking: the keys
/// reach AWS only through credstore (`credential_process` → `credstore export`, or `credstore exec`), and a wrong
/// secret in the store is refused, so the real secret demonstrably travelled. About 14 `aws` calls in all.
final class AWSCLIInteropTests: XCTestCase {
    /// moto (TestSupport) with the signed IAM user `credstore-test` (allow-all policy, one access key); skips the
    /// test when moto or the AWS CLI is not installed.
    private func startMoto() throws -> (MotoServer, MotoResources.User) {
        guard CLI.which("aws") != nil else {
            throw MissingPeer.error("the AWS CLI and moto interop tests", needs: "the AWS CLI (aws: not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs the AWS CLI and moto[server])")
        }
        let moto = try MotoServer(setUp: #"create_user("credstore-test")"#)
        return (moto, try moto.resources.user("credstore-test"))
    }

    /// The HOME-based environment with the AWS CLI pointed at moto (region, endpoint, no pager).
    private func environment(_ moto: MotoServer, _ home: KeyFileHome) -> [String: String] {
        home.environment.merging(moto.awsEnvironment) { $1 }
    }

    private func aws(_ moto: MotoServer, _ home: KeyFileHome, _ arguments: [String]) throws -> CLIResult {
        let aws = try XCTUnwrap(CLI.which("aws"))
        return try CLI.runProcess(aws, ["--endpoint-url", moto.endpoint, "--output", "json"] + arguments,
                                  environment: environment(moto, home))
    }

    private func viaExec(_ moto: MotoServer, _ home: KeyFileHome, profile: String) throws -> CLIResult {
        try CLI.run(["exec", "--profile", profile, "--", "aws", "--endpoint-url", moto.endpoint, "--output", "json",
                     "sts", "get-caller-identity"], environment: environment(moto, home))
    }

    private func assertIdentity(_ result: CLIResult, _ what: String, file: StaticString = #filePath,
                                line: UInt = #line) {
        XCTAssertEqual(result.status, 0, "\(what) failed: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stdout.contains(":user/credstore-test"), "\(what): not moto's signed user",
                      file: file, line: line)
    }

    private func assertSignatureRejected(_ result: CLIResult, _ what: String, file: StaticString = #filePath,
                                         line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "\(what) succeeded with a wrong secret", file: file, line: line)
        XCTAssertTrue(result.stderr.contains("SignatureDoesNotMatch"), "\(what): \(result.stderr)",
                      file: file, line: line)
    }

    func testAWSCLIUsesTheStoreThroughCredentialProcessAndExec() throws {
        let (moto, user) = try startMoto()
        defer { moto.stop() }
        let home = try KeyFileHome()
        try home.setProfile("signed", keyID: user.accessKeyID, secret: user.secretAccessKey, region: "us-east-1")
        try home.home.write("""
            [profile signed]
            region = us-east-1
            credential_process = \(CLI.executable.path) export --profile signed --format credential-process

            """, to: ".aws/config")

        assertIdentity(try aws(moto, home, ["sts", "get-caller-identity", "--profile", "signed"]),
                       "aws --profile signed (credential_process)")
        assertIdentity(try viaExec(moto, home, profile: "signed"), "credstore exec -- aws")

        // The same profile with a wrong secret: moto checks the signature and refuses both paths.
        try home.setProfile("signed", keyID: user.accessKeyID, secret: "wrongSecretEXAMPLEwrongSecretEXAMPLE0000",
                            region: "us-east-1", force: true)
        assertSignatureRejected(try aws(moto, home, ["sts", "get-caller-identity", "--profile", "signed"]),
                                "aws --profile signed")
        assertSignatureRejected(try viaExec(moto, home, profile: "signed"), "credstore exec -- aws")

        // Gone from the store: the config's credential_process would call export again; the user gets a clear error.
        XCTAssertEqual(try home.run(["remove", "--profile", "signed", "--force"]).status, 0)
        let looped = try aws(moto, home, ["sts", "get-caller-identity", "--profile", "signed"])
        XCTAssertNotEqual(looped.status, 0)
        XCTAssertTrue(looped.stderr.contains("credential_process loop: profile 'signed' is not in the encrypted store"),
                      looped.stderr)
        XCTAssertFalse(looped.stderr.contains(user.secretAccessKey))
    }

    func testMigrationEndToEndKeepsTheAWSCLIWorking() throws {
        let (moto, user) = try startMoto()
        defer { moto.stop() }
        let home = try KeyFileHome()
        // A second real key of moto's signed user, so two migrated profiles are each checked with their own secret.
        var creator = environment(moto, home)
        creator["AWS_ACCESS_KEY_ID"] = user.accessKeyID
        creator["AWS_SECRET_ACCESS_KEY"] = user.secretAccessKey
        let created = try CLI.runProcess(try XCTUnwrap(CLI.which("aws")),
                                         ["--endpoint-url", moto.endpoint, "--output", "json", "iam",
                                          "create-access-key", "--user-name", "credstore-test"],
                                         environment: creator)
        XCTAssertEqual(created.status, 0, "aws iam create-access-key failed")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let key = try XCTUnwrap(object["AccessKey"] as? [String: Any])

        var fixture = PlaintextFixture()
        fixture.defaultKeys = .init(id: user.accessKeyID, secret: user.secretAccessKey)
        fixture.ciKeys = .init(id: try XCTUnwrap(key["AccessKeyId"] as? String),
                               secret: try XCTUnwrap(key["SecretAccessKey"] as? String))
        try fixture.write(to: home)

        let migrated = try home.run(["migrate", "--remove-plaintext", "--rewire-config"])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        for secret in fixture.secrets {
            XCTAssertFalse(migrated.stdout.contains(secret) || migrated.stderr.contains(secret), "secret in output")
        }

        // No secret in any plaintext file; comments and every non-secret key intact, byte for byte.
        let credentials = try home.home.read(".aws/credentials")
        let config = try home.home.read(".aws/config")
        for secret in fixture.secrets {
            XCTAssertFalse(credentials.contains(secret) || config.contains(secret), "a secret is still in plaintext")
        }
        XCTAssertEqual(credentials, fixture.credentialsWithoutSecrets)
        XCTAssertEqual(config.split(separator: "\n", omittingEmptySubsequences: false)
                        .filter { !$0.hasPrefix("credential_process = ") }.joined(separator: "\n"), fixture.config)

        // The AWS CLI, unchanged, still signs correctly for each signature-checkable profile.
        assertIdentity(try aws(moto, home, ["sts", "get-caller-identity"]), "aws with the default profile")
        assertIdentity(try aws(moto, home, ["sts", "get-caller-identity", "--profile", "ci"]), "aws --profile ci")
        // moto cannot check temporary credentials: the session-token profile is checked through export instead.
        let temp = try home.run(["export", "--profile", "temp"])
        XCTAssertEqual(temp.status, 0, temp.stderr)
        let reply = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(temp.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(reply["AccessKeyId"] as? String, fixture.tempKeys.id)
        XCTAssertTrue(reply["SecretAccessKey"] as? String == fixture.tempKeys.secret, "temp: wrong secret")
        XCTAssertTrue(reply["SessionToken"] as? String == fixture.tempToken, "temp: wrong session token")
        // The region-only profile was left alone and still resolves its region for the AWS CLI.
        let region = try aws(moto, home, ["configure", "get", "region", "--profile", "regional"])
        XCTAssertEqual(region.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ap-southeast-2")
    }
}
