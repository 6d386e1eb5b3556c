import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// Second, independent guards through the binary for promises that one test each used to hold (issue 15): the
/// scrypt floor and the shell quoting of `export --format env`. The stores are written with the library, so they
/// can hold what the CLI would not write (a cheaper passphrase slot, values no terminal would paste).
final class SecondGuardCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"

    /// A passphrase slot written at 2^16, one below the floor of 2^17 that every reader applies: a header that claims
    /// a cheaper cost is a downgrade, refused as corrupt (exit 81) before scrypt runs, so the right and a wrong
    /// passphrase get the same answer (with scrypt run first, the wrong one would be "wrong passphrase" and the right
    /// one would open the store).
    func testAPassphraseSlotBelowTheScryptFloorIsRefusedBeforeTheKDF() throws {
        let home = try TemporaryHome()
        let storePath = home.path + "/store"
        let passphrase = "a passphrase of sixteen or more"
        let cheaper = ScryptPolicy(writeLogN: 16, minimumLogN: 16, maximumLogN: 20)
        try EncryptedStore.create(at: storePath, secrets: [.passphrase(SecretBytes(utf8: passphrase))], policy: cheaper)
            .set(StoredProfile(name: "p", accessKeyID: Self.keyID,
                               secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).first?.scryptLogN, 16)
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        for (name, candidate) in [("the right passphrase", passphrase), ("a wrong passphrase", "not the passphrase")] {
            let file = try home.write(candidate + "\n", to: "passphrase-\(name.count)")
            chmod(file, 0o600)
            let result = try CLI.run(["get", "--profile", "p", "--store", storePath, "--passphrase-file", file],
                                     environment: home.environment)
            XCTAssertEqual(result.status, 81, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(storePath) && result.stderr.contains("2^17"),
                          "\(name): \(result.stderr)")
            XCTAssertTrue(result.stdout.isEmpty, name)
            XCTAssertFalse(result.stderr.contains("wJalrXUtnFEMI"), name)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before, "the store is left as it was")
    }

    /// `eval "$(credstore export --format env)"` in a real shell sets exactly the stored bytes, whatever they hold
    /// (quotes, `$`, backticks, backslashes, `!`, a newline, a command substitution), and runs nothing.
    func testEnvExportOfHostileValuesRoundTripsThroughEval() throws {
        let home = try TemporaryHome()
        let storePath = home.path + "/store"
        let keyPath = home.path + "/store.key"
        let key = try KeyFile.generate(at: keyPath)
        let secret = #"it's "$HOME" `touch pwned-1` $(touch pwned-2) \n\\ !x ; & | < > * ? ~ # {a,b} "#
            + "\ttab\nsecond line '\\''"
        let token = #"FwoGZXIvYXdzEXAMPLE'$(touch pwned-3)'"#
        try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)])
            .set(StoredProfile(name: "hostile", accessKeyID: Self.keyID, secretAccessKey: SecretBytes(utf8: secret),
                               sessionToken: SecretBytes(utf8: token)))
        var environment = home.environment
        environment["CREDSTORE_BINARY"] = CLI.executable.path
        environment["CREDSTORE_STORE"] = storePath
        environment["CREDSTORE_KEY_FILE"] = keyPath
        for (variable, expected) in [("AWS_ACCESS_KEY_ID", Self.keyID), ("AWS_SECRET_ACCESS_KEY", secret),
                                     ("AWS_SESSION_TOKEN", token)] {
            let script = #"set -e; exported="$("$CREDSTORE_BINARY" export --profile hostile --format env "#
                + #"--store "$CREDSTORE_STORE")"; eval "$exported"; printf %s "$"# + variable + "\""
            let shell = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script], environment: environment,
                                           currentDirectory: home.path)
            XCTAssertEqual(shell.status, 0, "\(variable): the env output is not valid shell: \(shell.stderr)")
            XCTAssertTrue(shell.stdout == expected, "\(variable): the shell read back different bytes")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: home.path)
        XCTAssertEqual(files.filter { $0.hasPrefix("pwned") }, [], "eval ran a command hidden in a value")
    }
}
