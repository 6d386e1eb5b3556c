import Foundation
import SecureStore
import SharedFileStore
import TestSupport
import XCTest
@testable import CredentialLookup

/// `Migration.run()` in-process on real files and a real (key-file) store: the crash-safe order, driven through the
/// DEBUG-only fault points. Stopped at each named step, the store and the files are in one of the allowed states (no
/// secret lost, no plaintext touched before the store is verified) and a rerun finishes the job.
final class MigrationTests: XCTestCase {
    /// A fault injected at a fault point.
    private struct Stopped: Error, Equatable {
        var point: Migration.FaultPoint
    }

    /// Realistic plaintext files (comments, a session token, sub-properties, keys in the config file, a profile
    /// without keys) and a key-file store that the migration creates on first use.
    private final class Fixture {
        let directory: TemporaryDirectory
        let key = SecretBytes((0..<32).map { _ in UInt8.random(in: 0...255) })
        var credentialsPath: String { directory.path + "/aws/credentials" }
        var configPath: String { directory.path + "/aws/config" }
        var storePath: String { directory.path + "/data/credstore/store" }

        static let credentials = """
            # Work accounts. Managed by hand.
            [default]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

            ; CI deploy user
            [ci]
            aws_access_key_id=AKIAI44QH8DHBEXAMPLE
            aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
            region = eu-central-1

            [temp]   # from sts get-session-token
            aws_access_key_id = ASIAIOSFODNN7EXAMPLE
            aws_secret_access_key = TEMPxSECRETxEXAMPLExKEYxxxxxxxxxxxxxxxxx
            aws_session_token = FwoGZXIvYXdzEXAMPLExSESSIONxTOKEN

            """
        static let config = """
            # Shared settings
            [default]
            region = us-east-1

            [profile ci]
            output = text
            s3 =
              max_concurrent_requests = 20

            [profile temp]
            region = eu-west-1

            [profile legacy]
            aws_access_key_id = AKIALEGACYEXAMPLE000
            aws_secret_access_key = LEGACYxSECRETxEXAMPLExKEYxxxxxxxxxxxxxxx

            ; only a region, no keys
            [profile regional]
            region = ap-southeast-2

            """
        /// Every secret of the files (secret access keys and the session token).
        static let secrets = ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                              "TEMPxSECRETxEXAMPLExKEYxxxxxxxxxxxxxxxxx", "FwoGZXIvYXdzEXAMPLExSESSIONxTOKEN",
                              "LEGACYxSECRETxEXAMPLExKEYxxxxxxxxxxxxxxx"]
        static let keyedProfiles = ["default", "ci", "temp", "legacy"]

