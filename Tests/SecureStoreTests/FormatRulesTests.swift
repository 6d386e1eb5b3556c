import Foundation
import XCTest
@testable import SecureStore

/// FORMAT.md leaves a third party no guesses: every reader rule has a vector in `Tests/Vectors/format-rules.json`,
/// and credstore and `Scripts/reference-decrypt.py` (written from FORMAT.md alone) both reach each vector's outcome.
final class FormatRulesTests: XCTestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let vectorsPath = packageRoot.appendingPathComponent("Tests/Vectors/format-rules.json").path

    // MARK: - The vectors file

    /// The committed vectors are exactly what `FormatVectors` forges (set CREDSTORE_WRITE_FORMAT_VECTORS=1 to rewrite
    /// the file after changing a vector on purpose).
    func testVectorsFileIsCurrent() throws {
        let document = try FormatVectors.document()
        if ProcessInfo.processInfo.environment["CREDSTORE_WRITE_FORMAT_VECTORS"] == "1" {
            try document.write(toFile: Self.vectorsPath, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: Self.vectorsPath, encoding: .utf8)
        XCTAssertTrue(committed == document, "Tests/Vectors/format-rules.json is not what FormatVectors.swift forges; "
                      + "run the test with CREDSTORE_WRITE_FORMAT_VECTORS=1 if the change is intended")
        // Parsing it gives back every vector, so a third party reads what the tests check.
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(committed.utf8)) as? [String: Any])
        XCTAssertEqual((parsed["vectors"] as? [Any])?.count, try FormatVectors.all().count)
    }

    /// credstore reaches every vector's outcome, reading every profile (a record is decrypted when first read).
    func testCredstoreFollowsEveryVector() throws {
        let directory = try TemporaryDirectory()
        for vector in try FormatVectors.all() {
            let path = directory.file(vector.name)
            try Fixtures.write(vector.store, to: path)
            let secret: UnlockSecret = vector.unlock == .keyFile
                ? .keyFile(SecretBytes(FormatVectors.keyFile))
                : .passphrase(SecretBytes(utf8: FormatVectors.passphrase))
            var reached: String
            do {
                let store = try EncryptedStore.open(at: path, with: secret)
                let profiles = try store.profileNames.map { name -> JSONValue in
                    guard let profile = try store.profile(named: name) else { return .null }  // listed, so never nil
                    return Self.json(profile)
                }
                reached = JSONValue.array(profiles).comparable
            } catch let error as SecureStoreError {
                reached = error.code.rawValue
                if vector.name.hasPrefix("unknown-slot-kind") {
                    // The message names the kind, so a store from a newer credstore is recognisable as such.
                    XCTAssertTrue(error.message.contains("key slot of kind"), "\(vector.name): \(error.message)")
                }
            }
            XCTAssertEqual(reached, Self.expected(vector.outcome), vector.name)
        }
    }

    /// The reference decryptor reaches every vector's outcome too.
    func testReferenceDecryptorFollowsEveryVector() throws {
        try ReferenceDecryptor.requirePython()
        let directory = try TemporaryDirectory()
        let keyPath = directory.file("key")
        try Fixtures.write(FormatVectors.keyFile, to: keyPath)
        let passphrasePath = directory.file("passphrase")
        try Fixtures.write(Array(FormatVectors.passphrase.utf8), to: passphrasePath)
        for vector in try FormatVectors.all() {
            let path = directory.file(vector.name)
            try Fixtures.write(vector.store, to: path)
            let secret = vector.unlock == .keyFile ? ["--key-file", keyPath] : ["--passphrase-file", passphrasePath]
            let result = try ReferenceDecryptor.run(["--store", path] + secret)
            let reached: String
            if result.status == 0 {
                reached = JSONValue(parsed: try JSONSerialization.jsonObject(with: result.stdout)).comparable
            } else if result.stderr.hasPrefix("error: corrupt") {
                reached = SecureStoreError.Code.corrupt.rawValue
            } else if result.stderr.hasPrefix("error: wrong key file") {
                reached = SecureStoreError.Code.wrongKeyFile.rawValue
            } else if result.stderr.hasPrefix("error: wrong passphrase") {
                reached = SecureStoreError.Code.wrongPassphrase.rawValue
            } else {
                reached = "status \(result.status): \(result.stderr)"
            }
            XCTAssertEqual(reached, Self.expected(vector.outcome), vector.name)
        }
    }

    // MARK: - Names: canonical equivalence, stored bytes kept

    /// `set` under a name canonically equivalent to a stored one updates that profile and keeps the stored bytes of
    /// the name and of its setting keys; a rename to an equivalent name changes nothing; a new name is kept as given.
    func testAnEquivalentNameOrSettingKeyKeepsItsStoredBytes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store")
        let store = try EncryptedStore.create(at: path, secrets: [.passphrase(Fixtures.passphrase)],
                                              policy: Fixtures.cheap)
        let nfc = "caf\u{00E9}", nfd = "cafe\u{0301}"
        let keyNFC = "r\u{00E9}gion", keyNFD = "re\u{0301}gion"
        try store.set(Fixtures.profile(nfc, settings: [keyNFC: "eu-west-1"]))
        var update = Fixtures.profile(nfd, settings: [keyNFD: "eu-west-2"])
        update.accessKeyID = "AKIAI44QH8DHBEXAMPLE"
        try store.set(update)
        try store.rename(nfc, to: nfd)

        let reopened = try EncryptedStore.open(at: path, with: .passphrase(Fixtures.passphrase), policy: Fixtures.cheap)
        XCTAssertEqual(reopened.profileNames.map { Array($0.utf8) }, [Array(nfc.utf8)])
        XCTAssertEqual(try EncryptedStore.profileNames(at: path).map { Array($0.utf8) }, [Array(nfc.utf8)])
        let stored = try XCTUnwrap(try reopened.profile(named: nfd))  // looked up by equivalence
        XCTAssertEqual(stored.accessKeyID, "AKIAI44QH8DHBEXAMPLE")
        XCTAssertEqual(stored.settings.keys.map { Array($0.utf8) }, [Array(keyNFC.utf8)])
        XCTAssertEqual(stored.settings[keyNFC], "eu-west-2")

        // A new name in NFD is stored in NFD.
        try reopened.set(Fixtures.profile("n" + nfd))
        XCTAssertEqual(try EncryptedStore.profileNames(at: path).last.map { Array($0.utf8) }, Array(("n" + nfd).utf8))
    }

    // MARK: - Secrets kept in files

    /// One trailing LF or CRLF is removed from a passphrase file, once, and the rest is the passphrase (NFC): credstore
    /// and the reference, from a file and from a descriptor, agree with the vectors' `passphrase_files`.
    func testPassphraseFileRule() throws {
        for item in FormatVectors.passphraseFiles {
            let trimmed = PassphraseFile.trimmingLineEnd(item.file)
            let normalized = try? Passphrase.normalize(trimmed)
            XCTAssertEqual(normalized.map { $0.withUnsafeBytes { Array($0) } }, item.passphrase,
                           FormatVectors.hex(item.file))
        }
        try ReferenceDecryptor.requirePython()
        let directory = try TemporaryDirectory()
        for (index, item) in FormatVectors.passphraseFiles.enumerated() {
            let file = directory.file("passphrase-\(index)")
            try Fixtures.write(item.file, to: file)
            guard let passphrase = item.passphrase else {
                let refused = try ReferenceDecryptor.run(["--store", file, "--passphrase-file", file])
                XCTAssertTrue(refused.status != 0 && refused.stderr.contains("passphrase is empty"), refused.stderr)
                continue
            }
            // A store whose only slot is the expected passphrase: a wrong trimming would not open it.
            let storePath = directory.file("store-\(index)")
            try EncryptedStore.create(at: storePath, secrets: [.passphrase(SecretBytes(passphrase))],
                                      policy: Fixtures.cheap).set(Fixtures.profile("default"))
            let byFile = try ReferenceDecryptor.run(["--store", storePath, "--passphrase-file", file,
                                                     "--minimum-log-n", "10"])
            XCTAssertEqual(byFile.status, 0, "\(FormatVectors.hex(item.file)): \(byFile.stderr)")
            let byDescriptor = try ReferenceDecryptor.run(["--store", storePath, "--passphrase-fd", "0",
                                                           "--minimum-log-n", "10"], stdin: file)
            XCTAssertEqual(byDescriptor.status, 0, "\(FormatVectors.hex(item.file)): \(byDescriptor.stderr)")
        }
    }

    /// A key file is refused when it is a symlink, open to group or others, or not 32 bytes; 0400 is fine. credstore
    /// and the reference agree.
    func testKeyFileRule() throws {
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        let keyPath = directory.file("key")
        try Fixtures.write(FormatVectors.keyFile, to: keyPath)
        try EncryptedStore.create(at: storePath, secrets: [.keyFile(SecretBytes(FormatVectors.keyFile))],
                                  policy: Fixtures.cheap).set(Fixtures.profile("default"))
        let link = directory.file("link")
        XCTAssertEqual(symlink(keyPath, link), 0)
        let groupReadable = directory.file("group-readable")
        try Fixtures.write(FormatVectors.keyFile, to: groupReadable)
        chmod(groupReadable, 0o640)
        let readOnly = directory.file("read-only")
        try Fixtures.write(FormatVectors.keyFile, to: readOnly)
        chmod(readOnly, 0o400)
        let short = directory.file("short")
        try Fixtures.write(Array(FormatVectors.keyFile.prefix(31)), to: short)

        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: link) }, .unsafePermissions)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: groupReadable) }, .unsafePermissions)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: short) }, .invalidArgument)
        XCTAssertEqual(try KeyFile.read(at: readOnly), SecretBytes(FormatVectors.keyFile))

        try ReferenceDecryptor.requirePython()
        for (path, refusal) in [(link, "symbolic link"), (groupReadable, "group or others"), (short, "32 bytes")] {
            let result = try ReferenceDecryptor.run(["--store", storePath, "--key-file", path])
            XCTAssertTrue(result.status != 0 && result.stderr.contains(refusal), "\(path): \(result.stderr)")
        }
        let accepted = try ReferenceDecryptor.run(["--store", storePath, "--key-file", readOnly])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
    }

    // MARK: - Helpers

    private static func expected(_ outcome: FormatVectors.Outcome) -> String {
        switch outcome {
        case let .profiles(profiles): return JSONValue.array(profiles).comparable
        case let .error(code): return code.rawValue
        }
    }

    /// A stored profile in the shape the reference prints.
    private static func json(_ profile: StoredProfile) -> JSONValue {
        FormatVectors.profile(profile.name, accessKeyID: profile.accessKeyID,
                              secret: profile.secretAccessKey.withUnsafeBytes { Array($0) },
                              token: profile.sessionToken.map { $0.withUnsafeBytes { Array($0) } },
                              expiration: profile.expiration.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) },
                              settings: profile.settings.map { ($0.key, $0.value) })
    }
}

