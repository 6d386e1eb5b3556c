import Foundation
import TestSupport
import XCTest

/// The passphrase prompt on the controlling terminal, driven through a pseudo-terminal as a person would answer it.
final class TerminalPromptCLITests: XCTestCase {
    func testAPassphraseTypedAtThePromptUnlocksTheStoreAndIsNotEchoed() throws {
        let home = try TemporaryHome()
        let passphrase = "correct horse battery staple"
        let passphraseFile = try home.write(passphrase + "\n", to: "passphrase", mode: 0o600)
        let initialized = try CLI.run(["init", "--passphrase-file", passphraseFile], environment: home.environment)
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        let stored = try CLI.run(["set", "--profile", "prod", "--access-key", ExampleKeys.accessKeyID,
                                  "--passphrase-file", passphraseFile],
                                 environment: home.environment, stdin: ExampleKeys.secretAccessKey + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)

        // No key file, passphrase file or descriptor: only the terminal can unlock the store.
        let terminal = try TerminalSession(["get", "--profile", "prod", "--json"], environment: home.environment)
        terminal.expect("Passphrase for ")
        terminal.send(passphrase)
        XCTAssertEqual(terminal.finish(), 0, terminal.transcript)
        XCTAssertTrue(terminal.transcript.contains(ExampleKeys.accessKeyID), terminal.transcript)
        XCTAssertFalse(terminal.transcript.contains(passphrase), "the passphrase was echoed")
        XCTAssertFalse(terminal.transcript.contains(ExampleKeys.secretAccessKey), "the secret was printed")
    }
}
