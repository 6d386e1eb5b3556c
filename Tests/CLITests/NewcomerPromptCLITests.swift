import Foundation
import XCTest

/// Issue 14, items 2, 3, 4, 7 and 8: what a newcomer meets at a real terminal (driven through `TerminalSession`, a
/// pseudo-terminal) and the slips credstore must catch instead of storing or destroying something silently.
final class NewcomerPromptCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private static let otherKeyID = "AKIAI44QH8DHBEXAMPLE"
    private static let otherSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
    private static let passphrase = "correct horse battery staple"

    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }

    override func setUpWithError() throws {
        home = try TemporaryHome()
    }

    /// HOME with a key file (generated when the store is created), for runs that need no passphrase.
    private var keyFileEnvironment: [String: String] {
        home.environment.merging(["CREDSTORE_KEY_FILE": home.path + "/store.key"]) { $1 }
    }

    @discardableResult
    private func run(_ arguments: [String], stdin: String? = nil, env: [String: String]? = nil) throws -> CLIResult {
        try CLI.run(arguments, environment: env ?? keyFileEnvironment, stdin: stdin)
    }

    private func storedKeyID(_ profile: String, env: [String: String]? = nil) throws -> String? {
        let result = try run(["get", "--profile", profile, "--json"], env: env)
        guard result.status == 0 else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?["AccessKeyId"] as? String
    }

    // MARK: - Item 2: `set` asks for the access key id

    func testSetAsksForTheAccessKeyIDOnATerminalWithEcho() throws {
        let session = try TerminalSession(["set", "--profile", "nightly"], environment: keyFileEnvironment)
        session.expect("Access key id: ")
        session.send(Self.keyID)
        session.expect("Secret access key: ")
        session.send(Self.secret)
        XCTAssertEqual(session.finish(), 0, session.transcript)
        XCTAssertTrue(session.transcript.contains(Self.keyID), "the id is echoed: \(session.transcript)")
        XCTAssertFalse(session.transcript.contains(Self.secret), "the secret is not echoed")
        XCTAssertEqual(try storedKeyID("nightly"), Self.keyID)
    }

    func testSetWithoutATerminalNamesTheMissingOption() throws {
        let result = try run(["set", "--profile", "nightly"], stdin: Self.secret + "\n")
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--access-key"), result.stderr)
        XCTAssertTrue(result.stderr.contains("no terminal"), result.stderr)
        XCTAssertFalse(result.stderr.contains(Self.secret))
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath), "nothing was stored")
    }

    // MARK: - Item 3: decide how to unlock before any prompt

    func testAKeyFileOnlyStoreNeverAsksForAPassphrase() throws {
        let init_ = try run(["init", "--key-file", home.path + "/store.key", "--no-passphrase"], env: home.environment)
        XCTAssertEqual(init_.status, 0, init_.stderr)
        XCTAssertEqual(try run(["set", "--profile", "p", "--access-key", Self.keyID], stdin: Self.secret + "\n").status,
                       0)
        // On a terminal, without the key file: no prompt, an error that names the key file options.
        let session = try TerminalSession(["get", "--profile", "p"], environment: home.environment)
        XCTAssertEqual(session.finish(timeout: 15), 83, session.transcript)
        XCTAssertFalse(session.transcript.contains("assphrase for"), session.transcript)
        XCTAssertTrue(session.transcript.contains("no passphrase slot"), session.transcript)
        XCTAssertTrue(session.transcript.contains("--key-file"), session.transcript)
        // Without a terminal: the same error.
        let plain = try run(["get", "--profile", "p"], env: home.environment)
        XCTAssertEqual(plain.status, 83, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("no passphrase slot"), plain.stderr)
    }

    func testSetAsksForThePassphraseBeforeTheSecretAndLetsAMistypedOneBeRetried() throws {
        let passphraseFile = try home.write(Self.passphrase + "\n", to: "passphrase")
        chmod(passphraseFile, 0o600)
        let created = try run(["init", "--passphrase-file", passphraseFile], env: home.environment)
        XCTAssertEqual(created.status, 0, created.stderr)

        let session = try TerminalSession(["set", "--profile", "p", "--access-key", Self.keyID],
                                          environment: home.environment)
        session.expect("Passphrase for \(storePath): ")
        session.send("a mistyped passphrase")
        session.expect("try again")
        session.expect("Passphrase for \(storePath): ")
        session.send(Self.passphrase)
        session.expect("Secret access key: ")
        session.send(Self.secret)
        XCTAssertEqual(session.finish(), 0, session.transcript)
        let withFile = home.environment.merging(["CREDSTORE_PASSPHRASE_FILE": passphraseFile]) { $1 }
        XCTAssertEqual(try storedKeyID("p", env: withFile), Self.keyID)

        // Three wrong passphrases end the command with the wrong-secret status; nothing was asked for after them.
        let wrong = try TerminalSession(["set", "--profile", "q", "--access-key", Self.keyID],
                                        environment: home.environment)
        for _ in 1...3 {
            wrong.expect("Passphrase for \(storePath): ")
            wrong.send("still wrong")
        }
        XCTAssertEqual(wrong.finish(), 80, wrong.transcript)
        XCTAssertFalse(wrong.transcript.contains("Secret access key"), wrong.transcript)
    }

    // MARK: - Item 4: the last copy of a key is never destroyed silently

    func testDefaultDoesNotSilentlyDestroyTheLastCopyOfAKey() throws {
        try run(["set", "--profile", "default", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try run(["set", "--profile", "work-dev", "--access-key", Self.otherKeyID], stdin: Self.otherSecret + "\n")

        let refused = try run(["default", "--profile", "work-dev"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--force"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains(Self.secret))
        XCTAssertEqual(try storedKeyID("default"), Self.keyID, "the default is unchanged")

        let declined = try TerminalSession(["default", "--profile", "work-dev"], environment: keyFileEnvironment)
        declined.expect("Replace it? [y/N] ")
        declined.send("n")
        XCTAssertEqual(declined.finish(), 1, declined.transcript)
        XCTAssertEqual(try storedKeyID("default"), Self.keyID, "the default is unchanged")

        let accepted = try TerminalSession(["default", "--profile", "work-dev"], environment: keyFileEnvironment)
        accepted.expect("Replace it? [y/N] ")
        accepted.send("y")
        XCTAssertEqual(accepted.finish(), 0, accepted.transcript)
        XCTAssertEqual(try storedKeyID("default"), Self.otherKeyID)

        // A key that has another copy (here in the shared credentials file) is replaced without a question; so is
        // any key with --force.
        try home.write("[backup]\naws_access_key_id = \(Self.otherKeyID)\n"
                       + "aws_secret_access_key = \(Self.otherSecret)\n", to: ".aws/credentials")
        try run(["set", "--profile", "third", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertEqual(try run(["default", "--profile", "third"]).status, 0)
        try run(["set", "--profile", "fourth", "--access-key", "AKIAIOSFODNN4EXAMPLE"], stdin: Self.secret + "x\n")
        try run(["remove", "--profile", "third", "--force"])
        XCTAssertEqual(try run(["default", "--profile", "fourth"]).status, 1, "default's key is the last copy")
        XCTAssertEqual(try run(["default", "--profile", "fourth", "--force"]).status, 0)
    }

    func testRemoveAsksBeforeDestroyingTheLastCopyAndReportsCredentialProcessLines() throws {
        try run(["set", "--profile", "solo", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try home.write("[profile solo]\ncredential_process = /usr/local/bin/credstore export --profile solo\n"
                       + "[profile other]\nregion = eu-west-1\n", to: ".aws/config")

        let refused = try run(["remove", "--profile", "solo"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists nowhere else"), refused.stderr)
        XCTAssertEqual(try storedKeyID("solo"), Self.keyID, "still there")

        let declined = try TerminalSession(["remove", "--profile", "solo"], environment: keyFileEnvironment)
        declined.expect("Remove it? [y/N] ")
        declined.send("")
        XCTAssertEqual(declined.finish(), 1, declined.transcript)
        XCTAssertEqual(try storedKeyID("solo"), Self.keyID, "still there")

        // Removed after a yes; the config's credential_process line that exports it is offered for removal too.
        let accepted = try TerminalSession(["remove", "--profile", "solo"], environment: keyFileEnvironment)
        accepted.expect("Remove it? [y/N] ")
        accepted.send("yes")
        accepted.expect("Profile 'solo' in \(home.path)/.aws/config runs 'credstore export --profile solo' as its "
                        + "credential_process, which now fails. Remove that credential_process line? [y/N] ")
        accepted.send("y")
        XCTAssertEqual(accepted.finish(), 0, accepted.transcript)
        XCTAssertNil(try storedKeyID("solo"))
        XCTAssertEqual(try home.read(".aws/config"), "[profile solo]\n[profile other]\nregion = eu-west-1\n")

        // Without a terminal (--force), the line is reported and left alone.
        try run(["set", "--profile", "solo", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        let config = "[profile solo]\ncredential_process = credstore export --profile=solo\n"
        try home.write(config, to: ".aws/config")
        let forced = try run(["remove", "--profile", "solo", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("warning: profile 'solo' in \(home.path)/.aws/config runs "
                                             + "'credstore export --profile solo'"), forced.stderr)
        XCTAssertEqual(try home.read(".aws/config"), config)

        // A key with another copy is removed without a question, from the store or from a shared file (the store,
        // opened here by its key file, holds the other copy).
        try run(["set", "--profile", "a", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try run(["set", "--profile", "b", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        let removed = try run(["remove", "--profile", "a"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(removed.stderr.contains("warning:"), removed.stderr)
        try home.write("[plain]\naws_access_key_id = \(Self.keyID)\naws_secret_access_key = \(Self.secret)\n",
                       to: ".aws/credentials")
        let plain = try run(["remove", "--profile", "plain", "--profile-location", home.path + "/.aws/credentials"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
    }

    // MARK: - Item 7: slips caught at `set`

    func testASecretPastedIntoAccessKeyIsRefusedWithoutRepeatingIt() throws {
        let result = try run(["set", "--profile", "p", "--access-key", Self.secret], stdin: Self.secret + "\n")
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("looks like a secret access key"), result.stderr)
        XCTAssertTrue(result.stderr.contains("shell history"), result.stderr)
        XCTAssertFalse(result.stderr.contains(Self.secret), "the secret is not repeated")
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath), "nothing was stored")

        let shapeless = try run(["set", "--profile", "p", "--access-key", "my-key"], stdin: Self.secret + "\n")
        XCTAssertEqual(shapeless.status, 64, shapeless.stderr)
        XCTAssertTrue(shapeless.stderr.contains("not shaped like one"), shapeless.stderr)
        // Other upper-case ids of 16 to 128 characters are ids.
        XCTAssertEqual(try run(["set", "--profile", "p", "--access-key", "ASIAIOSFODNN7EXAMPLE"],
                               stdin: Self.secret + "\n").status, 0)
    }

    func testAProfileNameNoSharedFileCouldHoldIsRefused() throws {
        for name in ["bad name]", "two\nlines", " padded", "#comment", ";comment"] {
            let result = try run(["set", "--profile", name, "--access-key", Self.keyID], stdin: Self.secret + "\n")
            XCTAssertEqual(result.status, 64, "\(name.debugDescription): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("the profile name"), result.stderr)
            XCTAssertTrue(result.stderr.contains("nothing was stored"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath), "nothing was stored")
        XCTAssertEqual(try run(["set", "--profile", "AWS PS Default", "--access-key", Self.keyID],
                               stdin: Self.secret + "\n").status, 0, "inner spaces are fine")
    }

    // MARK: - Item 8: `init` questions a short passphrase and asks again on a mismatch

    func testInitQuestionsAShortPassphraseAndAsksAgainOnAMismatch() throws {
        let session = try TerminalSession(["init"], environment: home.environment)
        session.expect("New passphrase for \(storePath): ")
        session.send("abc")
        session.expect("Use it anyway? [y/N] ")
        session.send("n")
        session.expect("New passphrase for \(storePath): ")
        session.send(Self.passphrase)
        session.expect("Repeat to confirm: ")
        session.send(Self.passphrase + " typo")
        session.expect("differ; try again")
        session.expect("New passphrase for \(storePath): ")
        session.send(Self.passphrase)
        session.expect("Repeat to confirm: ")
        session.send(Self.passphrase)
        XCTAssertEqual(session.finish(), 0, session.transcript)
        XCTAssertFalse(session.transcript.contains(Self.passphrase), "no echo")

        let passphraseFile = try home.write(Self.passphrase + "\n", to: "passphrase")
        chmod(passphraseFile, 0o600)
        let set = try run(["set", "--profile", "p", "--access-key", Self.keyID, "--passphrase-file", passphraseFile],
                          stdin: Self.secret + "\n", env: home.environment)
        XCTAssertEqual(set.status, 0, "the confirmed passphrase opens the store: \(set.stderr)")
    }

    func testInitGivesUpAfterThreeMismatches() throws {
        let session = try TerminalSession(["init"], environment: home.environment)
        for attempt in 1...3 {
            session.expect("New passphrase for \(storePath): ")
            session.send(Self.passphrase)
            session.expect("Repeat to confirm: ")
            session.send("mismatch \(attempt)")
        }
        XCTAssertEqual(session.finish(), 65, session.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath), "no store was created")
    }
}
