import Foundation
import TestSupport
import XCTest

/// The security review of the last-copy rule (issue 14, item 4): no command destroys the only copy of a key pair
/// unasked, however the place is spelled; `remove --all-stores` checks every place before removing from any; a
/// `credential_process` line counts as an export of a profile only when it names that profile of this store.
final class LastCopyCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private static let otherKeyID = "AKIAI44QH8DHBEXAMPLE"
    private static let otherSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

    private var home: TemporaryHome!

    override func setUpWithError() throws {
        home = try TemporaryHome()
    }

    /// HOME with a key file (generated when the store is created), for runs that need no passphrase.
    private var environment: [String: String] {
        home.environment.merging(["CREDSTORE_KEY_FILE": home.path + "/store.key"]) { $1 }
    }

    @discardableResult
    private func run(_ arguments: [String], stdin: String? = nil, in directory: String? = nil) throws -> CLIResult {
        try CLI.run(arguments, environment: environment, stdin: stdin, currentDirectory: directory)
    }

    private func storedKeyID(_ profile: String) throws -> String? {
        let result = try run(["get", "--profile", profile, "--json"])
        guard result.status == 0 else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?["AccessKeyId"] as? String
    }

    private func pair(_ name: String, _ id: String = keyID, _ secret: String = secret) -> String {
        "[\(name)]\naws_access_key_id = \(id)\naws_secret_access_key = \(secret)\n"
    }

    // MARK: - Item 1: remove --profile-location

    func testRemoveFromAFileOutsideTheSharedFilesAsksForTheLastCopy() throws {
        let file = try home.write(pair("solo"), to: "keys/elsewhere")
        let refused = try run(["remove", "--profile", "solo", "--profile-location", file])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains(Self.secret))
        XCTAssertEqual(try home.read("keys/elsewhere"), pair("solo"), "nothing was removed")
        XCTAssertEqual(try run(["remove", "--profile", "solo", "--profile-location", file, "--force"]).status, 0)
        XCTAssertEqual(try home.read("keys/elsewhere"), "")
    }

    func testRemoveFromTheCredentialsFileSpelledRelativelyAsksForTheLastCopy() throws {
        try home.write(pair("solo"), to: ".aws/credentials")
        for spelling in ["./credentials", "credentials", "../.aws//credentials"] {
            let refused = try run(["remove", "--profile", "solo", "--profile-location", spelling],
                                  in: home.path + "/.aws")
            XCTAssertEqual(refused.status, 1, spelling + ": " + refused.stderr)
            XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
            XCTAssertEqual(try home.read(".aws/credentials"), pair("solo"), "nothing was removed")
        }
        // A real second copy (here in another file given by its own path) still lets it go without a question.
        try home.write(pair("profile backup"), to: ".aws/config")
        let removed = try run(["remove", "--profile", "solo", "--profile-location", "./credentials"],
                              in: home.path + "/.aws")
        XCTAssertEqual(removed.status, 0, removed.stderr)
    }

    // MARK: - Item 2: remove --all-stores

    func testRemoveAllStoresRemovesNothingWhenAFileWouldRefuseTheEdit() throws {
        try run(["set", "--profile", "dup", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try home.write(pair("dup") + pair("other", Self.otherKeyID, Self.otherSecret), to: ".aws/credentials")
        chmod(home.path + "/.aws/credentials", 0o644)
        let result = try run(["remove", "--profile", "dup", "--all-stores", "--force"])
        XCTAssertEqual(result.status, 77, result.stderr)
        // The store alone (the shared files hidden): its copy is still there.
        let storeOnly = environment.merging(["AWS_SHARED_CREDENTIALS_FILE": home.path + "/none",
                                             "AWS_CONFIG_FILE": home.path + "/none"]) { $1 }
        let stored = try CLI.run(["get", "--profile", "dup"], environment: storeOnly)
        XCTAssertEqual(stored.status, 0, "the store's copy was not removed: " + stored.stderr)
        XCTAssertTrue(stored.stdout.contains(Self.keyID), stored.stdout)
        XCTAssertTrue(result.stderr.contains("nothing was written"), result.stderr)
        XCTAssertTrue(try home.read(".aws/credentials").contains("[dup]"))
    }

    func testRemoveAllStoresSaysWhichCopiesWereRemovedWhenALaterWriteFails() throws {
        try run(["set", "--profile", "dup", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try home.write(pair("dup") + pair("other", Self.otherKeyID, Self.otherSecret), to: ".aws/credentials")
        // The second atomic write of the run (the credentials file's, after the store's) fails with EIO.
        let failing = environment.merging(["CREDSTORE_TEST_REMOVE_FAIL_AT": "rename#2"]) { $1 }
        let result = try CLI.run(["remove", "--profile", "dup", "--all-stores", "--force"], environment: failing)
        XCTAssertNotEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("profile 'dup' was removed from the encrypted store ("), result.stderr)
        let notRemoved = "but not from the shared credentials file (\(home.path)/.aws/credentials)"
        XCTAssertTrue(result.stderr.contains(notRemoved), result.stderr)
        XCTAssertTrue(try home.read(".aws/credentials").contains("[dup]"))
    }

    // MARK: - Item 3: set and migrate --overwrite

    func testSetAsksBeforeReplacingTheOnlyCopyOfAKeyPair() throws {
        try run(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        // The same key pair again is no loss: no question.
        let same = try run(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertEqual(same.status, 0, same.stderr)

        for (id, secret) in [(Self.otherKeyID, Self.otherSecret), (Self.keyID, Self.otherSecret)] {
            let refused = try run(["set", "--profile", "prod", "--access-key", id], stdin: secret + "\n")
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--force"), refused.stderr)
            XCTAssertFalse(refused.stderr.contains(Self.secret) || refused.stderr.contains(Self.otherSecret))
            let export = try run(["export", "--profile", "prod", "--format", "json"])
            XCTAssertTrue(export.stdout.contains(Self.secret), "the old key pair is still stored")
        }

        let declined = try TerminalSession(["set", "--profile", "prod", "--access-key", Self.otherKeyID],
                                           environment: environment)
        declined.expect("Secret access key: ")
        declined.send(Self.otherSecret)
        declined.expect("Replace it? [y/N] ")
        declined.send("n")
        XCTAssertEqual(declined.finish(), 1, declined.transcript)
        XCTAssertEqual(try storedKeyID("prod"), Self.keyID)

        let forced = try run(["set", "--profile", "prod", "--access-key", Self.otherKeyID, "--force"],
                             stdin: Self.otherSecret + "\n")
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try storedKeyID("prod"), Self.otherKeyID)

        // A key pair with another copy is replaced without a question.
        try home.write(pair("backup", Self.otherKeyID, Self.otherSecret), to: ".aws/credentials")
        let replaced = try run(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
    }

    func testSetIntoAFileAsksBeforeReplacingTheOnlyCopyOfAKeyPair() throws {
        try home.write(pair("prod"), to: "keys/credentials")
        let file = "./keys/credentials"
        let same = try run(["set", "--profile", "prod", "--access-key", Self.keyID, "--profile-location", file],
                           stdin: Self.secret + "\n", in: home.path)
        XCTAssertEqual(same.status, 0, "the same key pair again is no loss: " + same.stderr)
        let refused = try run(["set", "--profile", "prod", "--access-key", Self.otherKeyID, "--profile-location", file],
                              stdin: Self.otherSecret + "\n", in: home.path)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
        XCTAssertEqual(try home.read("keys/credentials"), pair("prod"), "nothing was written")
        let forced = try run(["set", "--profile", "prod", "--access-key", Self.otherKeyID, "--profile-location", file,
                              "--force"], stdin: Self.otherSecret + "\n", in: home.path)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(try home.read("keys/credentials").contains(Self.otherKeyID))
    }

    func testMigrateOverwriteAsksBeforeLosingTheStoresKeyPair() throws {
        try run(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try home.write(pair("prod", Self.otherKeyID, Self.otherSecret), to: ".aws/credentials")

        let conflict = try run(["migrate"])
        XCTAssertEqual(conflict.status, 1, conflict.stderr)
        XCTAssertTrue(conflict.stderr.contains("lost"), "the hint says the store's key pair would be lost: "
                      + conflict.stderr)

        let refused = try run(["migrate", "--overwrite"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
        XCTAssertEqual(try storedKeyID("prod"), Self.keyID, "nothing was changed")

        let forced = try run(["migrate", "--overwrite", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try storedKeyID("prod"), Self.otherKeyID)

        // The store's key pair kept elsewhere (the config file here): overwritten without a question.
        try home.write("[profile keep]\naws_access_key_id = \(Self.otherKeyID)\n"
                       + "aws_secret_access_key = \(Self.otherSecret)\n", to: ".aws/config")
        try home.write(pair("prod"), to: ".aws/credentials")
        let kept = try run(["migrate", "--overwrite", "--profile", "prod"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(try storedKeyID("prod"), Self.keyID)
    }

    // MARK: - Item 4: which credential_process lines export a store profile

    func testRemoveReportsOnlyTheLinesThatExportThisStoresProfile() throws {
        try run(["set", "--profile", "solo", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        let config = """
            [profile short]
            credential_process = credstore export -p solo
            [profile glued]
            credential_process = credstore export -psolo
            [profile elsewhere]
            credential_process = credstore export --store \(home.path)/other/store --profile solo

            """
        try home.write(config, to: ".aws/config")
        let result = try run(["remove", "--profile", "solo", "--force"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("profile 'short' in"), result.stderr)
        XCTAssertTrue(result.stderr.contains("profile 'glued' in"), result.stderr)
        XCTAssertFalse(result.stderr.contains("profile 'elsewhere' in"), "another store's export keeps working: "
                       + result.stderr)
    }

    func testMigrateRewireKeepsALineThatExportsFromAnotherStore() throws {
        try home.write(pair("p"), to: ".aws/credentials")
        let other = "credstore export --store \(home.path)/other/store --profile p --format credential-process"
        try home.write("[profile p]\ncredential_process = \(other)\n", to: ".aws/config")
        let result = try run(["migrate", "--rewire-config"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = try home.read(".aws/config")
        XCTAssertTrue(written.contains(other), written)
    }

    // MARK: - Item 5: default re-checks what it asked about

    func testDefaultRefusesWhenTheDefaultChangedWhileItAsked() throws {
        try run(["set", "--profile", "default", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try run(["set", "--profile", "work", "--access-key", Self.otherKeyID], stdin: Self.otherSecret + "\n")
        let session = try TerminalSession(["default", "--profile", "work"], environment: environment)
        session.expect("Replace it? [y/N] ")
        // Meanwhile another program puts a third key pair into the default profile.
        let meanwhile = try run(["set", "--profile", "default", "--access-key", "AKIAIOSFODNN4EXAMPLE", "--force"],
                                stdin: Self.secret + "x\n")
        XCTAssertEqual(meanwhile.status, 0, meanwhile.stderr)
        session.send("y")
        XCTAssertEqual(session.finish(), 1, session.transcript)
        XCTAssertTrue(session.transcript.contains("changed by another program"), session.transcript)
        XCTAssertEqual(try storedKeyID("default"), "AKIAIOSFODNN4EXAMPLE", "the key never asked about stays")
    }
}
