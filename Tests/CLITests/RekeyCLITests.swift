import Foundation
import XCTest
@testable import SecureStore
@testable import UnlockAgent

/// `credstore rekey` (issue 13 item 3): after it, the data key an old copy of the store yields with an old secret
/// (or that an unlock agent held) opens nothing saved since; every profile still reads; slots without a secret are
/// dropped only when asked; a rekey killed at any step of its write leaves the old store as it was.
final class RekeyCLITests: XCTestCase {
    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }
    private var oldPassphrase: String!
    private var newPassphrase: String!
    private var keyFile: String { home.path + "/keys/store.key" }

    override func setUpWithError() throws {
        home = try TemporaryHome()
        oldPassphrase = try home.write("an old passphrase that leaked\n", to: "secrets/old")
        newPassphrase = try home.write("a new passphrase\n", to: "secrets/new")
        chmod(oldPassphrase, 0o600)
        chmod(newPassphrase, 0o600)
    }

    override func tearDown() {
        if let state = try? AgentClient(environment: home.environment).status() { kill(state.processID, SIGTERM) }
        home = nil
    }

    @discardableResult
    private func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                     expect status: Int32? = 0) throws -> CLIResult {
        let result = try CLI.run(arguments, environment: home.environment.merging(extra) { $1 }, stdin: stdin)
        if let status { XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)") }
        XCTAssertFalse(result.stderr.contains(Self.secret), "no secret on stderr")
        return result
    }

    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    /// A store with a passphrase slot (the old passphrase) and a key-file slot, holding two profiles.
    private func makeStore() throws {
        try FileManager.default.createDirectory(atPath: home.path + "/keys", withIntermediateDirectories: true)
        try run(["init", "--passphrase-file", oldPassphrase, "--key-file", keyFile])
        for name in ["default", "work"] {
            try run(["set", "--profile", name, "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", keyFile],
                    stdin: Self.secret + "\n")
        }
    }

    private func secretOf(_ profile: String, _ unlock: [String]) throws -> String {
        let result = try run(["get", "--profile", profile, "--json", "--show-secret"] + unlock)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(object["SecretAccessKey"] as? String)
    }

    /// The data key a copy of the store yields with a secret: what whoever kept the copy and the secret holds.
    private func dataKey(ofCopy path: String, passphrase file: String) throws -> SecretBytes {
        var text = try String(contentsOfFile: file, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        return try EncryptedStore.open(at: path, with: .passphrase(SecretBytes(utf8: text))).agentDataKey()
    }

    private func opens(_ path: String, withDataKey key: SecretBytes) -> Bool {
        (try? EncryptedStore.open(at: path, agentDataKey: key)) != nil
    }

    func testHelpSaysWhenARekeyIsNeeded() throws {
        let rekey = try run(["rekey", "--help"])
        XCTAssertTrue(rekey.stdout.contains("OVERVIEW: ") && rekey.stdout.contains("--drop-unopened-slots"))
        for command in [["passwd"], ["keyslot", "remove"], ["keyslot"]] {
            let help = try run(command + ["--help"])
            // Help text is wrapped: compare with every run of whitespace as one space.
            let words = help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            XCTAssertTrue(words.contains("run 'credstore rekey'") || words.contains("Run 'credstore rekey'"),
                          "\(command): \(help.stdout)")
        }
    }

    func testRekeyCutsOffAPassphraseThatLeakedBeforePasswd() throws {
        try makeStore()
        let copy = home.path + "/stolen-copy"
        try FileManager.default.copyItem(atPath: storePath, toPath: copy)
        try run(["passwd", "--passphrase-file", oldPassphrase, "--new-passphrase-file", newPassphrase])
        let leaked = try dataKey(ofCopy: copy, passphrase: oldPassphrase)
        // passwd alone keeps the data key: the stolen copy plus the old passphrase still opens the current file.
        XCTAssertTrue(opens(storePath, withDataKey: leaked))
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))

        let result = try run(["rekey", "--key-file", keyFile, "--passphrase-file", newPassphrase])
        XCTAssertTrue(result.stdout.contains("2 profiles re-encrypted"), result.stdout)
        XCTAssertFalse(opens(storePath, withDataKey: leaked), "the leaked data key must not open the re-keyed store")
        XCTAssertThrowsError(try EncryptedStore.open(at: storePath, with: .passphrase(SecretBytes(utf8:
            "an old passphrase that leaked"))))
        // Every record changed (new key, new save salt), and every profile reads with both remaining slots.
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 2)
        for profile in ["default", "work"] {
            XCTAssertEqual(try secretOf(profile, ["--key-file", keyFile]), Self.secret)
            XCTAssertEqual(try secretOf(profile, ["--passphrase-file", newPassphrase]), Self.secret)
        }
        // A save after the re-key is not readable with the leaked key either.
        try run(["set", "--profile", "later", "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", keyFile],
                stdin: Self.secret + "\n")
        XCTAssertFalse(opens(storePath, withDataKey: leaked))
    }

    func testSlotsWithoutASecretAreDroppedOnlyWhenAsked() throws {
        try makeStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        // Only the key file is given and there is no terminal: the passphrase slot cannot be re-wrapped.
        let refused = try run(["rekey", "--key-file", keyFile], expect: 83)
        XCTAssertTrue(refused.stderr.contains("nothing was changed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--drop-unopened-slots"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)

        let leaked = try dataKey(ofCopy: storePath, passphrase: oldPassphrase)
        let dropped = try run(["rekey", "--key-file", keyFile, "--drop-unopened-slots"])
        XCTAssertTrue(dropped.stdout.contains("key slot 0 (passphrase) dropped"), dropped.stdout)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile])
        XCTAssertFalse(opens(storePath, withDataKey: leaked))
        XCTAssertEqual(try secretOf("work", ["--key-file", keyFile]), Self.secret)
        // The last slot is never dropped: a rekey with a wrong secret fails before anything is written.
        let other = home.path + "/keys/other.key"
        _ = try KeyFile.generate(at: other)
        let wrong = try run(["rekey", "--key-file", other, "--force"], expect: nil)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 1)
        XCTAssertEqual(try secretOf("work", ["--key-file", keyFile]), Self.secret)
    }

    /// Killed (SIGKILL through SystemLayer's debug-build fault injection) at each step of its one atomic write, a
    /// rekey leaves the old file, byte for byte; where the kill point is never reached, the rekey is complete.
    func testRekeyKilledMidWayLeavesTheOldStore() throws {
        try makeStore()
        let original = try Data(contentsOf: URL(fileURLWithPath: storePath))
        let leaked = try dataKey(ofCopy: storePath, passphrase: oldPassphrase)
        let steps = ["createTemporary", "write", "fsync", "close", "rename"]
        var killed = 0
        for step in steps {
            for occurrence in 1...2 {
                try original.write(to: URL(fileURLWithPath: storePath))
                let point = "\(step)#\(occurrence)"
                let result = try run(["rekey", "--key-file", keyFile, "--drop-unopened-slots"],
                                     environment: ["CREDSTORE_TEST_REKEY_KILL_AT": point], expect: nil)
                let now = try Data(contentsOf: URL(fileURLWithPath: storePath))
                // Under `setsid -w` a killed child shows as setsid's complaint and the signal number as status.
                if result.reason == .uncaughtSignal || result.stderr.contains("did not exit normally") {
                    XCTAssertEqual(result.status, SIGKILL, point)
                    killed += 1
                    XCTAssertEqual(now, original, "\(point): the old store, byte for byte")
                    XCTAssertTrue(opens(storePath, withDataKey: leaked), point)
                } else {
                    // The rekey wrote once and finished before the N-th such step: it must be complete.
                    XCTAssertEqual(result.status, 0, "\(point): \(result.stderr)")
                    XCTAssertFalse(opens(storePath, withDataKey: leaked), point)
                    XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile], point)
                }
                XCTAssertEqual(try secretOf("default", ["--key-file", keyFile]), Self.secret, point)
            }
        }
        XCTAssertGreaterThanOrEqual(killed, steps.count, "every step's first occurrence was reached and killed")
    }

    /// An unlock agent holding the old data key: rekey makes it forget that key, and the old key neither opens nor
    /// writes the re-keyed store.
    func testRekeyMakesTheAgentForgetTheOldKey() throws {
        try makeStore()
        try run(["unlock", "--passphrase-file", oldPassphrase, "--timeout", "5m"])
        let held = try EncryptedStore.open(at: storePath, with: .keyFile(KeyFile.read(at: keyFile))).agentDataKey()
        let throughAgent = try XCTUnwrap(EncryptedStore.open(at: storePath, agentDataKey: held))
        XCTAssertEqual(try AgentClient(environment: home.environment).status()?.keysHeld, 1)

        try run(["rekey", "--key-file", keyFile, "--passphrase-file", oldPassphrase])
        XCTAssertEqual(try AgentClient(environment: home.environment).status()?.keysHeld ?? 0, 0,
                       "the agent forgot the old key")
        XCTAssertFalse(opens(storePath, withDataKey: held))
        // A store opened with the old key before the re-key cannot write with it afterwards.
        XCTAssertThrowsError(try throughAgent.set(StoredProfile(
            name: "planted", accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SecretBytes(utf8: Self.secret))))
        XCTAssertFalse(try EncryptedStore.profileNames(at: storePath).contains("planted"))
    }
}
