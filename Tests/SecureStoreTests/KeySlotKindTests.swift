import TestSupport
import XCTest
@testable import SecureStore

/// What a test hands in to open a `ChallengeSlot`, as a TPM device or key-service credentials would be handed in.
private struct ChallengeToken: UnlockMaterial {
    var bytes: SecretBytes

    func noSlotOpens(storeAt path: String) -> any Error {
        SecureStoreError(.wrongKeyFile, path: path, "the challenge token does not open the store \(path)")
    }
}

/// A slot kind that exists only in this test target, added the way `KeySlotKind`'s worked example says: one type and
/// one entry in the kinds the store is given. It needs no user secret (like a TPM2 slot) and takes material of its own
/// type. Kind byte 0xF0 is not in FORMAT.md and never written outside these tests.
private struct ChallengeSlot: KeySlotKind {
    static let kindByte: UInt8 = 0xF0
    static let name = KeySlotInfo.Kind(rawValue: "challenge")
    static let needsUserSecret = false
    static let info: [UInt8] = Array("credstore test challenge slot".utf8)

    var rounds: UInt8
    var salt: [UInt8]

    static func accepts(_ secret: UnlockSecret) -> Bool {
        if case let .material(material) = secret { return material is ChallengeToken }
        return false
    }

    init(rounds: UInt8, salt: [UInt8]) {
        self.rounds = rounds
        self.salt = salt
    }

    init(parsing reader: inout ByteReader) throws {
        rounds = try reader.u8()
        guard rounds == 1 else { throw ByteReader.Truncated() }
        salt = try reader.take(16)
    }

    func encodeParameters(into writer: inout ByteWriter) {
        writer.u8(rounds)
        writer.raw(salt)
    }

    static func create(for secret: UnlockSecret, in context: KeySlotContext) throws -> NewKeySlot<Self>? {
        let slot = ChallengeSlot(rounds: 1, salt: try Random.bytes(16))
        guard let kek = try slot.keyEncryptionKey(for: secret, in: context) else { return nil }
        return NewKeySlot(parameters: slot, keyEncryptionKey: kek)
    }

    func keyEncryptionKey(for secret: UnlockSecret, in context: KeySlotContext) throws -> SecretBytes? {
        guard case let .material(material) = secret, let token = material as? ChallengeToken else { return nil }
        // The store id goes into the KEK the way a key service's encryption context would bind it.
        return try KDF.hkdfSHA256(key: token.bytes, salt: salt + context.storeID, info: Self.info, length: 32)
    }

    func describe(_ info: inout KeySlotInfo) {
        info.summary = "challenge, \(rounds) round"
        info.parameters = [.init("rounds", .integer(Int(rounds)))]
    }
}