/// Runs `Scripts/reference-decrypt.py`.
enum ReferenceDecryptor {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/reference-decrypt.py").path

    /// Skips (fails on CI) without python3 and `cryptography`.
    static func requirePython() throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import cryptography.hazmat.primitives.ciphers.aead"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            throw MissingPeer.error("the reference-decryptor tests", needs: "python3 with cryptography (not found)",
                                    remedy: "run Scripts/bootstrap --test (it installs python3 and cryptography)")
        }
    }

    /// The exit status, stdout and stderr of one run; `stdin` is a file to read standard input from.
    static func run(
        _ arguments: [String], stdin: String? = nil
    ) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = directoryFile("out"), errors = directoryFile("err")
        defer {
            _ = try? FileManager.default.removeItem(atPath: output)
            _ = try? FileManager.default.removeItem(atPath: errors)
        }
        guard FileManager.default.createFile(atPath: output, contents: nil),
              FileManager.default.createFile(atPath: errors, contents: nil)
        else { throw CocoaError(.fileWriteUnknown) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardOutput = out
        process.standardError = err
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin)) }
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return (process.terminationStatus, try Data(contentsOf: URL(fileURLWithPath: output)),
                String(decoding: try Data(contentsOf: URL(fileURLWithPath: errors)), as: UTF8.self))
    }

    private static func directoryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "reference-decrypt-\(name)-" + UUID().uuidString
    }
}
