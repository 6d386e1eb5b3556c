import Foundation
import TestSupport
import XCTest

/// A temporary HOME whose encrypted store is unlocked by a key file (`CREDSTORE_KEY_FILE`), so no command ever needs
/// a terminal. Shared by the migrate, export, exec and AWS CLI interop tests.
final class KeyFileHome {
    let home: TemporaryHome
    let keyPath: String
    var path: String { home.path }
    var storePath: String { home.path + "/.local/share/credstore/store" }
    var credentialsPath: String { home.path + "/.aws/credentials" }
    var configPath: String { home.path + "/.aws/config" }

    init() throws {
        home = try TemporaryHome()
        keyPath = home.path + "/store.key"
        let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom"))
        let key = random.readData(ofLength: 32)
        try random.close()
        XCTAssertTrue(FileManager.default.createFile(atPath: keyPath, contents: key,
                                                    attributes: [.posixPermissions: 0o600]))
    }

    /// HOME, XDG dirs and the key file; nothing from the parent's AWS_* or CREDSTORE_*.
    var environment: [String: String] {
        home.environment.merging(["CREDSTORE_KEY_FILE": keyPath]) { $1 }
    }

    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws
        -> CLIResult {
        try CLI.run(arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Stores a profile in the encrypted store with `credstore set` (secret and token on stdin).
    func setProfile(_ name: String, keyID: String, secret: String, token: String? = nil, region: String? = nil,
                    expiration: String? = nil, force: Bool = false) throws {
        var arguments = ["set", "--profile", name, "--access-key", keyID] + (force ? ["--force"] : [])
        if let region { arguments += ["--region", region] }
        if token != nil { arguments += ["--with-session-token"] }
        if let expiration { arguments += ["--expiration", expiration] }
        let result = try run(arguments, stdin: secret + "\n" + (token.map { $0 + "\n" } ?? ""))
        XCTAssertEqual(result.status, 0, "credstore set failed: \(result.stderr)")
    }

    /// What the encrypted store alone holds for `name` (the shared files hidden), or `nil` when it has no such
    /// profile. Read through `credstore export --format json`; the values are only compared, never printed.
    func stored(_ name: String) throws -> (keyID: String, secret: String, token: String?, region: String?)? {
        let empty = try home.write("", to: "empty")
        let result = try run(["export", "--profile", name, "--format", "json"],
                             environment: ["AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_CONFIG_FILE": empty])
        guard result.status == 0 else {
            XCTAssertEqual(result.status, 66, "the store could not be read: \(result.stderr)")
            return nil
        }
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["Source"] as? [String: Any])?["StoreTypeName"] as? String, "SecureStore")
        return (try XCTUnwrap(object["AccessKeyId"] as? String), try XCTUnwrap(object["SecretAccessKey"] as? String),
                object["SessionToken"] as? String, object["Region"] as? String)
    }

    /// The text of both plaintext files (missing files count as empty).
    func plaintext() -> String {
        [credentialsPath, configPath].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
            .joined(separator: "\n")
    }
}

/// The realistic plaintext files of the migration tests: comments, several profiles, a default, a session-token
/// profile, a region-only profile, sub-properties, inline comments and both `k = v` and `k=v` spellings.
struct PlaintextFixture {
    struct Keys {
        var id: String
        var secret: String
    }

    var defaultKeys = Keys(id: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    var ciKeys = Keys(id: "AKIAI44QH8DHBEXAMPLE", secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
    var tempKeys = Keys(id: "ASIAIOSFODNN7EXAMPLE", secret: "TEMPxSECRETxEXAMPLExKEYxxxxxxxxxxxxxxxxx")
    var tempToken = "FwoGZXIvYXdzEXAMPLExSESSIONxTOKEN//////////wEaDExample=="

    /// Every secret value of the fixture (the secret access keys and the session token).
    var secrets: [String] { [defaultKeys.secret, ciKeys.secret, tempKeys.secret, tempToken] }
    /// The profiles that hold keys.
    static let keyedProfiles = ["default", "ci", "temp"]

    var credentials: String {
        """
        # Work accounts. Managed by hand; see the wiki.
        [default]
        aws_access_key_id = \(defaultKeys.id)
        aws_secret_access_key = \(defaultKeys.secret)

        ; CI deploy user
        [ci]
        aws_access_key_id=\(ciKeys.id)
        aws_secret_access_key=\(ciKeys.secret)
        region = eu-central-1

        [temp]   # from sts get-session-token
        aws_access_key_id = \(tempKeys.id)
        aws_secret_access_key = \(tempKeys.secret)
        aws_session_token = \(tempToken)

        """
    }

    var config: String {
        """
        # Shared settings
        [default]
        region = us-east-1
        output = json

        [profile ci]
        output = text
        s3 =
          max_concurrent_requests = 20

        [profile temp]
        region = eu-west-1

        ; only a region, no keys
        [profile regional]
        region = ap-southeast-2

        """
    }

    func write(to home: KeyFileHome) throws {
        try home.home.write(credentials, to: ".aws/credentials")
        try home.home.write(config, to: ".aws/config")
    }

    /// The credentials file with the secret lines removed: what `--remove-plaintext` must leave, byte for byte.
    var credentialsWithoutSecrets: String {
        credentials.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("aws_") }.joined(separator: "\n")
    }
}

/// `credstore migrate` end to end on real files: the summary, byte-for-byte preservation, idempotence, conflicts,
/// dry runs, and a crash test that SIGKILLs it at every step.
final class MigrateCLITests: XCTestCase {
    private let fixture = PlaintextFixture()