/// The slot-kind plug-in layer: a kind added outside the store's code works end to end, the built-in kinds are
/// registered once each, and a store never opens a kind it was not given.
final class KeySlotKindTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String { directory.file("store") }
    private let kinds = KeySlotKinds.all + [ChallengeSlot.self]
    /// A store environment that knows the test-only kind.
    private var withChallenge: KeySlotEnvironment { KeySlotEnvironment(policy: Fixtures.cheap, kinds: kinds) }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    func testATestOnlyKindPlugsInWithoutTouchingTheStore() throws {
        let token = ChallengeToken(bytes: try Random.secret(32))
        let store = try EncryptedStore.create(at: storePath,
                                              secrets: [.material(token), .passphrase(Fixtures.passphrase)],
                                              environment: withChallenge)
        try store.set(Fixtures.profile("default"))

        let slots = try EncryptedStore.slots(at: storePath, kinds: kinds)
        XCTAssertEqual(slots.map(\.kind.rawValue), ["challenge", "passphrase"])
        XCTAssertEqual(slots.map(\.needsUserSecret), [false, true])
        XCTAssertEqual(slots[0].summary, "challenge, 1 round")
        XCTAssertEqual(slots[0].parameters, [.init("rounds", .integer(1))])

        let opened = try EncryptedStore.open(at: storePath, with: .material(token), environment: withChallenge)
        XCTAssertEqual(try opened.profile(named: "default")?.accessKeyID, Fixtures.accessKeyID)
        let wrong = ChallengeToken(bytes: try Random.secret(32))
        XCTAssertThrowsError(try EncryptedStore.open(at: storePath, with: .material(wrong),
                                                     environment: withChallenge)) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .wrongKeyFile)
            XCTAssertTrue("\(error)".contains("challenge token does not open"), "\(error)")
        }

        // Adding, rotating and removing go through the kind like any other.
        let second = ChallengeToken(bytes: try Random.secret(32))
        try opened.addSlot(.material(second))
        try opened.rotateDataKey(otherSecrets: [.passphrase(Fixtures.passphrase), .material(second)])
        XCTAssertEqual(try EncryptedStore.slots(at: storePath, kinds: kinds).map(\.kind.rawValue),
                       ["challenge", "passphrase", "challenge"])
        for secret: UnlockSecret in [.material(token), .material(second), .passphrase(Fixtures.passphrase)] {
            let reopened = try EncryptedStore.open(at: storePath, with: secret, environment: withChallenge)
            XCTAssertEqual(reopened.profileNames, ["default"])
        }
        try opened.removeSlot(at: 0)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.open(at: self.storePath, with: .material(token), environment: self.withChallenge)
        }, .wrongKeyFile)

        // A store that was not given the kind cannot read the slot: an unknown kind is corruption, as FORMAT.md says.
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.slots(at: self.storePath) }, .corrupt)
        XCTAssertEqual(Fixtures.code {
            _ = try EncryptedStore.open(at: self.storePath, with: .passphrase(Fixtures.passphrase),
                                        policy: Fixtures.cheap)
        }, .corrupt)
    }

    func testTheBuiltInKindsAreRegisteredOnceAndRoundTrip() throws {
        // 4: TPM2Slot (TPM2SlotTests), 5: KMSSlot (CredentialLookupTests/KMSSlotTests, KMSSlotCLITests)
        XCTAssertEqual(KeySlotKinds.all.map { $0.kindByte }, [1, 2, 3, 4, 5])
        XCTAssertEqual(Set(KeySlotKinds.all.map { $0.kindByte }).count, KeySlotKinds.all.count)
        let key = try Random.secret(32)
        let machineID = directory.file("machine-id")
        try Fixtures.write(Array("0123456789abcdef0123456789abcdef\n".utf8), to: machineID)
        let machine = MachineBinding(machineIDPath: machineID, userID: 4242)
        let store = try EncryptedStore.create(at: storePath, secrets: [.passphrase(Fixtures.passphrase), .keyFile(key)],
                                              environment: KeySlotEnvironment(policy: Fixtures.cheap, machine: machine))
        try store.addSlot(.keyFile(key), bindingToMachine: true)
        let image = try StoreImage.parse(try Fixtures.bytes(storePath), path: storePath)
        XCTAssertEqual(image.slots.map { $0.kind.kindByte }, [1, 2, 3])
        for slot in image.slots {
            let reparsed = try slot.parameterBytes.withUnsafeBytes { bytes in
                var reader = ByteReader(bytes)
                let parameters = try slot.kind.init(parsing: &reader)
                XCTAssertEqual(reader.remaining, 0)
                return parameters
            }
            XCTAssertEqual(KeySlot(parameters: reparsed, nonce: slot.nonce, wrappedKey: slot.wrappedKey), slot)
        }
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.summary),
                       ["scrypt N=2^10 r=8 p=1", "HKDF-SHA256", "HKDF-SHA256, bound to this machine and user"])
        XCTAssertEqual(Fixtures.code { try store.addSlot(.passphrase(Fixtures.passphrase), bindingToMachine: true) },
                       .invalidArgument)
    }
}
