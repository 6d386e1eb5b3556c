import Foundation
import TestSupport
import XCTest

/// Issue 16 item 4: `migrate` handles a profile whose keys and `role_arn` live together (`source_profile` = itself).
/// Naively adding `credential_process` to that profile makes botocore raise `InfiniteLoopConfigError` (it accepts a
/// self-reference only with static keys in the profile), so the keys go into the store as their own profile
/// (`NAME-source`), the config gets `[profile NAME-source]` with `credential_process`, and the role's `source_profile`
/// names it. Proved with botocore's own resolution, and end to end with the AWS CLI against moto with signature checks.
final class SelfSourcedRoleMigrationTests: XCTestCase {
    private let roleARN = "arn:aws:iam::123456789012:role/Deployer"

    private func write(_ home: KeyFileHome, keyID: String, secret: String) throws {
        try home.home.write("""
            # my own keys, and the role I always use them for
            [dev]
            aws_access_key_id = \(keyID)
            aws_secret_access_key = \(secret)

            """, to: ".aws/credentials")
        try home.home.write("""
            [profile dev]
            role_arn = \(roleARN)
            source_profile = dev
            region = us-east-1

            """, to: ".aws/config")
    }

    private func migrate(_ home: KeyFileHome, secret: String) throws {
        let migrated = try home.run(["migrate", "--remove-plaintext", "--rewire-config"])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertTrue(migrated.stdout.contains("profile 'dev-source'"), migrated.stdout)
        XCTAssertFalse(migrated.stdout.contains(secret) || migrated.stderr.contains(secret), "secret in output")
        let credentials = try home.home.read(".aws/credentials")
        let config = try home.home.read(".aws/config")
        XCTAssertFalse(credentials.contains(secret) || config.contains(secret), "the secret is still in plaintext")
        XCTAssertTrue(config.contains("role_arn = \(roleARN)"), config)
        XCTAssertTrue(config.contains("source_profile = dev-source"), config)
        XCTAssertTrue(config.contains("[profile dev-source]\ncredential_process = \(CLI.executable.path) export"),
                      config)
        // credstore's own lookup assumes the role (not the stored keys as static ones): with STS unreachable here it
        // fails naming the AssumeRole call (the moto test below has credstore assume it for real).
        let get = try home.run(["get", "--profile", "dev"],
                               environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(get.status, 69, get.stderr)
        XCTAssertTrue(get.stderr.contains("AssumeRole of role \(roleARN) for profile 'dev'"), get.stderr)
    }

    private func python() throws -> URL {
        guard let python = CLI.which("python3"),
              (try? CLI.runProcess(python, ["-c", "import botocore"], environment: [
                  "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
              ], stdin: nil))?.status == 0 else {
            throw MissingPeer.error("the botocore self-sourced role test", needs: "python3 with botocore",
                                    remedy: "run Scripts/bootstrap --test")
        }
        return python
    }

    /// botocore resolves the migrated profile to an AssumeRole whose source credentials come from credstore's
    /// `credential_process` (no network: botocore defers the STS call until the credentials are used).
    func testBotocoreResolvesTheRewiredProfileToAnAssumeRoleSourcedFromTheStore() throws {
        let python = try python()
        let home = try KeyFileHome()
        try write(home, keyID: ExampleKeys.accessKeyID, secret: ExampleKeys.secretAccessKey)
        let script = """
            import json, botocore.session
            from botocore.exceptions import InfiniteLoopConfigError
            try:
                creds = botocore.session.Session(profile='dev').get_credentials()
            except InfiniteLoopConfigError as error:
                print(json.dumps({'error': 'InfiniteLoopConfigError'})); raise SystemExit(0)
            fetcher = creds._refresh_using.__self__
            source = fetcher._source_credentials
            print(json.dumps({'method': creds.method, 'role': fetcher._role_arn, 'sourceMethod': source.method,
                              'sourceKey': source.access_key,
                              'sourceSecretMatches': source.secret_key == '\(ExampleKeys.secretAccessKey)'}))
            """
        func resolve() throws -> [String: Any] {
            let result = try CLI.runProcess(python, ["-c", script], environment: home.environment, stdin: nil)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                 result.stdout + result.stderr)
        }
        // Before: the self-reference with static keys.
        var resolved = try resolve()
        XCTAssertEqual(resolved["sourceMethod"] as? String, "shared-credentials-file")

        // The naive rewiring (credential_process on the self-referencing profile itself) is what botocore refuses.
        let naive = try KeyFileHome()
        try naive.home.write(try home.home.read(".aws/config") + "credential_process = /bin/false\n",
                             to: ".aws/config")
        let naiveResult = try CLI.runProcess(python, ["-c", script], environment: naive.environment, stdin: nil)
        XCTAssertTrue(naiveResult.stdout.contains("InfiniteLoopConfigError"), naiveResult.stdout + naiveResult.stderr)

        try migrate(home, secret: ExampleKeys.secretAccessKey)
        resolved = try resolve()
        XCTAssertEqual(resolved["method"] as? String, "assume-role")
        XCTAssertEqual(resolved["role"] as? String, roleARN)
        XCTAssertEqual(resolved["sourceMethod"] as? String, "custom-process", "the source is credstore's process")
        XCTAssertEqual(resolved["sourceKey"] as? String, ExampleKeys.accessKeyID)
        XCTAssertEqual(resolved["sourceSecretMatches"] as? Bool, true)
    }

