@testable import CredentialLookup
import Foundation
@testable import SecureStore
import TestSupport
import XCTest

/// The KMS slot's encryption context against moto's KMS (signature checking on): the blob opens only with the store
/// id and slot id it was made for; the parameters round-trip exactly and malformed ones are refused before any
/// request; KMS's refusals map to the `kms-*` codes.
final class KMSSlotTests: XCTestCase {
    private var moto: TestSupport.MotoServer!
    private var home: TemporaryHome!

    override func setUpWithError() throws {
        moto = try TestSupport.MotoServer(setUp: """
            create_user("alice")
            create_kms_key("store")
            """)
        home = try TemporaryHome()
    }

    override func tearDown() {
        moto?.stop()
        moto = nil
        home = nil
    }

    private func service(_ key: KMSKey? = nil, secret: String? = nil) throws -> KMSKeyService {
        let alice = try moto.resources.user("alice")
        let environment = home.environment.merging(moto.awsEnvironment) { $1 }.merging([
            "AWS_ACCESS_KEY_ID": alice.accessKeyID, "AWS_SECRET_ACCESS_KEY": secret ?? alice.secretAccessKey,
        ]) { $1 }
        return KMSKeyService(storePath: home.path + "/store", environment: environment, newSlotKey: key)
    }

    private func key() throws -> KMSKey {
        KMSKey(keyID: try moto.resources.value("kms:store:arn"), region: "us-east-1")
    }

    private func context(storeID: [UInt8]) -> KeySlotContext {
        KeySlotEnvironment.standard.context(storeID: storeID, slotIndex: 1, path: home.path + "/store")
    }

    func testTheBlobOpensOnlyWithTheStoreIDAndSlotIDItWasMadeFor() throws {
        let storeID = [UInt8](repeating: 0xA1, count: 16)
        let access = try service(try key())
        guard let new = try KMSSlot.create(for: .material(access), in: context(storeID: storeID)) else {
            return XCTFail("a KMS slot was not made")
        }
        let slot = new.parameters
        XCTAssertEqual(slot.slotID.count, 16)
        XCTAssertEqual(new.keyEncryptionKey.count, 32)
        // The same store and slot: KMS gives back the KEK.
        let opener = try service()
        XCTAssertEqual(try slot.keyEncryptionKey(for: .material(opener), in: context(storeID: storeID)),
                       new.keyEncryptionKey)

        // The slot copied into another store: KMS refuses the other context; the slot is passed over, and why is
        // kept for the final error.
        let elsewhere = try service()
        XCTAssertNil(try slot.keyEncryptionKey(for: .material(elsewhere),
                                               in: context(storeID: [UInt8](repeating: 0xB2, count: 16))))
        XCTAssertEqual((elsewhere.noSlotOpens(storeAt: "S") as? CredentialLookupError)?.code, .kmsDecryptionFailed)
        // The same blob under another slot id (a second slot made from a copy): refused too.
        var copied = slot
        copied.slotID = [UInt8](repeating: 0x07, count: 16)
        let other = try service()
        XCTAssertNil(try copied.keyEncryptionKey(for: .material(other), in: context(storeID: storeID)))
        XCTAssertEqual((other.noSlotOpens(storeAt: "S") as? CredentialLookupError)?.code, .kmsDecryptionFailed)
        let message = "\(other.noSlotOpens(storeAt: "S"))"
        XCTAssertTrue(message.contains("made for another store or slot"), message)

        // Another key id than the one the blob was made under: refused (Decrypt passes the slot's KeyId).
        var rekeyed = slot
        rekeyed.key.keyID = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
        let third = try service()
        XCTAssertNil(try rekeyed.keyEncryptionKey(for: .material(third), in: context(storeID: storeID)))

        // The exact context, as FORMAT.md specifies it.
        XCTAssertEqual(KMSSlot.encryptionContext(storeID: storeID, slotID: slot.slotID), [
            "credstore:store-id": String(repeating: "a1", count: 16),
            "credstore:slot-id": slot.slotID.map { String(format: "%02x", $0) }.joined(),
            "credstore:purpose": "credstore/v1 KMS slot key-encryption key",
        ])
    }