    private func assertNoSecret(_ result: CLIResult, file: StaticString = #filePath, line: UInt = #line) {
        for secret in fixture.secrets {
            XCTAssertFalse(result.stdout.contains(secret) || result.stderr.contains(secret),
                           "a secret appeared in migrate's output (withheld)", file: file, line: line)
        }
    }

    /// Checks the end state of a complete `migrate --remove-plaintext --rewire-config`.
    private func assertFullyMigrated(_ home: KeyFileHome, file: StaticString = #filePath, line: UInt = #line) throws {
        let credentials = try home.home.read(".aws/credentials")
        let config = try home.home.read(".aws/config")
        XCTAssertEqual(credentials, fixture.credentialsWithoutSecrets, "credentials file", file: file, line: line)
        for secret in fixture.secrets {
            XCTAssertFalse(credentials.contains(secret) || config.contains(secret), "a secret is still in plaintext",
                           file: file, line: line)
        }
        // The config is the original plus exactly one credential_process line per migrated profile.
        let lines = config.split(separator: "\n", omittingEmptySubsequences: false)
        let added = lines.filter { $0.hasPrefix("credential_process = ") }
        XCTAssertEqual(lines.filter { !$0.hasPrefix("credential_process = ") }.joined(separator: "\n"),
                       fixture.config, "config file", file: file, line: line)
        XCTAssertEqual(added.map(String.init), PlaintextFixture.keyedProfiles.map {
            "credential_process = \(CLI.executable.resolvingSymlinksInPath().path) export --profile \($0) "
                + "--format credential-process"
        }, file: file, line: line)
        for (name, keys, token) in [("default", fixture.defaultKeys, nil), ("ci", fixture.ciKeys, nil),
                                    ("temp", fixture.tempKeys, fixture.tempToken)] {
            let stored = try XCTUnwrap(try home.stored(name), "\(name) is not in the store", file: file, line: line)
            XCTAssertEqual(stored.keyID, keys.id, file: file, line: line)
            XCTAssertTrue(stored.secret == keys.secret, "\(name): wrong secret in the store", file: file, line: line)
            XCTAssertTrue(stored.token == token, "\(name): wrong session token in the store", file: file, line: line)
        }
    }

    func testMigrateRemovePlaintextRewireConfigThenRerunIsIdempotent() throws {
        let home = try KeyFileHome()
        try fixture.write(to: home)
        let result = try home.run(["migrate", "--remove-plaintext", "--rewire-config"])
        assertNoSecret(result)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Migrated 3 profiles"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rotate these keys"), result.stdout)
        XCTAssertTrue(result.stdout.contains("regional  skipped   it has no access keys (settings only)"),
                      result.stdout)
        try assertFullyMigrated(home)
        XCTAssertEqual(try home.stored("ci")?.region, "eu-central-1", "the credentials file's region wins")
        XCTAssertEqual(try home.stored("temp")?.region, "eu-west-1", "the config file's region is imported")
        XCTAssertNil(try home.stored("regional"))

