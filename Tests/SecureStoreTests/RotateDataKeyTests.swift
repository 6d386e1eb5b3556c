import TestSupport
import XCTest
@testable import SecureStore

/// `rotateDataKey(otherSecrets:droppingSlots:)` and `slotsNotOpened(by:)`, which `credstore rekey` is built on: the
/// old data key opens nothing afterwards, a slot is dropped only when named, a slot added meanwhile is never dropped
/// unasked, and no rotation leaves a store without a slot.
final class RotateDataKeyTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String { directory.file("data/credstore/store") }
    private let passphrase = SecretBytes(utf8: "a passphrase that leaked")

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    /// A store with a key-file slot (0) and a passphrase slot (1), opened with the key file.
    private func makeStore() throws -> (EncryptedStore, SecretBytes) {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap,
                                              lockTimeout: 0.3)
        try store.set(Fixtures.profile("default"))
        try store.addSlot(.passphrase(passphrase))
        return (store, key)
    }

    func testOnlyTheNamedSlotsAreDroppedAndTheOldKeyOpensNothing() throws {
        let (store, key) = try makeStore()
        let oldKey = store.agentDataKey()
        XCTAssertEqual(try store.slotsNotOpened(by: []), [1])
        XCTAssertEqual(try store.slotsNotOpened(by: [.passphrase(passphrase)]), [])
        let before = try Fixtures.bytes(storePath)

        // Unnamed, the slot without a secret stops the rotation before anything is written.
        XCTAssertThrowsError(try store.rotateDataKey()) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .invalidArgument)
        }
        XCTAssertEqual(try Fixtures.bytes(storePath), before)

        // Another process adds a slot after the caller asked which slots to drop: that slot is not dropped unasked.
        let other = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        try other.addSlot(.passphrase(SecretBytes(utf8: "added meanwhile")))
        let withAdded = try Fixtures.bytes(storePath)
        XCTAssertThrowsError(try store.rotateDataKey(droppingSlots: [1]))
        XCTAssertEqual(try Fixtures.bytes(storePath), withAdded)

        try store.rotateDataKey(droppingSlots: [1, 2])
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile])
        XCTAssertThrowsError(try EncryptedStore.open(at: storePath, agentDataKey: oldKey))
        XCTAssertThrowsError(try EncryptedStore.open(at: storePath, with: .passphrase(passphrase),
                                                     policy: Fixtures.cheap))
        let reopened = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        XCTAssertEqual(try reopened.profile(named: "default")?.accessKeyID, Fixtures.profile("default").accessKeyID)
    }

    func testNoRotationLeavesAStoreWithoutASlot() throws {
        let (store, _) = try makeStore()
        // Opened with the data key alone (as through the agent): no secret opens any slot.
        let keyOnly = try EncryptedStore.open(at: storePath, agentDataKey: store.agentDataKey())
        XCTAssertEqual(try keyOnly.slotsNotOpened(by: []), [0, 1])
        let before = try Fixtures.bytes(storePath)
        XCTAssertThrowsError(try keyOnly.rotateDataKey(droppingSlots: [0, 1])) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .invalidArgument)
        }
        XCTAssertEqual(try Fixtures.bytes(storePath), before)
    }

    /// A slot the caller agreed to drop is named by identity: when another process removes it and adds another slot
    /// that takes its index, the rotation stops instead of dropping the new slot nobody was asked about.
    func testASlotThatTookAConfirmedSlotsIndexIsNotDropped() throws {
        let (store, key) = try makeStore()
        XCTAssertEqual(try store.slotsNotOpened(by: []), [1])
        let confirmed = try XCTUnwrap(store.slotIdentity(at: 1))

        let other = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        try other.removeSlot(at: 1)
        try other.addSlot(.passphrase(SecretBytes(utf8: "added meanwhile")))
        let shifted = try Fixtures.bytes(storePath)
        XCTAssertThrowsError(try store.rotateDataKey(otherSecrets: [], droppingIdentified: [confirmed])) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .invalidArgument)
        }
        XCTAssertEqual(try Fixtures.bytes(storePath), shifted)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 2)

        // Unchanged, the confirmed slot is dropped.
        let fresh = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        try fresh.rotateDataKey(otherSecrets: [], droppingIdentified: [try XCTUnwrap(fresh.slotIdentity(at: 1))])
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile])
    }
}
