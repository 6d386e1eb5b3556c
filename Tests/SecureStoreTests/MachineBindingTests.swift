import Foundation
import XCTest
@testable import SecureStore

/// Key-file slots bound to the machine and user (kind 3): they open here, not with another machine id or uid, and
/// keep their binding through a data-key rotation.
final class MachineBindingTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let originalPath = MachineBinding.machineIDPath
    private let originalUser = MachineBinding.userID

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        try Data("0123456789abcdef0123456789abcdef\n".utf8)
            .write(to: URL(fileURLWithPath: directory.file("machine-id")))
        MachineBinding.machineIDPath = directory.file("machine-id")
    }

    override func tearDown() {
        MachineBinding.machineIDPath = originalPath
        MachineBinding.userID = originalUser
        directory = nil
    }

    private func openBound(_ path: String, _ key: SecretBytes) throws -> EncryptedStore {
        try EncryptedStore.open(at: path, with: .keyFile(key), policy: Fixtures.cheap)
    }

    func testBoundSlotOpensOnlyForThisMachineAndUser() throws {
        let path = directory.file("store")
        let key = try Random.secret(32)
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], policy: Fixtures.cheap,
                                              bindingKeyFilesToMachine: true)
        try store.set(Fixtures.profile("default"))
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true])
        XCTAssertEqual(try EncryptedStore.open(at: path, with: .keyFile(key), policy: Fixtures.cheap).profileNames,
                       ["default"])

        MachineBinding.userID = { 4242 }
        let otherUser = Fixtures.code { _ = try self.openBound(path, key) }
        XCTAssertEqual(otherUser, .wrongKeyFile)
        MachineBinding.userID = originalUser

        try Data("fedcba9876543210fedcba9876543210\n".utf8)
            .write(to: URL(fileURLWithPath: directory.file("machine-id")))
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key) },
                       .wrongKeyFile)
        MachineBinding.machineIDPath = directory.file("missing")
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key) },
                       .wrongKeyFile)
        XCTAssertEqual(Fixtures.code { try store.addSlot(.keyFile(try Random.secret(32)), bindingToMachine: true) },
                       .invalidArgument, "binding without a machine id must fail before writing")
    }

    func testRotationKeepsTheBindingAndPassphrasesCannotBeBound() throws {
        let path = directory.file("store")
        let key = try Random.secret(32), unbound = try Random.secret(32)
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], policy: Fixtures.cheap,
                                              bindingKeyFilesToMachine: true)
        try store.addSlot(.keyFile(unbound))
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true, false])
        try store.rotateDataKey(otherSecrets: [.keyFile(unbound)])
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true, false])
        MachineBinding.userID = { 4242 }
        XCTAssertNoThrow(try EncryptedStore.open(at: path, with: .keyFile(unbound), policy: Fixtures.cheap))
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key) },
                       .wrongKeyFile)
        XCTAssertEqual(Fixtures.code { try store.addSlot(.passphrase(Fixtures.passphrase), bindingToMachine: true) },
                       .invalidArgument)
    }

    func testMalformedMachineIDIsAClearError() throws {
        try Data("not-a-machine-id\n".utf8).write(to: URL(fileURLWithPath: directory.file("machine-id")))
        XCTAssertThrowsError(try MachineBinding.current()) { error in
            XCTAssertTrue("\(error)".contains("32 lowercase hexadecimal"), "\(error)")
        }
    }
}