        let before = (try home.home.read(".aws/credentials"), try home.home.read(".aws/config"))
        let again = try home.run(["migrate", "--remove-plaintext", "--rewire-config", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let profiles = try XCTUnwrap(summary["Profiles"] as? [[String: Any]])
        XCTAssertEqual(profiles.map { $0["ProfileName"] as? String }, ["default", "ci", "temp", "regional"])
        XCTAssertEqual(profiles.map { $0["Status"] as? String },
                       ["already-migrated", "already-migrated", "already-migrated", "skipped"])
        XCTAssertEqual(profiles.compactMap { $0["CredentialProcess"] as? String }, ["unchanged", "unchanged",
                                                                                   "unchanged"])
        XCTAssertEqual(try home.home.read(".aws/credentials"), before.0)
        XCTAssertEqual(try home.home.read(".aws/config"), before.1)

        // The rewired config works through export: the store answers, no loop.
        let exported = try home.run(["export", "--profile", "temp"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(exported.stdout.contains(fixture.tempToken), "export lost the session token")
    }

    func testDryRunChangesNothingAndSaysWhatWouldHappen() throws {
        let home = try KeyFileHome()
        try fixture.write(to: home)
        let result = try home.run(["migrate", "--dry-run", "--remove-plaintext", "--rewire-config", "--json"])
        assertNoSecret(result)
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["DryRun"] as? Bool, true)
        let profiles = try XCTUnwrap(summary["Profiles"] as? [[String: Any]])
        XCTAssertEqual(profiles.map { $0["Status"] as? String }, ["migrated", "migrated", "migrated", "skipped"])
        let temp = try XCTUnwrap(profiles.first { $0["ProfileName"] as? String == "temp" })
        XCTAssertEqual(temp["PlaintextRemoved"] as? [String: [String]], [home.credentialsPath: [
            "aws_access_key_id", "aws_secret_access_key", "aws_session_token"]])
        XCTAssertEqual(temp["CredentialProcess"] as? String, "added")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.storePath), "a dry run created the store")
        XCTAssertEqual(try home.home.read(".aws/credentials"), fixture.credentials)
        XCTAssertEqual(try home.home.read(".aws/config"), fixture.config)
    }

    func testConflictIsReportedAndKeptUntilOverwrite() throws {
        let home = try KeyFileHome()
        try fixture.write(to: home)
        try home.setProfile("ci", keyID: "AKIAOTHERKEYEXAMPLE", secret: "OTHERxSECRETxEXAMPLE")
        let result = try home.run(["migrate", "--remove-plaintext"])
        assertNoSecret(result)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stdout.contains("ci        conflicting"), result.stdout)
        XCTAssertTrue(result.stderr.contains("error: profile 'ci' conflicts"), result.stderr)
        XCTAssertTrue(result.stderr.contains("hint: pass --overwrite"), result.stderr)
        // The others were migrated; ci's plaintext keys are untouched and the store's pair is still there.
        XCTAssertTrue(try home.home.read(".aws/credentials").contains(fixture.ciKeys.secret))
        XCTAssertFalse(try home.home.read(".aws/credentials").contains(fixture.defaultKeys.secret))
        XCTAssertEqual(try home.stored("ci")?.keyID, "AKIAOTHERKEYEXAMPLE")