        init(credentials: String = Fixture.credentials, config: String = Fixture.config) throws {
            directory = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: directory.path + "/aws", withIntermediateDirectories: true)
            try Data(credentials.utf8).write(to: URL(fileURLWithPath: credentialsPath))
            try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
            chmod(credentialsPath, 0o600)  // private, as the AWS CLI creates them
            chmod(configPath, 0o600)
        }

        /// Opens the store, creating it when missing (as `credstore migrate` does).
        func openStore() throws -> EncryptedStore {
            EncryptedStore.exists(at: storePath)
                ? try EncryptedStore.open(at: storePath, with: .keyFile(key))
                : try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)])
        }

        func migration(_ options: Migration.Options = Migration.Options(removePlaintext: true),
                       rewire: Bool = true) -> Migration {
            Migration(credentialsPath: credentialsPath, configPath: configPath, storePath: storePath,
                      options: options,
                      rewiring: rewire ? Migration.ConfigRewiring(command: { "/opt/bin/tool export \($0)" }) : nil,
                      openStore: openStore)
        }

        func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

        /// The store's copy of every profile it holds (none when it does not exist yet).
        func stored() throws -> [String: StoredProfile] {
            guard EncryptedStore.exists(at: storePath) else { return [:] }
            let store = try EncryptedStore.open(at: storePath, with: .keyFile(key))
            var profiles: [String: StoredProfile] = [:]
            for name in store.profileNames { profiles[name] = try store.profile(named: name) }
            return profiles
        }
    }

    /// Every secret is in a plaintext file or in the store (or both).
    private func assertNoSecretLost(_ fixture: Fixture, at step: String, file: StaticString = #filePath,
                                    line: UInt = #line) throws {
        let plaintext = try fixture.read(fixture.credentialsPath) + fixture.read(fixture.configPath)
        let stored = try fixture.stored().values.flatMap { [$0.secretAccessKey] + ($0.sessionToken.map { [$0] } ?? []) }
        for (index, secret) in Fixture.secrets.enumerated() {
            XCTAssertTrue(plaintext.contains(secret) || stored.contains(SecretBytes(utf8: secret)),
                          "secret #\(index) is in neither the plaintext files nor the store at \(step)",
                          file: file, line: line)
        }
    }

    /// The end state of a complete migration with `removePlaintext` and rewiring.
    private func assertFullyMigrated(_ fixture: Fixture, file: StaticString = #filePath, line: UInt = #line) throws {
        let credentials = try fixture.read(fixture.credentialsPath)
        let config = try fixture.read(fixture.configPath)
        XCTAssertEqual(credentials, Self.withoutSecretLines(Fixture.credentials), file: file, line: line)
        let configLines = config.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(configLines.filter { !$0.hasPrefix("credential_process = ") }.joined(separator: "\n"),
                       Self.withoutSecretLines(Fixture.config), file: file, line: line)
        XCTAssertEqual(configLines.filter { $0.hasPrefix("credential_process = ") }.count,
                       Fixture.keyedProfiles.count, file: file, line: line)
        for name in Fixture.keyedProfiles {
            XCTAssertEqual(try SharedProfiles(credentialsPath: nil, configPath: fixture.configPath).profile(name)?
                .string("credential_process"), "/opt/bin/tool export \(name)", file: file, line: line)
        }
        let stored = try fixture.stored()
        XCTAssertEqual(Set(stored.keys), Set(Fixture.keyedProfiles), file: file, line: line)
        XCTAssertEqual(stored["ci"]?.accessKeyID, "AKIAI44QH8DHBEXAMPLE", file: file, line: line)
        XCTAssertEqual(stored["ci"]?.settings, ["region": "eu-central-1", "output": "text"], file: file, line: line)
        XCTAssertTrue(stored["temp"]?.sessionToken == SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLExSESSIONxTOKEN"),
                      file: file, line: line)
        XCTAssertTrue(stored["legacy"]?.secretAccessKey == SecretBytes(utf8: Fixture.secrets[4]),
                      file: file, line: line)
    }

    private static func withoutSecretLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("aws_") }
            .joined(separator: "\n")
    }

    /// The fault points a complete run reaches, in order.
    private func faultPointsOfACompleteRun() throws -> [Migration.FaultPoint] {
        let fixture = try Fixture()
        var migration = fixture.migration()
        var reached: [Migration.FaultPoint] = []
        migration.faultHook = { reached.append($0) }
        let report = try migration.run()
        XCTAssertEqual(report.migratedCount, Fixture.keyedProfiles.count)
        XCTAssertEqual(report.keptPlaintext, [])
        try assertFullyMigrated(fixture)
        return reached
    }

    func testACompleteRunReachesEveryStepInTheCrashSafeOrder() throws {
        let writes = Fixture.keyedProfiles.indices.flatMap {
            [Migration.FaultPoint.beforeStoreWrite($0), .afterStoreWrite($0)]
        }
        XCTAssertEqual(try faultPointsOfACompleteRun(), writes + [.verified, .configWritten, .credentialsWritten])
        XCTAssertEqual(Migration.FaultPoint.afterStoreWrite(2).description, "after-store-write-2",
                       "the names the CLI's kill switch uses")
        XCTAssertEqual(Migration.FaultPoint.credentialsWritten.description, "credentials-written")
    }

    /// Stopped at each step, the store holds the profiles written so far, the plaintext files are untouched until the
    /// store is verified, no secret is lost, and a rerun finishes the migration exactly.
    func testStoppedAtEveryFaultPointLosesNoSecretAndARerunFinishes() throws {
        let points = try faultPointsOfACompleteRun()
        XCTAssertEqual(points.count, 2 * Fixture.keyedProfiles.count + 3)
        for point in points {
            let fixture = try Fixture()
            var migration = fixture.migration()
            migration.faultHook = { if $0 == point { throw Stopped(point: $0) } }
            XCTAssertThrowsError(try migration.run(), "\(point)") { error in
                XCTAssertEqual(error as? Stopped, Stopped(point: point))
            }
            try assertNoSecretLost(fixture, at: "\(point)")

            let credentials = try fixture.read(fixture.credentialsPath)
            let config = try fixture.read(fixture.configPath)
            let stored = try fixture.stored()
            switch point {
            case .beforeStoreWrite(let index), .afterStoreWrite(let index):
                XCTAssertEqual(stored.count, index + (point == .afterStoreWrite(index) ? 1 : 0), "\(point)")
                XCTAssertEqual(credentials, Fixture.credentials, "no plaintext change before verification: \(point)")
                XCTAssertEqual(config, Fixture.config, "no plaintext change before verification: \(point)")
            case .verified:
                XCTAssertEqual(stored.count, Fixture.keyedProfiles.count)
                XCTAssertEqual(credentials, Fixture.credentials)
                XCTAssertEqual(config, Fixture.config)
            case .configWritten:
                XCTAssertEqual(credentials, Fixture.credentials, "the credentials file comes after the config")
                XCTAssertFalse(config.contains(Fixture.secrets[4]), "the config's own secrets are gone")
                XCTAssertTrue(config.contains("credential_process = "))
            case .credentialsWritten:
                try assertFullyMigrated(fixture)
            }

            let rerun = try fixture.migration().run()
            XCTAssertEqual(rerun.conflicting, [], "\(point)")
            XCTAssertEqual(rerun.keptPlaintext, [], "\(point)")
            try assertFullyMigrated(fixture)
            // And once more: nothing left to do, nothing changes.
            let again = try fixture.migration().run()
            XCTAssertEqual(Set(again.profiles.filter(\.allowsPlaintextChanges).map(\.status)), [.alreadyMigrated])
            XCTAssertEqual(again.migratedCount, 0)
            try assertFullyMigrated(fixture)
        }
    }

    /// Another process changes the store between the write and the re-read: the plaintext files stay as they were.
    func testAStoreChangedBeforeVerificationLeavesThePlaintextAlone() throws {
        let fixture = try Fixture()
        var migration = fixture.migration()
        let last = Migration.FaultPoint.afterStoreWrite(Fixture.keyedProfiles.count - 1)
        migration.faultHook = { point in
            guard point == last else { return }
            let other = try EncryptedStore.open(at: fixture.storePath, with: .keyFile(fixture.key))
            var changed = try XCTUnwrap(try other.profile(named: "ci"))
            changed.secretAccessKey = SecretBytes(utf8: "CHANGEDxBYxANOTHERxPROCESSxEXAMPLExxxxxx")
            try other.set(changed)
        }
        XCTAssertThrowsError(try migration.run()) { error in
            XCTAssertEqual((error as? CredentialLookupError)?.code, .migrationNotVerified)
            XCTAssertTrue("\(error)".contains("profile 'ci'"), "\(error)")
            assertNoSecret("\(error)")
        }
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), Fixture.credentials)
        XCTAssertEqual(try fixture.read(fixture.configPath), Fixture.config)
    }

    func testADryRunReachesNoFaultPointAndChangesNothing() throws {
        let fixture = try Fixture()
        var migration = fixture.migration(Migration.Options(removePlaintext: true, dryRun: true))
        migration.faultHook = { XCTFail("a dry run reached \($0)") }
        let report = try migration.run()
        XCTAssertTrue(report.dryRun)
        XCTAssertFalse(EncryptedStore.exists(at: fixture.storePath), "a dry run creates no store")
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), Fixture.credentials)
        XCTAssertEqual(try fixture.read(fixture.configPath), Fixture.config)
        let byName = Dictionary(uniqueKeysWithValues: report.profiles.map { ($0.name, $0) })
        XCTAssertEqual(byName["temp"]?.removedPlaintext, [PlaintextKeys(path: fixture.credentialsPath, keys: [
            "aws_access_key_id", "aws_secret_access_key", "aws_session_token"])])
        XCTAssertEqual(byName["legacy"]?.removedPlaintext, [PlaintextKeys(path: fixture.configPath, keys: [
            "aws_access_key_id", "aws_secret_access_key"])])
        XCTAssertEqual(byName["default"]?.rewiring, .added)
        XCTAssertEqual(byName["regional"]?.status, .skipped)
        XCTAssertNil(byName["regional"]?.rewiring)
    }

    func testAnUnknownProfileNameChangesNothing() throws {
        let fixture = try Fixture()
        var migration = fixture.migration(Migration.Options(profiles: ["ci", "nope"], removePlaintext: true))
        migration.faultHook = { XCTFail("reached \($0) although a profile is missing") }
        let report = try migration.run()
        XCTAssertEqual(report.notFound, ["nope"])
        XCTAssertFalse(EncryptedStore.exists(at: fixture.storePath))
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), Fixture.credentials)
        XCTAssertEqual(try fixture.read(fixture.configPath), Fixture.config)
    }

    /// Issue 15, survivor 3, end to end: of two `aws_session_token` definitions the later one is imported; the file
    /// keeps the profile's plaintext keys, because removing the key would lose the earlier token.
    func testASessionTokenThatDiffersFromTheStoresCopyIsKept() throws {
        let credentials = """
            [twice]
            aws_access_key_id = ASIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            aws_session_token = FwoGZXIvYXdzEXAMPLExEARLIERxTOKEN
            aws_session_token = FwoGZXIvYXdzEXAMPLExLATERxTOKEN

            [once]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

            """
        let fixture = try Fixture(credentials: credentials, config: "")
        let report = try fixture.migration(rewire: false).run()
        XCTAssertEqual(report.keptPlaintext, ["twice"])
        let twice = try XCTUnwrap(report.profiles.first { $0.name == "twice" })
        XCTAssertEqual(twice.keptPlaintext, [PlaintextKeys(path: fixture.credentialsPath, keys: ["aws_session_token"])])
        XCTAssertEqual(twice.removedPlaintext, [])
        XCTAssertTrue(try fixture.stored()["twice"]?.sessionToken
                      == SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLExLATERxTOKEN"))
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), """
            [twice]
            aws_access_key_id = ASIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            aws_session_token = FwoGZXIvYXdzEXAMPLExEARLIERxTOKEN
            aws_session_token = FwoGZXIvYXdzEXAMPLExLATERxTOKEN

            [once]

            """, "the other profile is cleaned; this one keeps every plaintext key")
    }

    func testAnAlreadyOpenStoreCanBeMigratedInto() throws {
        let fixture = try Fixture()
        let store = try fixture.openStore()
        let report = try Migration(credentialsPath: fixture.credentialsPath, configPath: fixture.configPath,
                                   store: store).run()
        XCTAssertEqual(report.storePath, fixture.storePath)
        XCTAssertEqual(report.migratedCount, Fixture.keyedProfiles.count)
        XCTAssertEqual(Set(try fixture.stored().keys), Set(Fixture.keyedProfiles))
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), Fixture.credentials, "plaintext kept by default")
        XCTAssertEqual(try fixture.read(fixture.configPath), Fixture.config)
    }

    // MARK: A profile whose keys and role live together (issue 16)

    func testASelfSourcedRoleProfileKeepsItsRoleWithTheKeysStoredUnderAName() throws {
        // All in the credentials file (source_profile there wins over the config file), and `dev-source` is taken.
        let credentials = """
            [dev]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            role_arn = arn:aws:iam::123456789012:role/Deployer
            source_profile = dev

            """
        let config = "[profile dev-source]\nregion = eu-west-1\n"

        // Without rewiring, the keys are stored but stay in plaintext too: the role still needs them there.
        var fixture = try Fixture(credentials: credentials, config: config)
        var report = try fixture.migration(rewire: false).run()
        XCTAssertEqual(report.profiles.first { $0.name == "dev" }?.roleSource, "dev-source-2")
        XCTAssertEqual(try fixture.stored()["dev-source-2"]?.accessKeyID, "AKIAIOSFODNN7EXAMPLE")
        XCTAssertEqual(try fixture.stored()["dev-source-2"]?.settings, [:], "the role stays in the files")
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), credentials)
        XCTAssertEqual(try fixture.read(fixture.configPath), config)

        // Rewired: the credentials file's source_profile names the stored keys, the config exports them.
        fixture = try Fixture(credentials: credentials, config: config)
        report = try fixture.migration().run()
        XCTAssertEqual(report.profiles.first { $0.name == "dev" }?.status, .migrated)
        XCTAssertEqual(try fixture.read(fixture.credentialsPath), """
            [dev]
            role_arn = arn:aws:iam::123456789012:role/Deployer
            source_profile = dev-source-2

            """)
        let shared = try SharedProfiles(credentialsPath: fixture.credentialsPath, configPath: fixture.configPath)
        XCTAssertEqual(shared.profile("dev-source-2")?.string("credential_process"),
                       "/opt/bin/tool export dev-source-2")
        XCTAssertNil(shared.profile("dev")?.string("credential_process"), "the naive rewiring botocore refuses")
        XCTAssertEqual(shared.profile("dev-source")?.string("region"), "eu-west-1", "the other profile is untouched")

        // A rerun finds nothing left to do for it: it is a role profile with a stored source now.
        report = try fixture.migration().run()
        XCTAssertEqual(report.profiles.first { $0.name == "dev" }?.status, .skipped)
        XCTAssertEqual(try fixture.read(fixture.credentialsPath).contains("source_profile = dev-source-2"), true)
    }
}
