import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// The TPM2 slot (kind 4) as FORMAT.md specifies it, against a real software TPM: the parameter bytes, the parts of
/// the sealed object a third party can check without the TPM (its type, attributes and PCR policy digest), the
/// parser's bounds, the uid binding and what a credstore that predates kind 4 says about such a store.
final class TPM2SlotTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var tpm: SoftwareTPM!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        tpm = try SoftwareTPM(stateDirectory: directory.file("tpm"))
    }

    override func tearDown() {
        tpm?.stop()
        tpm = nil
        directory = nil
    }

    private var store: String { directory.file("store") }

    private func environment(uid: UInt32 = MachineBinding.thisMachine.userID) -> KeySlotEnvironment {
        KeySlotEnvironment(policy: Fixtures.cheap, machine: MachineBinding(machineIDPath: "/nonexistent", userID: uid))
    }

    private func createStore(pcrs: [Int]) throws -> TPM2Slot {
        _ = try EncryptedStore.create(at: store, secrets: [.material(TPM2Device(tcti: tpm.tcti, pcrs: pcrs)),
                                                          .passphrase(Fixtures.passphrase)],
                                      environment: environment())
        let image = try StoreImage.parse(try Array(Data(contentsOf: URL(fileURLWithPath: store))), path: store)
        XCTAssertEqual(image.slots[0].kind.kindByte, 4)
        return try XCTUnwrap(image.slots[0].parameters as? TPM2Slot)
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testParametersAndThePCRPolicyAreWhatFORMATmdSays() throws {
        try tpm.extendPCR(7, with: 0x11)
        let slot = try createStore(pcrs: [7])
        var writer = ByteWriter()
        slot.encodeParameters(into: &writer)
        var bytes = writer.bytes
        // uid ‖ salt ‖ pcr_mask ‖ PCR 7's value
        XCTAssertEqual(Array(bytes[0..<4]), [0, 0, 0, 0].enumerated().map { UInt8(truncatingIfNeeded:
            MachineBinding.thisMachine.userID >> (24 - 8 * UInt32($0.offset))) })
        XCTAssertEqual(hex(Array(bytes[36..<40])), "00000080")
        let pcr7 = Array(bytes[40..<72])
        XCTAssertEqual(hex(pcr7), try tpm.readPCR(7))
        bytes.removeFirst(72)
        // TPM2B_PUBLIC: size ‖ type keyedhash ‖ nameAlg sha256 ‖ attributes fixedTPM|fixedParent (no userWithAuth)
        // ‖ authPolicy (size 32 ‖ digest) ‖ scheme null ‖ unique (size 32 ‖ digest).
        let publicSize = Int(bytes[0]) << 8 | Int(bytes[1])
        let area = Array(bytes[2..<(2 + publicSize)])
        XCTAssertEqual(hex(Array(area[0..<8])), "0008000b00000012")
        XCTAssertEqual(hex(Array(area[8..<10])), "0020")
        let policy = Array(area[10..<42])
        XCTAssertEqual(hex(Array(area[42..<46])), "00100020")
        XCTAssertEqual(area.count, 78)
        // The policy a third party computes from the slot's PCR list and values (TPM 2.0 Part 3, PolicyPCR):
        // SHA-256(32 zero bytes ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ SHA-256(PCR values in order)).
        let selection: [UInt8] = [0, 0, 0, 1, 0x00, 0x0b, 3, 0x80, 0x00, 0x00]
        let expected = try SHA256Digest.hash([UInt8](repeating: 0, count: 32) + [0, 0, 0x01, 0x7f] + selection
                                                 + SHA256Digest.hash(pcr7))
        XCTAssertEqual(policy, expected)
        // TPM2B_PRIVATE: size ‖ the TPM's encrypted blob, and nothing after it.
        bytes.removeFirst(2 + publicSize)
        XCTAssertEqual(Int(bytes[0]) << 8 | Int(bytes[1]), bytes.count - 2)
    }

    func testWithoutPCRsTheEmptyAuthValueOpensAndThereIsNoPolicy() throws {
        let slot = try createStore(pcrs: [])
        XCTAssertTrue(slot.sealed.pcrs.isEmpty)
        let area = Array(slot.sealed.publicArea.dropFirst(2))
        XCTAssertEqual(hex(Array(area[0..<10])), "0008000b000000520000")  // userWithAuth set, empty authPolicy
        XCTAssertEqual(try EncryptedStore.open(at: store, with: .material(TPM2Device(tcti: tpm.tcti)),
                                               environment: environment()).profileNames, [])
    }

    func testParametersRoundTripAndMalformedOnesAreRefused() throws {
        let slot = try createStore(pcrs: [0, 7, 23])
        var writer = ByteWriter()
        slot.encodeParameters(into: &writer)
        let bytes = writer.bytes
        let parsed = try bytes.withUnsafeBytes { raw -> TPM2Slot in
            var reader = ByteReader(raw)
            defer { XCTAssertEqual(reader.remaining, 0) }
            return try TPM2Slot(parsing: &reader)
        }
        XCTAssertEqual(parsed.sealed, slot.sealed)
        XCTAssertEqual(parsed.sealed.pcrs, [0, 7, 23])
        func parses(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                return (try? TPM2Slot(parsing: &reader)) != nil
            }
        }
        var pcr24 = bytes
        pcr24[36] = 0x01  // bit 24 of pcr_mask
        XCTAssertFalse(parses(pcr24))
        var emptyPublic = Array(bytes[0..<136])  // uid, salt, mask, three values
        emptyPublic += [0, 0]
        XCTAssertFalse(parses(emptyPublic))
        XCTAssertFalse(parses(Array(bytes.dropLast())))
        var huge = Array(bytes[0..<136])
        huge += [0x04, 0x01] + [UInt8](repeating: 0, count: 1025)
        XCTAssertFalse(parses(huge))
    }

    func testAnotherUserIsToldTheSlotIsNotTheirsAndTheTPMIsNotAsked() throws {
        _ = try createStore(pcrs: [])
        tpm.stop()  // not asked: a stopped TPM would give another error
        XCTAssertThrowsError(try EncryptedStore.open(at: store, with: .material(TPM2Device(tcti: tpm.tcti)),
                                                     environment: environment(uid: 4242))) { error in
            XCTAssertTrue("\(error)".contains("opens only for that user (this is uid 4242)"), "\(error)")
        }
    }

    func testTheReferenceDecryptorParsesATPM2SlotAndOpensTheStoreWithItsOtherSlot() throws {
        try ReferenceDecryptor.requirePython()
        let keyPath = directory.file("store.key")
        let key = try KeyFile.generate(at: keyPath)
        let created = try EncryptedStore.create(at: store, secrets: [.material(TPM2Device(tcti: tpm.tcti, pcrs: [7])),
                                                                     .keyFile(key)], environment: environment())
        try created.set(Fixtures.profile("work"))
        let result = try ReferenceDecryptor.run(["--store", store, "--key-file", keyPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains(Fixtures.accessKeyID))
    }

    func testACredstoreThatPredatesKind4CallsTheStoreCorruptNamingTheKind() throws {
        _ = try createStore(pcrs: [])
        var older = environment()
        older.kinds = [PassphraseSlot.self, KeyFileSlot.self, BoundKeyFileSlot.self]
        XCTAssertThrowsError(try EncryptedStore.open(at: store, with: .passphrase(Fixtures.passphrase),
                                                     environment: older)) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .corrupt)
            XCTAssertTrue("\(error)".contains("key slot of kind 4"), "\(error)")
        }
        XCTAssertNoThrow(try EncryptedStore.open(at: store, with: .passphrase(Fixtures.passphrase),
                                                 environment: environment()))
    }
}