        // The store's pair exists nowhere else: replacing it is deliberate here (LastCopyCLITests covers the question).
        let overwritten = try home.run(["migrate", "--remove-plaintext", "--overwrite", "--force", "--profile", "ci"])
        XCTAssertEqual(overwritten.status, 0, overwritten.stderr)
        XCTAssertTrue(overwritten.stdout.contains("ci       overwritten"), overwritten.stdout)
        XCTAssertEqual(try home.stored("ci")?.keyID, fixture.ciKeys.id)
        XCTAssertEqual(try home.home.read(".aws/credentials"), fixture.credentialsWithoutSecrets)
    }

    /// Issue 15, survivor 3: a profile with two `aws_session_token` definitions, only the later one (the one imported)
    /// equal to the store's copy. Removing the key would lose the earlier token, so the file keeps the profile's keys.
    func testRemovePlaintextKeepsASessionTokenThatDiffersFromTheStoresCopy() throws {
        let home = try KeyFileHome()
        let earlier = "FwoGZXIvYXdzEXAMPLExEARLIERxSESSIONxTOKEN"
        let credentials = fixture.credentials.replacingOccurrences(
            of: "aws_session_token = \(fixture.tempToken)\n",
            with: "aws_session_token = \(earlier)\naws_session_token = \(fixture.tempToken)\n")
        XCTAssertNotEqual(credentials, fixture.credentials)
        try home.home.write(credentials, to: ".aws/credentials")
        try home.home.write(fixture.config, to: ".aws/config")
        let result = try home.run(["migrate", "--remove-plaintext", "--profile", "temp"])
        assertNoSecret(result)
        XCTAssertFalse(result.stdout.contains(earlier) || result.stderr.contains(earlier), "a token leaked")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stdout.contains("aws_session_token kept in \(home.credentialsPath): the value differs "
                                             + "from the store's"), result.stdout)
        XCTAssertTrue(result.stderr.contains("error: plaintext secrets of 'temp' differ from the store's copy and "
                                             + "were kept"), result.stderr)
        XCTAssertEqual(try home.stored("temp")?.token, fixture.tempToken, "the later definition is imported")
        XCTAssertEqual(try home.home.read(".aws/credentials"), credentials, "both tokens stay, byte for byte")
    }

    func testUnknownProfileChangesNothing() throws {
        let home = try KeyFileHome()
        try fixture.write(to: home)
        let result = try home.run(["migrate", "--profile", "ci", "--profile", "nope", "--remove-plaintext"])
        XCTAssertEqual(result.status, 66, result.stderr)
        XCTAssertTrue(result.stderr.contains("profile 'nope' is not in \(home.credentialsPath) or "
                                             + "\(home.configPath); nothing was changed"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.storePath))
        XCTAssertEqual(try home.home.read(".aws/credentials"), fixture.credentials)
    }

    func testFromAnotherFileAndNamedProfilesOnly() throws {
        let home = try KeyFileHome()
        let other = try home.home.write(fixture.credentials, to: "old/credentials.bak")
        try home.home.write(fixture.config, to: ".aws/config")
        let result = try home.run(["migrate", "--from", other, "--profile", "temp", "--remove-plaintext",
                                   "--rewire-config"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try home.stored("temp")?.region, "eu-west-1", "settings still come from the config file")
        XCTAssertNil(try home.stored("default"))
        let text = try String(contentsOfFile: other, encoding: .utf8)
        XCTAssertFalse(text.contains(fixture.tempToken) || text.contains(fixture.tempKeys.secret))
        XCTAssertTrue(text.contains(fixture.defaultKeys.secret), "profiles not asked for are untouched")
        XCTAssertTrue(try home.home.read(".aws/config").contains("[profile temp]\nregion = eu-west-1\n"
                                                                 + "credential_process = "))
    }

    func testRewiredProfileMissingFromTheStoreGivesAClearLoopError() throws {
        let home = try KeyFileHome()
        try fixture.write(to: home)
        XCTAssertEqual(try home.run(["migrate", "--remove-plaintext", "--rewire-config"]).status, 0)
        XCTAssertEqual(try home.run(["remove", "--profile", "ci", "--force"]).status, 0)
        let started = Date()
        for command in [["export", "--profile", "ci"], ["exec", "--profile", "ci", "--", "true"]] {
            let result = try home.run(command)
            assertNoSecret(result)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertEqual(result.stdout, "")
            XCTAssertTrue(result.stderr.contains("credential_process loop: profile 'ci' is not in the encrypted "
                                                 + "store \(home.storePath)"), result.stderr)
            XCTAssertTrue(result.stderr.contains("credstore set --profile ci"), result.stderr)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    // MARK: - Crash safety

    /// Every secret of the fixture must be in the plaintext files or in the store (or both).
    private func assertNoSecretLost(_ home: KeyFileHome, after step: String) throws {
        let plaintext = home.plaintext()
        var stored: [String] = []
        for name in PlaintextFixture.keyedProfiles {
            if let copy = try home.stored(name) { stored += [copy.secret] + (copy.token.map { [$0] } ?? []) }
        }
        for (index, secret) in fixture.secrets.enumerated() {
            XCTAssertTrue(plaintext.contains(secret) || stored.contains(secret),
                          "secret #\(index) is in neither the plaintext files nor the store after \(step)")
        }
    }

    /// SIGKILLs `migrate` at each named step (a DEBUG-only seam), and a few more times at random moments; after each
    /// kill no secret is lost and a rerun completes the migration exactly.
    func testKilledAtAnyStepLosesNoSecretAndARerunFinishes() throws {
        let steps = (0..<3).flatMap { ["before-store-write-\($0)", "after-store-write-\($0)"] }
            + ["verified", "config-written", "credentials-written"]
        let arguments = ["migrate", "--remove-plaintext", "--rewire-config"]
        for step in steps {
            let home = try KeyFileHome()
            try fixture.write(to: home)
            let killed = try home.run(arguments, environment: ["CREDSTORE_TEST_MIGRATE_KILL_AT": step])
            XCTAssertEqual(killed.status, SIGKILL, "migrate was not killed at \(step): \(killed.stderr)")
            try assertNoSecretLost(home, after: step)
            let rerun = try home.run(arguments)
            XCTAssertEqual(rerun.status, 0, "rerun after \(step): \(rerun.stderr)")
            try assertFullyMigrated(home)
        }
        for delay in [0, 2, 5, 10, 20, 40] as [UInt32] {
            let home = try KeyFileHome()
            try fixture.write(to: home)
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = arguments
            process.environment = home.environment
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            usleep(delay * 1000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try assertNoSecretLost(home, after: "a kill after \(delay) ms")
            let rerun = try home.run(arguments)
            XCTAssertEqual(rerun.status, 0, "rerun after a kill at \(delay) ms: \(rerun.stderr)")
            try assertFullyMigrated(home)
        }
    }
}
