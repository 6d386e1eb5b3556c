import Foundation
import SecureStore
import SharedFileStore
import XCTest
@testable import CredentialLookup

/// The pure rules of a `Migration`: what is imported, what conflicts, and which plaintext edits are allowed.
final class MigrationPlannerTests: XCTestCase {
    private let credentialsText = """
        # team keys, do not share
        [default]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ; rotated 2024
        output = json

        [temp]
        aws_access_key_id = ASIAIOSFODNN7EXAMPLE
        aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
        aws_session_token = FwoGZXIvYXdzEXAMPLETOKEN

        [half]
        aws_access_key_id = AKIAHALFEXAMPLE

        """
    private let configText = """
        [default]
        region = us-east-1
        s3 =
          max_concurrent_requests = 4

        ; a region-only profile
        [profile regional]
        region = ap-south-1

        [profile admin]
        role_arn = arn:aws:iam::123456789012:role/admin
        source_profile = default

        [profile temp]
        region = eu-west-1

        """

    private func shared() throws -> SharedProfiles {
        SharedProfiles(credentials: try ProfileFile(parsing: credentialsText, kind: .credentials,
                                                    path: "/h/credentials"),
                       config: try ProfileFile(parsing: configText, kind: .config, path: "/h/config"))
    }

    private func plan(store: [StoredProfile] = [], names: [String]? = nil, overwrite: Bool = false) throws
        -> [String: ProfileMigration] {
        let byName = Dictionary(uniqueKeysWithValues: store.map { ($0.name, $0) })
        let entries = try MigrationPlanner.plan(shared: shared(), names: names, storedNames: Set(byName.keys),
                                                stored: { byName[$0] }, overwrite: overwrite)
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
    }

