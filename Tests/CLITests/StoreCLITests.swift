import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `credstore init`, `passwd` and `keyslot`, run without a controlling terminal (`setsid`) so a
/// prompt can never hang a test. Real scrypt (2^17, ~0.5 s) runs only where a passphrase is involved.
final class StoreCLITests: XCTestCase {
    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }

    override func setUpWithError() throws {
        home = try TemporaryHome()
    }

    override func tearDown() {
        home = nil
    }

    @discardableResult
    private func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let setsid = URL(fileURLWithPath: "/usr/bin/setsid")
        let result = try CLI.runProcess(setsid, ["-w", CLI.executable.path] + arguments,
                                        environment: home.environment.merging(extra) { $1 },
                                        stdin: stdin.map { Data($0.utf8) })
        for secret in ["first passphrase", "second passphrase"] {
            XCTAssertFalse(result.stdout.contains(secret) || result.stderr.contains(secret), "secret in output",
                           file: file, line: line)
        }
        return result
    }

    private func writePrivate(_ contents: String, _ name: String) throws -> String {
        let path = try home.write(contents, to: name)
        chmod(path, 0o600)
        return path
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0, path)
        return info.st_mode & 0o777
    }

    private func slotKinds() throws -> [String] {
        let result = try run(["keyslot", "list", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let slots = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return slots.compactMap { $0["Kind"] as? String }
    }

    /// A missing store is its own error code; the advice to create one is the CLI's (the library names no command).
    func testAMissingStoreSaysHowToCreateOne() throws {
        let result = try run(["keyslot", "list", "--store", home.path + "/no-store-here"])
        XCTAssertEqual(result.status, 66, result.stderr)
        XCTAssertTrue(result.stderr.contains("error: there is no store at"), result.stderr)
        XCTAssertTrue(result.stderr.contains("hint: create one with 'credstore init'"), result.stderr)
    }

    func testKeyFileOnlyInitAndKeySlotLifecycle() throws {
        let key = home.path + "/keys/store.key"
        let created = try run(["init", "--key-file", key, "--no-passphrase"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(mode(key), 0o600)
        XCTAssertEqual(mode(storePath), 0o600)
        XCTAssertEqual(mode(home.path + "/.local/share/credstore"), 0o700)
        XCTAssertEqual(try slotKinds(), ["key-file"])

        let again = try run(["init", "--key-file", key, "--no-passphrase"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)

        let second = home.path + "/keys/second.key"
        let added = try run(["keyslot", "add", "--key-file", key, "--new-key-file", second])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(mode(second), 0o600)
        XCTAssertEqual(try slotKinds(), ["key-file", "key-file"])

        let removed = try run(["keyslot", "remove", "0", "--key-file", second])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let oldKey = try run(["keyslot", "add", "--key-file", key, "--new-key-file", home.path + "/keys/third.key"])
        XCTAssertEqual(oldKey.status, 80, oldKey.stderr)
        XCTAssertTrue(oldKey.stderr.contains("key file does not open"), oldKey.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/keys/third.key"))
        let last = try run(["keyslot", "remove", "0", "--key-file", second])
        XCTAssertEqual(last.status, 65, last.stderr)
        XCTAssertTrue(last.stderr.contains("last key slot"), last.stderr)
        XCTAssertEqual(try slotKinds(), ["key-file"])

        let usage = try run(["init", "--no-passphrase", "--store", home.path + "/other"])
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }

    /// `keyslot list` shows what each slot kind describes of itself (`KeySlotKind.describe`), in the table and in
    /// JSON, exactly as before the kinds became plug-ins.
    func testKeySlotListShowsEachKindsParameters() throws {
        let passphrase = try writePrivate("list passphrase\n", "p")
        let created = try run(["init", "--key-file", home.path + "/k1", "--passphrase-file", passphrase])
        XCTAssertEqual(created.status, 0, created.stderr)
        let bound = try run(["keyslot", "add", "--key-file", home.path + "/k1", "--new-key-file", home.path + "/k2",
                             "--bind-to-machine"])
        XCTAssertEqual(bound.status, 0, bound.stderr)

        let table = try run(["keyslot", "list"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertEqual(table.stdout, """
            SLOT  KIND        KDF
            0     passphrase  scrypt N=2^17 r=8 p=1
            1     key-file    HKDF-SHA256
            2     key-file    HKDF-SHA256, bound to this machine and user

            """)
        let json = try run(["keyslot", "list", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let slots = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [NSDictionary])
        XCTAssertEqual(slots, [
            ["Index": 0, "Kind": "passphrase", "Kdf": "scrypt", "LogN": 17, "R": 8, "P": 1],
            ["Index": 1, "Kind": "key-file", "Kdf": "hkdf-sha256", "BoundToMachine": false],
            ["Index": 2, "Kind": "key-file", "Kdf": "hkdf-sha256", "BoundToMachine": true],
        ] as [NSDictionary])
    }

    func testPassphraseInitPasswdAndSlotsStillWork() throws {
        let key = home.path + "/store.key"
        let first = try writePrivate("first passphrase\n", "p1")
        let second = try writePrivate("second passphrase\n", "p2")
        let created = try run(["init", "--key-file", key, "--passphrase-file", first])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(try slotKinds(), ["passphrase", "key-file"])

        // The current passphrase on a descriptor, the new one from a file.
        let changed = try run(["passwd", "--passphrase-fd", "0", "--new-passphrase-file", second],
                              stdin: "first passphrase\n")
        XCTAssertEqual(changed.status, 0, changed.stderr)
        let stale = try run(["passwd", "--passphrase-file", first, "--new-passphrase-file", second])
        XCTAssertEqual(stale.status, 80, stale.stderr)
        XCTAssertTrue(stale.stderr.contains("passphrase does not open"), stale.stderr)

        // The key-file slot still opens the store after passwd, and so does the new passphrase.
        let viaKey = try run(["keyslot", "add", "--key-file", key, "--new-key-file", home.path + "/k2"])
        XCTAssertEqual(viaKey.status, 0, viaKey.stderr)
        let viaNew = try run(["keyslot", "remove", "2", "--passphrase-file", second])
        XCTAssertEqual(viaNew.status, 0, viaNew.stderr)
        XCTAssertEqual(try slotKinds(), ["passphrase", "key-file"])
    }

    func testNoSecretSourceFailsAtOnceNamingTheOptions() throws {
        let start = Date()
        let noInit = try run(["init"])
        XCTAssertEqual(noInit.status, 83, noInit.stderr)
        XCTAssertTrue(noInit.stderr.contains("--passphrase-file"), noInit.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath))

        let key = home.path + "/store.key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        let noSecret = try run(["keyslot", "add", "--new-key-file", home.path + "/k2"])
        XCTAssertEqual(noSecret.status, 83, noSecret.stderr)
        XCTAssertTrue(noSecret.stderr.contains("--key-file"), noSecret.stderr)
        XCTAssertTrue(noSecret.stderr.contains("--passphrase-fd"), noSecret.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "must not wait for input")
    }

    func testEnvironmentAndSystemdCredentialKeyFiles() throws {
        let key = home.path + "/store.key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        let viaEnvironment = try run(["keyslot", "add", "--new-key-file", home.path + "/k2"],
                                     environment: ["CREDSTORE_KEY_FILE": key])
        XCTAssertEqual(viaEnvironment.status, 0, viaEnvironment.stderr)
        let credentials = home.path + "/run/credentials/credstore.service"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: key, toPath: credentials + "/credstore.key")
        let viaSystemd = try run(["keyslot", "remove", "1"], environment: ["CREDENTIALS_DIRECTORY": credentials])
        XCTAssertEqual(viaSystemd.status, 0, viaSystemd.stderr)
        XCTAssertEqual(try slotKinds(), ["key-file"])
    }

    func testStoreErrorsMapToTheirExitCodes() throws {
        let missing = try run(["keyslot", "list"])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("credstore init"), missing.stderr)

        let key = home.path + "/store.key"
        XCTAssertEqual(try run(["init", "--key-file", key, "--no-passphrase"]).status, 0)
        chmod(storePath, 0o644)
        let unsafe = try run(["keyslot", "list"])
        XCTAssertEqual(unsafe.status, 77, unsafe.stderr)
        XCTAssertTrue(unsafe.stderr.contains("chmod 600 \(storePath)"), unsafe.stderr)
        XCTAssertEqual(mode(storePath), 0o644, "never auto-chmod")
        chmod(storePath, 0o600)

        let wrongKey = try writePrivate(String(repeating: "x", count: 32), "wrong.key")
        let wrong = try run(["keyslot", "remove", "0", "--key-file", wrongKey])
        XCTAssertEqual(wrong.status, 80, wrong.stderr)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: storePath))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: storePath))
        let corrupt = try run(["keyslot", "list"])
        XCTAssertEqual(corrupt.status, 81, corrupt.stderr)
        XCTAssertTrue(corrupt.stderr.contains("corrupt"), corrupt.stderr)
    }
}
