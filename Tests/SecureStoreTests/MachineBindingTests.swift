import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// Key-file slots bound to the machine and user (kind 3): they open here, not with another machine id or uid, and
/// keep their binding through a data-key rotation. The machine and user are injected as a `MachineBinding` value
/// (no process-wide setting): `here` is this test's machine id file and the real uid.
final class MachineBindingTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var here: MachineBinding!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        try Data("0123456789abcdef0123456789abcdef\n".utf8)
            .write(to: URL(fileURLWithPath: directory.file("machine-id")))
        here = MachineBinding(machineIDPath: directory.file("machine-id"), userID: MachineBinding.thisMachine.userID)
    }

    override func tearDown() {
        directory = nil
    }

    private func openBound(_ path: String, _ key: SecretBytes, on machine: MachineBinding) throws -> EncryptedStore {
        try EncryptedStore.open(at: path, with: .keyFile(key), environment: on(machine))
    }

    /// Cheap scrypt costs, and `machine` as the machine and user.
    private func on(_ machine: MachineBinding) -> KeySlotEnvironment {
        KeySlotEnvironment(policy: Fixtures.cheap, machine: machine)
    }

    /// `here`, as user `uid`.
    private func asUser(_ uid: UInt32) -> MachineBinding {
        MachineBinding(machineIDPath: here.machineIDPath, userID: uid)
    }

    func testBoundSlotOpensOnlyForThisMachineAndUser() throws {
        let path = directory.file("store")
        let key = try Random.secret(32)
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], environment: on(here),
                                              bindingKeyFilesToMachine: true)
        try store.set(Fixtures.profile("default"))
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true])
        XCTAssertEqual(try openBound(path, key, on: here).profileNames, ["default"])

        let otherUser = Fixtures.code { _ = try self.openBound(path, key, on: self.asUser(4242)) }
        XCTAssertEqual(otherUser, .wrongKeyFile)

        try Data("fedcba9876543210fedcba9876543210\n".utf8)
            .write(to: URL(fileURLWithPath: directory.file("machine-id")))
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key, on: self.here) },
                       .wrongKeyFile)
        let missing = MachineBinding(machineIDPath: directory.file("missing"), userID: here.userID)
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key, on: missing) },
                       .wrongKeyFile)
        store.slotEnvironment.machine = missing
        XCTAssertEqual(Fixtures.code { try store.addSlot(.keyFile(try Random.secret(32)), bindingToMachine: true) },
                       .invalidArgument, "binding without a machine id must fail before writing")
    }

    func testRotationKeepsTheBindingAndPassphrasesCannotBeBound() throws {
        let path = directory.file("store")
        let key = try Random.secret(32), unbound = try Random.secret(32)
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], environment: on(here),
                                              bindingKeyFilesToMachine: true)
        try store.addSlot(.keyFile(unbound))
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true, false])
        try store.rotateDataKey(otherSecrets: [.keyFile(unbound)])
        XCTAssertEqual(try EncryptedStore.slots(at: path).map(\.isBoundToMachine), [true, false])
        XCTAssertNoThrow(try EncryptedStore.open(at: path, with: .keyFile(unbound), environment: on(asUser(4242))))
        XCTAssertEqual(Fixtures.code { _ = try self.openBound(path, key, on: self.asUser(4242)) },
                       .wrongKeyFile)
        XCTAssertNoThrow(try openBound(path, key, on: here), "the rotated bound slot still opens here")
        XCTAssertEqual(Fixtures.code { try store.addSlot(.passphrase(Fixtures.passphrase), bindingToMachine: true) },
                       .invalidArgument)
    }

    func testMalformedMachineIDIsAClearError() throws {
        try Data("not-a-machine-id\n".utf8).write(to: URL(fileURLWithPath: directory.file("machine-id")))
        XCTAssertThrowsError(try here.material()) { error in
            XCTAssertTrue("\(error)".contains("32 lowercase hexadecimal"), "\(error)")
        }
    }
}
