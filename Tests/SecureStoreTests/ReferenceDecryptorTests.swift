import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// Scripts/reference-decrypt.py, written from FORMAT.md alone with Python's `cryptography`, must decrypt what the
/// Swift code writes: that is what proves FORMAT.md complete and in step with the code.
final class ReferenceDecryptorTests: XCTestCase {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The decryptor needs python3 with `cryptography`: without them the tests skip (fail on CI) and say so.
    override func setUpWithError() throws {
        try ReferenceDecryptor.requirePython()
    }

    private func runDecryptor(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        try ReferenceDecryptor.run(arguments)
    }

    /// The decryptor's JSON, compared field by field with what Swift stored.
    private func assertMatches(_ output: Data, _ profiles: [StoredProfile], file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let decoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        XCTAssertEqual(decoded.count, profiles.count, file: file, line: line)
        for (json, profile) in zip(decoded, profiles) {
            XCTAssertEqual(json["name"] as? String, profile.name, file: file, line: line)
            XCTAssertEqual(json["access_key_id"] as? String, profile.accessKeyID, file: file, line: line)
            XCTAssertTrue(json["secret_access_key"] as? String == profile.secretAccessKey.unsafeUTF8String(),
                          "secret of \(profile.name) differs", file: file, line: line)
            XCTAssertTrue(json["session_token"] as? String == profile.sessionToken?.unsafeUTF8String(),
                          "token of \(profile.name) differs", file: file, line: line)
            XCTAssertEqual((json["expiration_ms"] as? NSNumber)?.int64Value,
                           profile.expiration.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) },
                           file: file, line: line)
            XCTAssertEqual(json["settings"] as? [String: String], profile.settings, file: file, line: line)
        }
    }

    func testDecryptsStoresWithSeveralSlotsAndManyProfiles() throws {
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        let keyPath = directory.file("store.key")
        let key = try KeyFile.generate(at: keyPath)
        let first = SecretBytes(utf8: "first passphrase")
        let second = SecretBytes(utf8: "zweite Passphrase mit Umlaut \u{00E4}")
        let store = try EncryptedStore.create(at: storePath, secrets: [.passphrase(first), .keyFile(key)],
                                              policy: Fixtures.cheap)
        try store.addSlot(.passphrase(second))
        var profiles: [StoredProfile] = []
        for index in 0..<60 {
            let settings: [String: String] = index % 3 == 0 ? [:] : ["region": "eu-west-\(index % 3)",
                                                                   "role_arn": "arn:aws:iam::1:role/r\(index)"]
            var profile = Fixtures.profile(index == 0 ? "AWS PS Default" : "profile-\(index)/ü", settings: settings)
            if index % 4 == 1 {
                profile.sessionToken = SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLETOKEN\(index)")
                profile.expiration = Date(timeIntervalSince1970: 1_800_000_000 + Double(index) + 0.25)
            }
            try store.set(profile)
            profiles.append(profile)
        }
        try store.remove(named: "profile-5/ü")
        profiles.removeAll { $0.name == "profile-5/ü" }
        try store.rename("profile-7/ü", to: "renamed")
        profiles[profiles.firstIndex { $0.name == "profile-7/ü" }!].name = "renamed"

        let byKeyFile = try runDecryptor(["--store", storePath, "--key-file", keyPath, "--minimum-log-n", "10"])
        XCTAssertEqual(byKeyFile.status, 0, byKeyFile.stderr)
        try assertMatches(byKeyFile.stdout, profiles)

        for passphrase in ["first passphrase\n", "zweite Passphrase mit Umlaut a\u{0308}"] {  // NFD must work too
            let passphraseFile = directory.file("passphrase")
            try Fixtures.write(Array(passphrase.utf8), to: passphraseFile)  // 0600: the reference checks the mode
            let result = try runDecryptor(["--store", storePath, "--passphrase-file", passphraseFile,
                                           "--minimum-log-n", "10"])
            XCTAssertEqual(result.status, 0, result.stderr)
            try assertMatches(result.stdout, profiles)
        }

        // The reference rejects what the Swift code rejects.
        var bytes = try Fixtures.bytes(storePath)
        bytes[bytes.count / 2] ^= 1
        try Fixtures.write(bytes, to: storePath)
        let tampered = try runDecryptor(["--store", storePath, "--key-file", keyPath, "--minimum-log-n", "10"])
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.stderr.contains("corrupt"), tampered.stderr)
    }

    func testDecryptsAStandardCostStoreAndRotatedKeys() throws {
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        let keyPath = directory.file("store.key")
        let key = try KeyFile.generate(at: keyPath)
        // One real-cost (2^17) slot, so the reference is checked against the default parameters too.
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)])
        try store.set(Fixtures.profile("default", settings: ["region": "us-east-1"]))
        try store.rotateDataKey()
        let passphraseFile = directory.file("passphrase")
        try Fixtures.write(Array("standard cost".utf8), to: passphraseFile)  // 0600: the reference checks the mode
        try store.addSlot(.passphrase(SecretBytes(utf8: "standard cost")))
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).last?.scryptLogN, 17)
        let result = try runDecryptor(["--store", storePath, "--passphrase-file", passphraseFile])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertMatches(result.stdout, [Fixtures.profile("default", settings: ["region": "us-east-1"])])
    }

    /// Machine-bound key-file slots (kind 3): the reference derives the same KEK from the key file, the machine id file
    /// and the uid as FORMAT.md says, and fails exactly where the Swift code does.
    func testDecryptsMachineBoundKeyFileSlots() throws {
        let directory = try TemporaryDirectory()
        let machineID = directory.file("machine-id")
        // Trailing spaces and several line feeds: FORMAT.md says all of them are removed.
        try Data("0123456789abcdef0123456789abcdef  \n\n".utf8).write(to: URL(fileURLWithPath: machineID))
        let otherMachine = directory.file("other-machine-id")
        try Data("fedcba9876543210fedcba9876543210\n".utf8).write(to: URL(fileURLWithPath: otherMachine))
        let here = KeySlotEnvironment(policy: Fixtures.cheap, machine: MachineBinding(machineIDPath: machineID,
                                                                                      userID: 4242))

        // Slots: bound, unbound, bound, so a bound slot after a kind 2 slot is reached too.
        let storePath = directory.file("store")
        let boundPath = directory.file("bound.key"), unboundPath = directory.file("unbound.key")
        let laterBoundPath = directory.file("later-bound.key")
        let bound = try KeyFile.generate(at: boundPath)
        let unbound = try KeyFile.generate(at: unboundPath)
        let laterBound = try KeyFile.generate(at: laterBoundPath)
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(bound)], environment: here,
                                              bindingKeyFilesToMachine: true)
        try store.addSlot(.keyFile(unbound))
        try store.addSlot(.keyFile(laterBound), bindingToMachine: true)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.isBoundToMachine), [true, false, true])
        var token = Fixtures.profile("nightly", settings: ["region": "eu-central-1"])
        token.sessionToken = SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLETOKEN")
        token.expiration = Date(timeIntervalSince1970: 1_800_000_000.5)
        let profiles = [Fixtures.profile("default", settings: ["region": "us-east-1"]), token]
        for profile in profiles { try store.set(profile) }
        XCTAssertEqual(try EncryptedStore.open(at: storePath, with: .keyFile(bound), environment: here)
            .profileNames.sorted(), ["default", "nightly"])

        for keyPath in [boundPath, laterBoundPath, unboundPath] {
            let result = try runDecryptor(["--store", storePath, "--key-file", keyPath, "--machine-id-file", machineID,
                                           "--uid", "4242"])
            XCTAssertEqual(result.status, 0, "\(keyPath): \(result.stderr)")
            try assertMatches(result.stdout, profiles)
        }

        // Another user, another machine, no machine id: the bound slots do not open, in Swift or in the reference.
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: storePath, with: .keyFile(bound),
                                                                   environment: self.cheap(machineID, 4243)) },
                       .wrongKeyFile)
        let otherUser = try runDecryptor(["--store", storePath, "--key-file", boundPath, "--machine-id-file", machineID,
                                          "--uid", "4243"])
        XCTAssertEqual(otherUser.status, 1)
        XCTAssertTrue(otherUser.stderr.contains("wrong key file"), otherUser.stderr)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: storePath, with: .keyFile(bound),
                                                                   environment: self.cheap(otherMachine, 4242)) },
                       .wrongKeyFile)
        let otherHost = try runDecryptor(["--store", storePath, "--key-file", boundPath, "--machine-id-file",
                                          otherMachine, "--uid", "4242"])
        XCTAssertEqual(otherHost.status, 1)
        XCTAssertTrue(otherHost.stderr.contains("wrong key file"), otherHost.stderr)
        let missing = directory.file("missing-machine-id")
        let noMachine = cheap(missing, 4242)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: storePath, with: .keyFile(bound),
                                                                   environment: noMachine) },
                       .wrongKeyFile)
        XCTAssertNoThrow(try EncryptedStore.open(at: storePath, with: .keyFile(unbound), environment: noMachine))
        let noMachineID = try runDecryptor(["--store", storePath, "--key-file", boundPath, "--machine-id-file", missing,
                                            "--uid", "4242"])
        XCTAssertEqual(noMachineID.status, 1)
        XCTAssertTrue(noMachineID.stderr.contains("wrong key file") && noMachineID.stderr.contains(missing),
                      noMachineID.stderr)
        let unboundStillOpens = try runDecryptor(["--store", storePath, "--key-file", unboundPath,
                                                  "--machine-id-file", missing, "--uid", "4242"])
        XCTAssertEqual(unboundStillOpens.status, 0, unboundStillOpens.stderr)
        try assertMatches(unboundStillOpens.stdout, profiles)

        // Without --uid the reference uses its effective uid, which is this process's: the Swift default.
        let ownPath = directory.file("own-store")
        let own = try EncryptedStore.create(at: ownPath, secrets: [.keyFile(bound)],
                                            environment: cheap(machineID, MachineBinding.thisMachine.userID),
                                            bindingKeyFilesToMachine: true)
        try own.set(profiles[0])
        let byDefault = try runDecryptor(["--store", ownPath, "--key-file", boundPath, "--machine-id-file", machineID])
        XCTAssertEqual(byDefault.status, 0, byDefault.stderr)
        try assertMatches(byDefault.stdout, [profiles[0]])
    }

    /// Cheap scrypt costs, and the machine id file `machineID` and uid `userID` as the machine and user.
    private func cheap(_ machineID: String, _ userID: UInt32) -> KeySlotEnvironment {
        KeySlotEnvironment(policy: Fixtures.cheap, machine: MachineBinding(machineIDPath: machineID, userID: userID))
    }

    /// FORMAT.md's worked example is a real store: the Swift code and the reference both open it as documented.
    func testFormatDocumentWorkedExampleOpens() throws {
        let document = try String(contentsOf: packageRoot.appendingPathComponent("FORMAT.md"), encoding: .utf8)
        let begin = try XCTUnwrap(document.range(of: "<!-- worked-example-store: begin -->"))
        let end = try XCTUnwrap(document.range(of: "<!-- worked-example-store: end -->"))
        let hex = document[begin.upperBound..<end.lowerBound].filter { $0.isHexDigit }
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        try Fixtures.write(Fixtures.hex(String(hex)), to: storePath)
        let key = SecretBytes(Array(0..<32) as [UInt8])
        let store = try EncryptedStore.open(at: storePath, with: .keyFile(key))
        XCTAssertEqual(store.profileNames, ["default"])
        XCTAssertEqual(try store.profile(named: "default"),
                       Fixtures.profile("default", settings: ["region": "us-east-1"]))
        let keyPath = directory.file("key")
        try Fixtures.write(Array(0..<32), to: keyPath)
        let reference = try runDecryptor(["--store", storePath, "--key-file", keyPath])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        try assertMatches(reference.stdout, [Fixtures.profile("default", settings: ["region": "us-east-1"])])
    }
}
