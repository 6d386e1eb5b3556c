import Foundation
import TestSupport
import XCTest

/// `credstore list --names` and the `--profile` shell completion built on it (the package's bash/zsh/fish scripts
/// call the binary with ArgumentParser's `---completion` arguments on every Tab): names only, each once, in search
/// order, without unlocking the store; a completion that fails completes nothing and prints nothing.
final class ProfileCompletionCLITests: XCTestCase {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    var home: TemporaryHome!

    override func setUpWithError() throws { home = try TemporaryHome() }
    override func tearDown() { home = nil }

    /// A store with a passphrase slot only, plus both shared files. The environment the tests then use names no
    /// secret source and there is no terminal, so anything that tried to unlock would fail (exit 83).
    func makeProfiles() throws {
        let passphrase = try home.write("correct horse battery staple\n", to: "passphrase")
        XCTAssertEqual(chmod(passphrase, 0o600), 0)
        let created = try CLI.run(["init", "--passphrase-file", passphrase], environment: home.environment)
        XCTAssertEqual(created.status, 0, created.stderr)
        let stored = try CLI.run(["set", "--profile", "prod", "--access-key", Self.keyID, "--passphrase-file",
                                  passphrase], environment: home.environment, stdin: Self.secret + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        try home.write("[default]\nregion = us-east-1\n[prod]\nregion = eu-west-1\n", to: ".aws/credentials")
        try home.write("[profile dev]\nregion = us-east-2\n", to: ".aws/config")
        let locked = try CLI.run(["get", "--profile", "prod"], environment: home.environment)
        XCTAssertEqual(locked.status, 83, "the store must need a secret the tests do not give: \(locked.stderr)")
    }

    /// What the generated completion scripts run for `credstore COMMAND --profile <Tab>`.
    func complete(_ command: String, environment: [String: String]? = nil) throws -> CLIResult {
        try CLI.run(["---completion", command, "--", "--profile", "3", "0", "credstore", command, "--profile", ""],
                    environment: environment ?? home.environment)
    }

    func testListNamesPrintsEachNameOnceInSearchOrderWithoutUnlocking() throws {
        try makeProfiles()
        let names = try CLI.run(["list", "--names"], environment: home.environment)
        XCTAssertEqual(names.status, 0, names.stderr)
        XCTAssertEqual(names.stdout, "prod\ndefault\ndev\n")
        XCTAssertEqual(names.stderr, "")
        let combined = try CLI.run(["list", "--names", "--json"], environment: home.environment)
        XCTAssertEqual(combined.status, 64, combined.stderr)
        XCTAssertTrue(combined.stderr.contains("--names and --json"), combined.stderr)
    }

    func testProfileCompletionOffersTheNamesWithoutUnlocking() throws {
        try makeProfiles()
        for command in ["get", "export", "exec"] {
            let result = try complete(command)
            XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
            XCTAssertEqual(result.stdout.split(separator: "\n").map(String.init), ["prod", "default", "dev"],
                           command)
            XCTAssertEqual(result.stderr, "", command)
            XCTAssertFalse(result.stdout.contains(Self.keyID), command)
        }
        // A credentials file others may read, with a secret in it: `get` warns, a Tab press prints nothing but names.
        let path = try home.write("[dev]\naws_access_key_id = \(Self.keyID)\n"
                                  + "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                                  to: ".aws/credentials")
        chmod(path, 0o644)
        let completed = try complete("get")
        XCTAssertEqual(completed.status, 0, completed.stderr)
        XCTAssertEqual(completed.stderr, "")
        XCTAssertTrue(completed.stdout.contains("dev"), completed.stdout)
    }

    func testACompletionThatFailsCompletesNothingAndPrintsNothing() throws {
        try makeProfiles()
        try home.write("[default]\nregion = us-east-1\nnot a property line\n", to: ".aws/credentials")
        let listed = try CLI.run(["list", "--names"], environment: home.environment)
        XCTAssertEqual(listed.status, 65, "list itself reports the malformed file: \(listed.stderr)")
        let completed = try complete("get")
        XCTAssertEqual(completed.status, 0, completed.stderr)
        XCTAssertEqual(completed.stdout, "")
        XCTAssertEqual(completed.stderr, "")

        // An unreadable store (a directory where the file should be) completes nothing too.
        var environment = home.environment
        environment["CREDSTORE_STORE"] = home.path
        try home.write("[default]\nregion = us-east-1\n", to: ".aws/credentials")
        let unreadable = try complete("get", environment: environment)
        XCTAssertEqual(unreadable.status, 0, unreadable.stderr)
        XCTAssertEqual(unreadable.stdout, "")
        XCTAssertEqual(unreadable.stderr, "")
    }
}
