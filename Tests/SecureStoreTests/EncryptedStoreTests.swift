import Foundation
import TestSupport
import XCTest
@testable import SecureStore

final class EncryptedStoreTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String { directory.file("data/credstore/store") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    private func makeStore(_ secrets: [UnlockSecret]? = nil) throws -> (EncryptedStore, SecretBytes) {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: secrets ?? [.keyFile(key)],
                                              policy: Fixtures.cheap, lockTimeout: 0.3)
        return (store, key)
    }

    private func open(_ secret: UnlockSecret) throws -> EncryptedStore {
        try EncryptedStore.open(at: storePath, with: secret, policy: Fixtures.cheap)
    }

    // MARK: - Round trips and operations

    func testProfilesRoundTripWithEveryField() throws {
        let (store, key) = try makeStore()
        let expiry = Date(timeIntervalSince1970: 1_767_225_600.123)
        let full = StoredProfile(
            name: "AWS PS Default", accessKeyID: "ASIAIOSFODNN7EXAMPLE",
            secretAccessKey: SecretBytes(utf8: Fixtures.secretAccessKey),
            sessionToken: SecretBytes(utf8: "IQoJb3JpZ2luX2VjEXAMPLETOKEN"), expiration: expiry,
            settings: ["region": "eu-west-1", "role_arn": "arn:aws:iam::123456789012:role/Example",
                       "source_profile": "base", "mfa_serial": "arn:aws:iam::123456789012:mfa/user",
                       "external_id": "ext", "credential_process": "credstore export --profile x", "custom": "ü ✓"])
        try store.set(Fixtures.profile("default"))
        try store.set(full)
        try store.set(Fixtures.profile("prod/äöü@team:1"))
        let reopened = try open(.keyFile(key))
        XCTAssertEqual(reopened.profileNames, ["default", "AWS PS Default", "prod/äöü@team:1"])
        XCTAssertEqual(try EncryptedStore.profileNames(at: storePath), reopened.profileNames)
        XCTAssertEqual(try reopened.profile(named: "AWS PS Default"), full)
        XCTAssertEqual(try reopened.profile(named: "default"), Fixtures.profile("default"))
        XCTAssertNil(try reopened.profile(named: "Default"))
        XCTAssertEqual(try reopened.profile(named: "AWS PS Default")?.expiration?.timeIntervalSince1970 ?? 0,
                       1_767_225_600.123, accuracy: 0.0005)
        // Names are in clear, secrets are not.
        let raw = try Fixtures.bytes(storePath)
        XCTAssertNotNil(String(decoding: raw, as: UTF8.self).range(of: "AWS PS Default"))
        for secret in [Fixtures.secretAccessKey, Fixtures.accessKeyID, "eu-west-1", "IQoJb3JpZ2lu"] {
            XCTAssertNil(String(decoding: raw, as: UTF8.self).range(of: secret), "plaintext in the file")
        }
    }

    func testReplaceRemoveRenameKeepOrderAndReportMissing() throws {
        let (store, key) = try makeStore()
        for name in ["a", "b", "c"] { try store.set(Fixtures.profile(name)) }
        var replaced = Fixtures.profile("b", settings: ["region": "us-east-2"])
        replaced.accessKeyID = "AKIAI44QH8DHBEXAMPLE"
        try store.set(replaced)
        try store.rename("a", to: "z")
        try store.remove(named: "c")
        XCTAssertEqual(Fixtures.code { try store.remove(named: "c") }, .profileNotFound)
        XCTAssertEqual(Fixtures.code { try store.rename("nope", to: "x") }, .profileNotFound)
        XCTAssertEqual(Fixtures.code { try store.rename("z", to: "b") }, .alreadyExists)
        XCTAssertEqual(Fixtures.code { try store.set(Fixtures.profile("bad\nname")) }, .invalidArgument)
        let reopened = try open(.keyFile(key))
        XCTAssertEqual(reopened.profileNames, ["z", "b"])
        XCTAssertEqual(try reopened.profile(named: "b"), replaced)
        XCTAssertEqual(try reopened.profile(named: "z")?.name, "z")
    }

    func testAnOversizedProfileIsRefusedNamingTheStore() throws {
        let (store, _) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let original = try Fixtures.bytes(storePath)
        let huge = Fixtures.profile("huge", settings: ["note": String(repeating: "x", count: 1 << 20)])
        XCTAssertThrowsError(try store.set(huge)) { error in
            let error = error as? SecureStoreError
            XCTAssertEqual(error?.code, .invalidArgument)
            XCTAssertEqual(error?.path, storePath)
            XCTAssertTrue(error?.message.contains(storePath) ?? false, "\(String(describing: error))")
        }
        XCTAssertEqual(try Fixtures.bytes(storePath), original)
        XCTAssertEqual(store.profileNames, ["default"])
    }

    func testEmptyAndOverlongSettingNamesAreRefused() throws {
        let (store, _) = try makeStore()
        for name in ["", String(repeating: "n", count: 65_534)] {
            XCTAssertThrowsError(try store.set(Fixtures.profile("default", settings: [name: "value"]))) { error in
                let error = error as? SecureStoreError
                XCTAssertEqual(error?.code, .invalidArgument)
                XCTAssertTrue(error?.message.contains("empty or longer than 65533 bytes") ?? false,
                              "\(String(describing: error))")
            }
        }
        let longest = String(repeating: "n", count: 65_533)
        XCTAssertNoThrow(try store.set(Fixtures.profile("default", settings: [longest: "v"])))
        XCTAssertEqual(store.profileNames, ["default"])
    }

    func testConcurrentWritersNeverLoseAnUpdate() throws {
        let (store, key) = try makeStore()
        let stale = try open(.keyFile(key))
        try store.set(Fixtures.profile("first"))
        try stale.set(Fixtures.profile("second"))  // opened before "first" existed; must not drop it
        XCTAssertEqual(try open(.keyFile(key)).profileNames, ["first", "second"])
        store.lockTimeout = 30
        stale.lockTimeout = 30
        let group = DispatchGroup()
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var errors: [String] = []
            func add(_ text: String) { lock.lock(); errors.append(text); lock.unlock() }
        }
        let failures = Failures()
        for (writer, prefix) in [(store, "x"), (stale, "y")] {
            nonisolated(unsafe) let writer = writer
            group.enter()
            DispatchQueue.global().async {
                for index in 0..<15 {
                    do { try writer.set(Fixtures.profile("\(prefix)\(index)")) } catch { failures.add("\(error)") }
                }
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(failures.errors, [])
        XCTAssertEqual(Set(try open(.keyFile(key)).profileNames).count, 32)
    }

    func testUpdateChangesTheProfileAsReReadUnderTheLock() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("rotating"))
        let stale = try open(.keyFile(key))
        _ = try stale.profile(named: "rotating")  // read before the other writer's change
        var changed = try XCTUnwrap(try store.profile(named: "rotating"))
        changed.settings["region"] = "eu-west-1"
        try store.set(changed)
        try stale.update(named: "rotating") { current in
            var profile = try XCTUnwrap(current)
            profile.settings["credstore_rotation_phase"] = "creating"
            return profile
        }
        let settings = try XCTUnwrap(try open(.keyFile(key)).profile(named: "rotating")).settings
        XCTAssertEqual(settings["region"], "eu-west-1", "a setting written in between is kept")
        XCTAssertEqual(settings["credstore_rotation_phase"], "creating")
        struct Refused: Error {}
        XCTAssertThrowsError(try stale.update(named: "rotating") { _ in throw Refused() })
        XCTAssertEqual(try open(.keyFile(key)).profile(named: "rotating")?.settings, settings)
    }

    func testNFCPassphraseAndEmptyRefused() throws {
        let composed = SecretBytes(utf8: "caf\u{00E9} passphrase")
        let decomposed = SecretBytes(utf8: "cafe\u{0301} passphrase")
        XCTAssertNotEqual(composed, decomposed)
        let (store, _) = try makeStore([.passphrase(composed)])
        try store.set(Fixtures.profile("p"))
        XCTAssertEqual(try open(.passphrase(decomposed)).profileNames, ["p"])
        XCTAssertEqual(Fixtures.code { try store.addSlot(.passphrase(SecretBytes(zeroedCount: 0))) }, .invalidArgument)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.create(at: self.directory.file("other"), secrets: [.passphrase(SecretBytes([]))],
                                          policy: Fixtures.cheap)
        }, .invalidArgument)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.create(at: self.storePath, secrets: [.passphrase(composed)], policy: Fixtures.cheap)
        }, .alreadyExists)
    }

    // MARK: - Wrong secrets, passwd, slots, rotation

    func testWrongPassphraseAndWrongKeyFileHaveTheirOwnErrors() throws {
        let (_, key) = try makeStore([.passphrase(Fixtures.passphrase)])
        XCTAssertEqual(Fixtures.code { _ = try self.open(.passphrase(SecretBytes(utf8: "wrong"))) }, .wrongPassphrase)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .wrongKeyFile)
        let other = try makeStoreAt(directory.file("second/store"), key: key)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.open(at: other, with: .keyFile(try Random.secret(32)), policy: Fixtures.cheap)
        }, .wrongKeyFile)
        XCTAssertNoThrow(try EncryptedStore.open(at: other, with: .keyFile(key), policy: Fixtures.cheap))
        do {
            _ = try open(.passphrase(SecretBytes(utf8: "wrong")))
        } catch let error as SecureStoreError {
            XCTAssertTrue(error.description.contains(storePath), error.description)
            XCTAssertFalse(error.description.contains("wrong"), "the secret must not appear in the message")
        }
    }

    private func makeStoreAt(_ path: String, key: SecretBytes) throws -> String {
        _ = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        return path
    }

    func testPasswdRewrapsOneSlotOnly() throws {
        let key = try KeyFile.generate(at: directory.file("k"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.passphrase(Fixtures.passphrase), .keyFile(key)],
                                              policy: Fixtures.cheap)
        try store.set(Fixtures.profile("default"))
        let before = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        let newPassphrase = SecretBytes(utf8: "a new passphrase")
        XCTAssertEqual(Fixtures.code { try store.changePassphrase(from: SecretBytes(utf8: "nope"), to: newPassphrase) },
                       .wrongPassphrase)
        try store.changePassphrase(from: Fixtures.passphrase, to: newPassphrase)
        let after = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        XCTAssertEqual(after.records, before.records, "records are not re-encrypted")
        XCTAssertEqual(after.saveSalt, before.saveSalt)
        XCTAssertEqual(after.slots[1], before.slots[1], "the key-file slot is untouched")
        XCTAssertNotEqual(after.slots[0], before.slots[0])
        XCTAssertEqual(Fixtures.code { _ = try self.open(.passphrase(Fixtures.passphrase)) }, .wrongPassphrase)
        XCTAssertEqual(try open(.keyFile(key)).profile(named: "default"), Fixtures.profile("default"))
        XCTAssertEqual(try open(.passphrase(newPassphrase)).profileNames, ["default"])
    }

    func testSlotsAddRemoveListAndLimits() throws {
        let (store, key) = try makeStore()
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile])
        XCTAssertEqual(Fixtures.code { try store.removeSlot(at: 0) }, .invalidArgument, "the last slot stays")
        try store.addSlot(.passphrase(Fixtures.passphrase))
        let slots = try EncryptedStore.slots(at: storePath)
        XCTAssertEqual(slots.map(\.kind), [.keyFile, .passphrase])
        XCTAssertEqual(slots[1].scryptLogN, 10)
        XCTAssertEqual(slots[1].scryptR, 8)
        XCTAssertEqual(slots[1].scryptP, 1)
        XCTAssertNil(slots[0].scryptLogN)
        XCTAssertEqual(try open(.passphrase(Fixtures.passphrase)).profileNames, [])
        for _ in 0..<6 { try store.addSlot(.keyFile(try Random.secret(32))) }
        XCTAssertEqual(Fixtures.code { try store.addSlot(.keyFile(try Random.secret(32))) }, .invalidArgument)
        XCTAssertEqual(Fixtures.code { try store.removeSlot(at: 8) }, .invalidArgument)
        try store.removeSlot(at: 0)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .wrongKeyFile)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 7)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.index), Array(0..<7))
    }

    func testRotateDataKeyNeedsEverySlotsSecret() throws {
        let key = try KeyFile.generate(at: directory.file("k"))
        _ = try EncryptedStore.create(at: storePath, secrets: [.passphrase(Fixtures.passphrase), .keyFile(key)],
                                      policy: Fixtures.cheap)
        let store = try open(.keyFile(key))
        try store.set(Fixtures.profile("default"))
        let oldKey = store.agentDataKey()
        let untouched = try Fixtures.bytes(storePath)
        XCTAssertEqual(Fixtures.code { try store.rotateDataKey() }, .invalidArgument)
        XCTAssertEqual(try Fixtures.bytes(storePath), untouched, "a refused rotation changes nothing")
        try store.rotateDataKey(otherSecrets: [.passphrase(Fixtures.passphrase)])
        XCTAssertNotEqual(store.agentDataKey(), oldKey)
        XCTAssertEqual(try open(.passphrase(Fixtures.passphrase)).profile(named: "default"),
                       Fixtures.profile("default"))
        XCTAssertEqual(try open(.keyFile(key)).profileNames, ["default"])
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: self.storePath, agentDataKey: oldKey) },
                       .wrongKeyFile)
        XCTAssertEqual(try EncryptedStore.open(at: storePath, agentDataKey: store.agentDataKey()).profileNames,
                       ["default"])
        try store.set(Fixtures.profile("after"))  // the store keeps working after its own rotation
        XCTAssertEqual(try open(.keyFile(key)).profileNames, ["default", "after"])
    }

    // MARK: - Tampering and corruption

    func testFlippingAnyByteIsReportedAsCorruptAndChangesNothing() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let original = try Fixtures.bytes(storePath)
        XCTAssertLessThan(original.count, 1024)
        for offset in original.indices {
            var damaged = original
            damaged[offset] ^= 0x01
            try Fixtures.write(damaged, to: storePath)
            var opened: EncryptedStore?
            let code = Fixtures.code { opened = try self.open(.keyFile(key)) }
            XCTAssertEqual(code, .corrupt, "byte \(offset)")
            XCTAssertNil(try opened?.profile(named: "default"), "byte \(offset)")
            XCTAssertEqual(try Fixtures.bytes(storePath), damaged, "byte \(offset): open must not write")
        }
    }

    /// Records are decrypted only when read, so the file authenticator (which covers every sealed byte) is what
    /// refuses a record nobody reads: open fails before any profile is asked for.
    func testAFlipInARecordThatIsNeverReadIsRefusedOnOpen() throws {
        let (store, key) = try makeStore()
        for name in ["a", "b", "c"] { try store.set(Fixtures.profile(name)) }
        let original = try Fixtures.bytes(storePath)
        let image = try StoreImage.parse(original, path: storePath)
        let lastRecordEnd = original.count - 32 - AESGCM.nonceSize - AESGCM.tagSize
        for offset in [lastRecordEnd - 1, lastRecordEnd - image.records[2].sealed.count] {
            var damaged = Array(original[0..<(original.count - 32)])
            damaged[offset] ^= 0x01
            damaged += try SHA256Digest.hash(damaged)
            try Fixtures.write(damaged, to: storePath)
            XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt, "byte \(offset)")
        }
    }

    /// `open` reuses the parse of a preceding `profileNames(at:)` only for identical bytes: a file changed in between
    /// (same size, valid checksum) is parsed and checked afresh.
    func testOpenAfterListingSeesAFileChangedInBetween() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("a"))
        let original = try Fixtures.bytes(storePath)
        XCTAssertEqual(try EncryptedStore.profileNames(at: storePath), ["a"])
        var damaged = Array(original[0..<(original.count - 32)])
        damaged[damaged.count - AESGCM.nonceSize - AESGCM.tagSize - 1] ^= 0x01
        damaged += try SHA256Digest.hash(damaged)
        try Fixtures.write(damaged, to: storePath)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt)
        try Fixtures.write(original, to: storePath)
        XCTAssertEqual(try EncryptedStore.profileNames(at: storePath), ["a"])
        XCTAssertEqual(try open(.keyFile(key)).profile(named: "a"), Fixtures.profile("a"))
    }

    /// A save re-encrypts records it never decoded byte for byte, under the new save salt.
    func testASaveCarriesUnreadRecordsOver() throws {
        let (store, key) = try makeStore()
        let profiles = [Fixtures.profile("a", settings: ["region": "eu-west-1"]), Fixtures.profile("b"),
                        Fixtures.profile("c", settings: ["output": "json", "region": "us-east-2"])]
        for profile in profiles { try store.set(profile) }
        let before = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        let reopened = try open(.keyFile(key))
        try reopened.set(Fixtures.profile("b", settings: ["region": "ap-south-1"]))
        let after = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        XCTAssertNotEqual(after.saveSalt, before.saveSalt)
        XCTAssertNotEqual(after.records[0].sealed, before.records[0].sealed)
        let check = try open(.keyFile(key))
        XCTAssertEqual(check.profileNames, ["a", "b", "c"])
        XCTAssertEqual(try check.profile(named: "a"), profiles[0])
        XCTAssertEqual(try check.profile(named: "b"), Fixtures.profile("b", settings: ["region": "ap-south-1"]))
        XCTAssertEqual(try check.profile(named: "c"), profiles[2])
        XCTAssertEqual(try reopened.profile(named: "c"), profiles[2])
    }

    /// An attacker who also recomputes the unkeyed checksum still gets nothing accepted.
    func testFlipsWithARecomputedChecksumNeverOpen() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let original = try Fixtures.bytes(storePath)
        let covered = original.count - 32
        for offset in 0..<covered {
            var damaged = Array(original[0..<covered])
            damaged[offset] ^= 0x80
            damaged += try SHA256Digest.hash(damaged)
            try Fixtures.write(damaged, to: storePath)
            let code = Fixtures.code { _ = try self.open(.keyFile(key)) }
            switch offset {
            case 8...9: XCTAssertEqual(code, .unsupportedVersion, "byte \(offset)")
            // The store id (bound into the slot's AAD) and the key-file slot's salt, nonce and wrapped key:
            // indistinguishable from another key file, and still never accepted.
            case 10..<26, 31..<(31 + 32 + 12 + 48): XCTAssertEqual(code, .wrongKeyFile, "byte \(offset)")
            default: XCTAssertEqual(code, .corrupt, "byte \(offset)")
            }
        }
    }

    func testTruncationAtEveryLengthFails() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let original = try Fixtures.bytes(storePath)
        for length in 0..<original.count {
            try Fixtures.write(Array(original[0..<length]), to: storePath)
            XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt, "length \(length)")
            XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.profileNames(at: self.storePath) }, .corrupt)
        }
        try Fixtures.write(original + [0], to: storePath)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt, "an appended byte")
    }

    /// Rewrites the file from `image`, with a valid authenticator (under `dataKey`) if given, else the old one.
    private func rewrite(_ image: StoreImage, dataKey: SecretBytes?) throws {
        var image = image
        var bytes: [UInt8]
        if let dataKey {
            bytes = try image.encode(dataKey: dataKey, path: storePath)
        } else {
            bytes = image.authenticatedBytes + image.authenticatorNonce + image.authenticatorTag
            bytes += try SHA256Digest.hash(bytes)
        }
        try Fixtures.write(bytes, to: storePath)
    }

    func testSwappedRenamedDroppedAndForeignRecordsFail() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("alpha"))
        try store.set(Fixtures.profile("beta", settings: ["region": "eu-north-1"]))
        let dataKey = store.agentDataKey()
        let original = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)

        let foreignPath = directory.file("foreign/store")
        let foreign = try EncryptedStore.create(at: foreignPath, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        try foreign.set(Fixtures.profile("gamma"))
        let foreignImage = try StoreImage.parse(try Fixtures.bytes(foreignPath), path: foreignPath)

        var swapped = original
        swapped.records.swapAt(0, 1)
        var renamed = original
        renamed.records[0].name = "admin"
        var dropped = original
        dropped.records.removeLast()
        var spliced = original
        spliced.records.append(foreignImage.records[0])
        var swappedContents = original
        (swappedContents.records[0].sealed, swappedContents.records[1].sealed) =
            (original.records[1].sealed, original.records[0].sealed)
        (swappedContents.records[0].nonce, swappedContents.records[1].nonce) =
            (original.records[1].nonce, original.records[0].nonce)
        let cases = ["swapped": swapped, "renamed": renamed, "dropped": dropped, "spliced": spliced,
                     "contents swapped": swappedContents]
        for (label, image) in cases {
            // Without the data key the attacker cannot fix the authenticator...
            try rewrite(image, dataKey: nil)
            XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt, label)
            // ...and even with a valid authenticator (made with the data key), each record's AAD (position, count,
            // name, store) catches it when the record is read or re-encrypted (records are decrypted lazily), except
            // dropping the last record, which only the authenticator can see.
            guard label != "dropped" else { continue }
            try rewrite(image, dataKey: dataKey)
            let written = try Fixtures.bytes(storePath)
            let opened = try open(.keyFile(key))
            XCTAssertEqual(Fixtures.code { _ = try opened.profile(named: opened.profileNames[0]) }, .corrupt,
                           label + " (re-authenticated, read)")
            XCTAssertEqual(Fixtures.code { try opened.set(Fixtures.profile("delta")) }, .corrupt,
                           label + " (re-authenticated, save)")
            XCTAssertEqual(try Fixtures.bytes(storePath), written, label + ": a refused save writes nothing")
        }
        // The foreign store's records mean nothing here even re-authenticated with its own data key.
        var moved = foreignImage
        moved.records = [original.records[0]]
        try Fixtures.write(try moved.encode(dataKey: foreign.agentDataKey(), path: foreignPath), to: foreignPath)
        let opened = try EncryptedStore.open(at: foreignPath, with: .keyFile(key), policy: Fixtures.cheap)
        XCTAssertEqual(Fixtures.code { _ = try opened.profile(named: "alpha") }, .corrupt)
    }

    func testKDFParametersOutOfBoundsAreRejectedBeforeTheKDFRuns() throws {
        _ = try makeStore([.passphrase(Fixtures.passphrase)])
        let original = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        guard let salt = (original.slots[0].parameters as? PassphraseSlot)?.salt else { return XCTFail("slot kind") }
        let hostile: [(UInt8, UInt32, UInt32)] = [(4, 8, 1), (9, 8, 1), (21, 8, 1), (40, 8, 1), (63, 8, 1),
                                                   (12, 1 << 20, 1), (12, 8, 1 << 30), (12, 1, 1)]
        for (logN, r, p) in hostile {
            var image = original
            image.slots[0].parameters = PassphraseSlot(logN: logN, r: r, p: p, salt: salt)
            try rewrite(image, dataKey: nil)
            let runsBefore = KDF.scryptRuns.value
            let code = Fixtures.code { _ = try self.open(.passphrase(Fixtures.passphrase)) }
            XCTAssertEqual(code, .corrupt, "logN \(logN) r \(r) p \(p)")
            XCTAssertEqual(KDF.scryptRuns.value, runsBefore, "scrypt ran for logN \(logN) r \(r) p \(p)")
        }
        // The real policy's floor rejects a cheap (2^10) slot: no downgrade is accepted outside tests.
        try rewrite(original, dataKey: nil)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.open(at: self.storePath, with: .passphrase(Fixtures.passphrase))
        }, .corrupt)
        let runsBefore = KDF.scryptRuns.value
        XCTAssertNoThrow(try open(.passphrase(Fixtures.passphrase)))
        XCTAssertEqual(KDF.scryptRuns.value, runsBefore + 1, "the counter sees a real run")
    }

    func testUnsupportedVersionIsItsOwnError() throws {
        let (_, key) = try makeStore()
        var bytes = Array(try Fixtures.bytes(storePath).dropLast(32))
        bytes[9] = 2
        bytes += try SHA256Digest.hash(bytes)
        try Fixtures.write(bytes, to: storePath)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .unsupportedVersion)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.profileNames(at: self.storePath) }, .unsupportedVersion)
    }

    // MARK: - Fresh randomness per save

    func testThousandSavesNeverRepeatANonceOrSalt() throws {
        let (store, _) = try makeStore([.keyFile(try Random.secret(32)), .keyFile(try Random.secret(32))])
        try store.set(Fixtures.profile("one"))
        var seen = Set<[UInt8]>()
        var values = 0
        func record(_ value: [UInt8], _ what: String) {
            values += 1
            XCTAssertTrue(seen.insert(value).inserted, "repeated \(what)")
        }
        for slot in try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath).slots {
            record(slot.nonce, "slot nonce")
            if let salt = (slot.parameters as? KeyFileSlot)?.salt { record(salt, "slot salt") }
        }
        for index in 0..<1000 {
            try store.set(Fixtures.profile(index % 2 == 0 ? "one" : "two"))
            let image = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
            record(image.saveSalt, "save salt")
            record(image.authenticatorNonce, "authenticator nonce")
            for record_ in image.records { record(record_.nonce, "record nonce") }
        }
        XCTAssertGreaterThan(values, 4000)
    }

    // MARK: - File safety

    func testModesUnderUmask000() throws {
        let previous = umask(0)
        defer { umask(previous) }
        let nested = directory.file("a/b/credstore/store")
        let keyPath = directory.file("keys/deep/store.key")
        let key = try KeyFile.generate(at: keyPath)
        let store = try EncryptedStore.create(at: nested, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        try store.set(Fixtures.profile("default"))
        XCTAssertEqual(Fixtures.mode(nested), 0o600)
        XCTAssertEqual(Fixtures.mode(nested + ".lock"), 0o600)
        XCTAssertEqual(Fixtures.mode(directory.file("a/b/credstore")), 0o700)
        XCTAssertEqual(Fixtures.mode(directory.file("a")), 0o700)
        XCTAssertEqual(Fixtures.mode(keyPath), 0o600)
        XCTAssertEqual(Fixtures.mode(directory.file("keys/deep")), 0o700)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.file("a/b/credstore")).sorted(),
                       ["store", "store.lock"], "no temporary file is left behind")
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.generate(at: keyPath) }, .alreadyExists)
        XCTAssertEqual(try KeyFile.read(at: keyPath), key)
    }

    func testSymlinkedOrGroupReadableStoreAndKeyFileAreRefused() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let link = directory.file("link-store")
        XCTAssertEqual(symlink(storePath, link), 0)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.open(at: link, with: .keyFile(key), policy: Fixtures.cheap)
        }, .unsafePermissions)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.profileNames(at: link) }, .unsafePermissions)
        for mode: mode_t in [0o640, 0o604, 0o620, 0o660] {
            XCTAssertEqual(chmod(storePath, mode), 0)
            XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .unsafePermissions, "mode \(mode)")
            XCTAssertEqual(Fixtures.mode(storePath), mode, "never auto-chmod")
        }
        chmod(storePath, 0o600)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: self.directory.path, with: .keyFile(key),
                                                                     policy: Fixtures.cheap) }, .unsafePermissions)

        let keyPath = directory.file("keys/store.key")
        let keyLink = directory.file("key-link")
        XCTAssertEqual(symlink(keyPath, keyLink), 0)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: keyLink) }, .unsafePermissions)
        chmod(keyPath, 0o640)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: keyPath) }, .unsafePermissions)
        chmod(keyPath, 0o600)
        try Fixtures.write(Array(repeating: 7, count: 33), to: keyPath)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: keyPath) }, .invalidArgument)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: self.directory.file("missing")) }, .notFound)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.profileNames(at: self.directory.file("none")) },
                       .storeNotFound)
    }

    func testOversizedFileIsRefusedWithoutReadingIt() throws {
        let (_, key) = try makeStore()
        XCTAssertEqual(truncate(storePath, off_t(StoreFormat.maximumFileSize + 1)), 0)
        XCTAssertEqual(Fixtures.code { _ = try self.open(.keyFile(key)) }, .corrupt)
    }

    func testLockContentionGivesTheLockedErrorAfterABoundedWait() throws {
        let (store, key) = try makeStore()
        try store.set(Fixtures.profile("default"))
        let before = try Fixtures.bytes(storePath)
        let holder = Glibc.open(storePath + ".lock", O_RDWR)
        XCTAssertGreaterThanOrEqual(holder, 0)
        XCTAssertEqual(flock(holder, LOCK_EX | LOCK_NB), 0)
        let start = Date()
        XCTAssertEqual(Fixtures.code { try store.set(Fixtures.profile("blocked")) }, .locked)
        let waited = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(waited, 0.3)
        XCTAssertLessThan(waited, 2.0)
        XCTAssertEqual(try Fixtures.bytes(storePath), before, "nothing changes while locked")
        XCTAssertEqual(try open(.keyFile(key)).profileNames, ["default"], "reading needs no lock")
        close(holder)
        try store.set(Fixtures.profile("unblocked"))
        XCTAssertEqual(try open(.keyFile(key)).profileNames, ["default", "unblocked"])
    }

    func testStoreLocationSearchOrder() {
        XCTAssertEqual(StoreLocation.resolve(explicit: "/x/s", environment: ["CREDSTORE_STORE": "/y"]), "/x/s")
        XCTAssertEqual(StoreLocation.resolve(explicit: nil, environment: ["CREDSTORE_STORE": "/y",
                                                                          "XDG_DATA_HOME": "/d"]), "/y")
        XCTAssertEqual(StoreLocation.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]),
                       "/d/credstore/store")
        XCTAssertEqual(StoreLocation.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "rel", "HOME": "/h"]),
                       "/h/.local/share/credstore/store")
        XCTAssertEqual(StoreLocation.resolve(explicit: "", environment: ["HOME": "/h"]),
                       "/h/.local/share/credstore/store")
    }

    func testDescriptionsNeverShowSecrets() throws {
        let profile = StoredProfile(name: "p", accessKeyID: Fixtures.accessKeyID,
                                    secretAccessKey: SecretBytes(utf8: Fixtures.secretAccessKey),
                                    sessionToken: SecretBytes(utf8: "TOKENEXAMPLE"))
        for text in ["\(profile)", String(reflecting: profile)] {
            XCTAssertFalse(text.contains("EXAMPLEKEY"), text)
            XCTAssertFalse(text.contains("TOKENEXAMPLE"), text)
        }
    }
}

extension EncryptedStoreTests {
    func testOversizedProfileIsRefusedBeforeWriting() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store")
        let key = try Random.secret(32)
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        try store.set(Fixtures.profile("small"))
        let before = try Fixtures.bytes(path)
        let huge = Fixtures.profile("huge", settings: ["blob": String(repeating: "x", count: 1 << 20)])
        XCTAssertEqual(Fixtures.code { try store.set(huge) }, .invalidArgument)
        XCTAssertEqual(try Fixtures.bytes(path), before)
        XCTAssertEqual(try EncryptedStore.open(at: path, with: .keyFile(key), policy: Fixtures.cheap).profileNames,
                       ["small"])
    }
}