    func testUnknownCredentialsAreAccessDeniedAndAWrongSecretToo() throws {
        let storeID = [UInt8](repeating: 0x11, count: 16)
        guard let slot = try KMSSlot.create(for: .material(try service(try key())), in: context(storeID: storeID))?
            .parameters else { return XCTFail("a KMS slot was not made") }
        let wrong = try service(secret: ExampleKeys.secretAccessKey)
        XCTAssertNil(try slot.keyEncryptionKey(for: .material(wrong), in: context(storeID: storeID)))
        let error = wrong.noSlotOpens(storeAt: "S")
        XCTAssertEqual((error as? CredentialLookupError)?.code, .kmsAccessDenied)
        XCTAssertTrue("\(error)".contains("access to the KMS key"), "\(error)")
        XCTAssertFalse("\(error)".contains(ExampleKeys.secretAccessKey))
    }

    func testParametersRoundTripAndMalformedOnesAreRefused() throws {
        let key = KMSKey(keyID: "arn:aws:kms:eu-west-1:1:key/k", region: "eu-west-1", profile: "ops")
        let slot = KMSSlot(slotID: Array(0..<16), key: key, ciphertext: [1, 2, 3])
        var writer = ByteWriter()
        slot.encodeParameters(into: &writer)
        let bytes = writer.bytes
        XCTAssertEqual(bytes.count, 16 + 2 + 29 + 2 + 9 + 2 + 3 + 2 + 3)
        let parsed = try bytes.withUnsafeBytes { raw -> KMSSlot in
            var reader = ByteReader(raw)
            let parsed = try KMSSlot(parsing: &reader)
            XCTAssertEqual(reader.remaining, 0)
            return parsed
        }
        XCTAssertEqual(parsed.key, slot.key)
        XCTAssertEqual(parsed.ciphertext, slot.ciphertext)
        XCTAssertEqual(parsed.slotID, slot.slotID)
        // Truncated, an empty region, an empty blob, a control character: refused.
        var bad: [[UInt8]] = [Array(bytes.dropLast())]
        var emptyRegion = bytes
        emptyRegion.replaceSubrange(16 + 2 + 29..<16 + 2 + 29 + 2 + 9, with: [0, 0])
        bad.append(emptyRegion)
        var emptyBlob = Array(bytes.dropLast(5))
        emptyBlob += [0, 0]
        bad.append(emptyBlob)
        var control = bytes
        control[16 + 2] = 0x0a
        bad.append(control)
        for sample in bad {
            XCTAssertThrowsError(try sample.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                _ = try KMSSlot(parsing: &reader)
            })
        }
    }

    func testACredstoreThatPredatesKind5CallsTheStoreCorruptNamingTheKind() throws {
        let path = home.path + "/store"
        let passphrase = SecretBytes(utf8: "correct horse battery staple")
        let environment = KeySlotEnvironment(policy: ScryptPolicy(writeLogN: 10, minimumLogN: 10, maximumLogN: 20))
        _ = try EncryptedStore.create(at: path, secrets: [.passphrase(passphrase), .material(try service(try key()))],
                                      environment: environment)
        // This build opens it both ways.
        XCTAssertEqual(try EncryptedStore.open(at: path, with: .material(try service()), environment: environment)
                           .unlockedSlotIndex, 1)
        XCTAssertNoThrow(try EncryptedStore.open(at: path, with: .passphrase(passphrase), environment: environment))
        // One that knows kinds 1-4 only refuses it as corrupt, naming the kind, instead of misreading it.
        var older = environment
        older.kinds = [PassphraseSlot.self, KeyFileSlot.self, BoundKeyFileSlot.self, TPM2Slot.self]
        XCTAssertThrowsError(try EncryptedStore.open(at: path, with: .passphrase(passphrase), environment: older)) {
            XCTAssertEqual(($0 as? SecureStoreError)?.code, .corrupt)
            XCTAssertTrue("\($0)".contains("key slot of kind 5"), "\($0)")
        }
    }

    func testTheRegionComesFromTheOptionElseTheARNElseTheEnvironment() {
        let arn = "arn:aws:kms:eu-central-1:123456789012:key/k"
        XCTAssertEqual(KMSKey.named(arn, region: "us-west-2", profile: nil, environment: [:])?.region, "us-west-2")
        XCTAssertEqual(KMSKey.named(arn, region: nil, profile: " ", environment: [:]),
                       KMSKey(keyID: arn, region: "eu-central-1", profile: nil))
        XCTAssertEqual(KMSKey.named("alias/x", region: nil, profile: "p", environment: ["AWS_REGION": "ap-south-1"]),
                       KMSKey(keyID: "alias/x", region: "ap-south-1", profile: "p"))
        XCTAssertNil(KMSKey.named("alias/x", region: nil, profile: nil, environment: [:]))
    }
}