    func testImportsKeyedProfilesWithSettingsAndSkipsTheRestWithAReason() throws {
        let entries = try plan()
        XCTAssertEqual(Set(entries.keys), ["default", "temp", "half", "regional", "admin"])

        let defaultEntry = try XCTUnwrap(entries["default"])
        XCTAssertEqual(defaultEntry.status, .migrated)
        XCTAssertTrue(defaultEntry.needsStoreWrite)
        let imported = try XCTUnwrap(defaultEntry.imported)
        XCTAssertEqual(imported.accessKeyID, Example.accessKeyID)
        XCTAssertTrue(imported.secretAccessKey == Example.secret, "inline comment must not reach the secret")
        XCTAssertNil(imported.sessionToken)
        XCTAssertEqual(imported.settings, ["region": "us-east-1", "output": "json"], "sub-properties are not settings")
        XCTAssertEqual(defaultEntry.sources.map(\.path), ["/h/credentials", "/h/config"])

        let temp = try XCTUnwrap(entries["temp"]?.imported)
        XCTAssertTrue(temp.sessionToken == SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLETOKEN"))
        XCTAssertEqual(temp.settings, ["region": "eu-west-1"])

        XCTAssertEqual(entries["half"]?.status, .skipped)
        XCTAssertEqual(entries["half"]?.reason, "incomplete key pair: aws_secret_access_key is missing")
        XCTAssertEqual(entries["regional"]?.status, .skipped)
        XCTAssertEqual(entries["regional"]?.reason, "it has no access keys (settings only)")
        XCTAssertEqual(entries["admin"]?.status, .skipped)
        XCTAssertTrue(entries["admin"]?.reason?.contains("role_arn") == true)
        for entry in entries.values where entry.status == .skipped {
            XCTAssertNil(entry.imported)
            XCTAssertFalse(entry.allowsPlaintextChanges)
        }
    }

    func testSameKeysAreAlreadyMigratedAndDifferentKeysConflictUnlessOverwriting() throws {
        let same = StoredProfile(name: "default", accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret,
                                 settings: ["region": "us-east-1", "output": "json"])
        var entries = try plan(store: [same])
        XCTAssertEqual(entries["default"]?.status, .alreadyMigrated)
        XCTAssertEqual(entries["default"]?.needsStoreWrite, false)

        var otherSettings = same
        otherSettings.settings = ["region": "eu-central-1"]
        entries = try plan(store: [otherSettings])
        XCTAssertEqual(entries["default"]?.status, .migrated, "same keys, settings brought up to date")
        XCTAssertEqual(entries["default"]?.needsStoreWrite, true)

        var otherSecret = same
        otherSecret.secretAccessKey = Example.otherSecret
        entries = try plan(store: [otherSecret])
        XCTAssertEqual(entries["default"]?.status, .conflicting)
        XCTAssertNil(entries["default"]?.imported)
        XCTAssertFalse(entries["default"]?.allowsPlaintextChanges ?? true)
        XCTAssertTrue(entries["default"]?.reason?.contains("a different secret for access key") == true)
        assertNoSecret(entries["default"]?.reason ?? "")

        let otherPair = StoredProfile(name: "default", accessKeyID: Example.otherKeyID,
                                      secretAccessKey: Example.otherSecret)
        entries = try plan(store: [otherPair], overwrite: true)
        XCTAssertEqual(entries["default"]?.status, .overwritten)
        XCTAssertEqual(entries["default"]?.needsStoreWrite, true)
        XCTAssertEqual(entries["default"]?.imported?.accessKeyID, Example.accessKeyID)

        // After --remove-plaintext the files hold no keys: a rerun sees the store's copy as already migrated.
        let keyless = StoredProfile(name: "regional", accessKeyID: Example.otherKeyID,
                                    secretAccessKey: Example.otherSecret)
        entries = try plan(store: [keyless])
        XCTAssertEqual(entries["regional"]?.status, .alreadyMigrated)
        XCTAssertTrue(entries["regional"]?.allowsPlaintextChanges ?? false)
    }

    func testSettingsOnlyInTheStoreSurviveAndTheFilesWinConflicts() throws {
        // `credstore set --region/--output` settings the files never had must not be deleted by migrate.
        var stored = StoredProfile(name: "default", accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret,
                                   settings: ["region": "eu-central-1", "cli_pager": "less", "output": "json"])
        var entries = try plan(store: [stored])
        XCTAssertEqual(entries["default"]?.status, .migrated)
        XCTAssertEqual(entries["default"]?.needsStoreWrite, true)
        XCTAssertEqual(entries["default"]?.imported?.settings,
                       ["region": "us-east-1", "output": "json", "cli_pager": "less"])

        stored.settings = ["region": "us-east-1", "output": "json", "cli_pager": "less"]
        entries = try plan(store: [stored])
        XCTAssertEqual(entries["default"]?.status, .alreadyMigrated, "store-only settings are not a difference")
        XCTAssertEqual(entries["default"]?.needsStoreWrite, false)

        stored.accessKeyID = Example.otherKeyID
        entries = try plan(store: [stored], overwrite: true)
        XCTAssertEqual(entries["default"]?.status, .overwritten)
        XCTAssertEqual(entries["default"]?.imported?.settings,
                       ["region": "us-east-1", "output": "json", "cli_pager": "less"])
    }

    func testNamedProfilesOnlyAndUnknownNamesAreReported() throws {
        let entries = try MigrationPlanner.plan(shared: shared(), names: ["temp", "nope", "temp"], storedNames: [],
                                                stored: { _ in nil }, overwrite: false)
        XCTAssertEqual(entries.map(\.name), ["temp", "nope"])
        XCTAssertEqual(entries.map(\.status), [.migrated, .notFound])
        XCTAssertTrue(entries[1].reason?.contains("/h/credentials") == true)
    }

    func testStoreIsOnlyReadForNamesItHolds() throws {
        var asked: [String] = []
        _ = try MigrationPlanner.plan(shared: shared(), storedNames: ["temp"],
                                      stored: { asked.append($0); return nil }, overwrite: false)
        XCTAssertEqual(asked, ["temp"])
    }

    func testRemovalTakesOnlySecretsTheStoreHoldsAndKeepsEverythingElseByteForByte() throws {
        var file = try ProfileFile(parsing: credentialsText, kind: .credentials, path: "/h/credentials")
        let entries = try plan()
        let stored = { (name: String) in entries[name]?.imported }
        var outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["default", "temp"], from: &file,
                                                                   stored: stored)
        XCTAssertEqual(outcomes["default"], .removed(["aws_access_key_id", "aws_secret_access_key"]))
        XCTAssertEqual(outcomes["temp"], .removed(["aws_access_key_id", "aws_secret_access_key",
                                                    "aws_session_token"]))
        XCTAssertEqual(file.text, """
            # team keys, do not share
            [default]
            output = json

            [temp]

            [half]
            aws_access_key_id = AKIAHALFEXAMPLE

            """)

        // A file whose secret changed after the plan (or a shadowed pair) keeps it: it is not in the store.
        var changed = try ProfileFile(parsing: credentialsText.replacingOccurrences(
            of: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", with: "edited-secret"), kind: .credentials)
        let before = changed.bytes
        outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["temp"], from: &changed, stored: stored)
        XCTAssertEqual(outcomes["temp"], .keptDifferent(["aws_secret_access_key"]))
        XCTAssertEqual(changed.bytes, before)

        outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["half"], from: &changed, stored: { _ in nil })
        XCTAssertEqual(outcomes["half"], .notInStore)
        XCTAssertEqual(changed.bytes, before)
    }