    /// The AWS CLI assumes the role with the keys credstore hands it, against moto checking every signature
    /// (TestSupport's `MotoServer`: the user and the role are created with auth off, then signatures are checked).
    func testTheAWSCLIStillAssumesTheRoleAfterMigration() throws {
        let moto = try MotoServer(setUp: """
            user = create_user("deployer")
            create_role("Deployer", user["Arn"])
            """)
        defer { moto.stop() }
        let user = try moto.resources.user("deployer")
        XCTAssertEqual(try moto.resources.roleARN("Deployer"), roleARN)
        let aws = try XCTUnwrap(CLI.which("aws"))
        let home = try KeyFileHome()
        try write(home, keyID: user.accessKeyID, secret: user.secretAccessKey)
        func callerIdentity() throws -> CLIResult {
            // AWS_ENDPOINT_URL also points the AssumeRole call of botocore's credential provider at moto.
            let environment = home.environment.merging(moto.awsEnvironment) { $1 }
            // The AWS CLI caches assumed-role sessions in ~/.aws/cli/cache: empty it, so each call assumes the role
            // with the source keys it resolves now.
            try? FileManager.default.removeItem(atPath: home.path + "/.aws/cli/cache")
            return try CLI.runProcess(aws, ["--output", "json", "sts", "get-caller-identity", "--profile", "dev"],
                                      environment: environment)
        }
        var identity = try callerIdentity()
        XCTAssertEqual(identity.status, 0, identity.stdout + identity.stderr)
        XCTAssertTrue(identity.stdout.contains(":assumed-role/Deployer/"), identity.stdout)

        try migrate(home, secret: user.secretAccessKey)
        let requestsBefore = moto.requestCount()
        identity = try callerIdentity()
        XCTAssertEqual(identity.status, 0, identity.stdout + identity.stderr)
        XCTAssertTrue(identity.stdout.contains(":assumed-role/Deployer/"), identity.stdout)
        XCTAssertGreaterThanOrEqual(moto.requestCount() - requestsBefore, 2, "AssumeRole and GetCallerIdentity")
        // credstore itself assumes the role with the stored source key.
        let credstoreEnvironment = home.environment.merging(moto.awsEnvironment) { $1 }
        let assumed = try home.run(["get", "--profile", "dev"], environment: credstoreEnvironment)
        XCTAssertEqual(assumed.status, 0, assumed.stderr)
        XCTAssertTrue(assumed.stdout.contains("role \(roleARN) assumed for profile 'dev'"), assumed.stdout)

        // The stored source key is what signed the AssumeRole: with a wrong secret in the store, moto refuses it.
        try home.setProfile("dev-source", keyID: user.accessKeyID, secret: "wrongSecretEXAMPLEwrongSecretEXAMPLE0000",
                            force: true)
        identity = try callerIdentity()
        XCTAssertNotEqual(identity.status, 0)
        XCTAssertTrue(identity.stderr.contains("SignatureDoesNotMatch"), identity.stderr)
    }
}