    /// removeValue deletes every definition of a key, the overridden and hidden ones too; one that differs from the
    /// store's copy would be lost, so the profile keeps its plaintext keys instead.
    func testRemovalKeepsAProfileWhoseOverriddenOrHiddenSecretDiffers() throws {
        let stored = { (name: String) -> StoredProfile? in
            StoredProfile(name: name, accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                          secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                          sessionToken: nil, expiration: nil, settings: [:])
        }
        let hidden = """
            [default]
            aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY

            [profile default]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

            """
        let overridden = """
            [p]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

            """
        for (text, kind, name) in [(hidden, ProfileFileKind.config, "default"), (overridden, .credentials, "p")] {
            var file = try ProfileFile(parsing: Array(text.utf8), kind: kind)
            let before = file.bytes
            let outcomes = try MigrationPlanner.removePlaintextSecrets(of: [name], from: &file, stored: stored)
            XCTAssertEqual(outcomes[name], .keptDifferent(["aws_secret_access_key"]), text)
            XCTAssertEqual(file.bytes, before, text)
        }
        // When every copy equals the store's, all of them go, the hidden one included.
        var same = try ProfileFile(parsing: Array(hidden.replacingOccurrences(
            of: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", with: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").utf8),
            kind: .config)
        let outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["default"], from: &same, stored: stored)
        XCTAssertEqual(outcomes["default"], .removed(["aws_access_key_id", "aws_secret_access_key"]))
        XCTAssertFalse(same.text.contains("aws_secret_access_key"), same.text)
    }

    /// Issue 15, survivor 3: the session token is compared too. Of two `aws_session_token` definitions only the later
    /// one (the one the SDKs read, so the one imported) equals the store's copy; removing the key would lose the
    /// earlier one, so the profile keeps its plaintext keys, byte for byte.
    func testRemovalKeepsAProfileWhoseOverriddenSessionTokenDiffers() throws {
        let text = """
            [twice]
            aws_access_key_id = ASIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            aws_session_token = FwoGZXIvYXdzEXAMPLExEARLIERxTOKEN
            aws_session_token = FwoGZXIvYXdzEXAMPLExLATERxTOKEN

            """
        let shared = SharedProfiles(credentials: try ProfileFile(parsing: text, kind: .credentials),
                                    config: ProfileFile(kind: .config))
        let entries = MigrationPlanner.plan(shared: shared, storedNames: [], stored: { _ in nil }, overwrite: false)
        let imported = try XCTUnwrap(entries.first?.imported)
        XCTAssertTrue(imported.sessionToken == SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLExLATERxTOKEN"),
                      "the later definition is the one imported")
        var file = try ProfileFile(parsing: text, kind: .credentials)
        let before = file.bytes
        var outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["twice"], from: &file,
                                                                   stored: { _ in imported })
        XCTAssertEqual(outcomes["twice"], .keptDifferent(["aws_session_token"]))
        XCTAssertEqual(file.bytes, before)

        // The same file with both tokens equal to the store's: everything goes.
        var same = try ProfileFile(parsing: text.replacingOccurrences(of: "EARLIER", with: "LATER"),
                                   kind: .credentials)
        outcomes = try MigrationPlanner.removePlaintextSecrets(of: ["twice"], from: &same, stored: { _ in imported })
        XCTAssertEqual(outcomes["twice"], .removed(["aws_access_key_id", "aws_secret_access_key",
                                                     "aws_session_token"]))
        XCTAssertEqual(same.text, "[twice]\n")
    }

    func testRewiringAddsUpdatesOursAndKeepsOthers() throws {
        var config = try ProfileFile(parsing: configText + """
            [profile custom]
            credential_process = /opt/bin/vault-creds --role ci

            [profile old]
            credential_process = /usr/bin/credstore export --profile old --format credential-process

            """, kind: .config)
        // The command line is the caller's (the CLI spells its own export command); any rule for "ours" will do here.
        let command = { (name: String) in
            "'/opt/cred store/credstore' export --profile \(name) --format credential-process"
        }
        let isOurs = { (existing: String, name: String) in
            existing == "/usr/bin/credstore export --profile \(name) --format credential-process"
        }
        let outcomes = try MigrationPlanner.rewire(["default", "temp", "brand-new", "custom", "old"], in: &config,
                                                   command: command, isOurs: isOurs)
        XCTAssertEqual(outcomes, ["default": .added, "temp": .added, "brand-new": .added, "custom": .keptOther,
                                  "old": .added])
        XCTAssertEqual(config.value(forKey: "credential_process", inProfile: "default")?.stringValue,
                       "'/opt/cred store/credstore' export --profile default --format credential-process")
        XCTAssertEqual(config.value(forKey: "credential_process", inProfile: "custom")?.stringValue,
                       "/opt/bin/vault-creds --role ci")
        XCTAssertTrue(config.text.contains("[profile brand-new]\ncredential_process = "))
        XCTAssertTrue(config.text.hasPrefix("[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 4\n"
                                            + "credential_process = "), "sub-properties stay intact")
        XCTAssertTrue(config.text.contains("; a region-only profile\n[profile regional]\nregion = ap-south-1\n"))
        XCTAssertEqual(config.value(forKey: "credential_process", inProfile: "old")?.stringValue,
                       "'/opt/cred store/credstore' export --profile old --format credential-process")
        let again = try MigrationPlanner.rewire(["default"], in: &config, command: command, isOurs: isOurs)
        XCTAssertEqual(again, ["default": .unchanged])
    }
}
