import Foundation
import TestSupport
import XCTest
@testable import SecureStore
import SystemLayer

/// Every step of a safe write failing with ENOSPC, EIO or EACCES (through SystemLayer's debug-build seam
/// `AtomicWriteFaultInjection.fault`): a clear error that keeps the errno and names the file, the original bytes
/// identical, no temporary file left, the store usable.
final class FaultInjectionSecureStoreTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String { directory.file("data/credstore/store") }
    private static let errnos: [Int32] = [ENOSPC, EIO, EACCES]

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        AtomicWriteFaultInjection.fault = nil
        directory = nil
    }

    /// Fails the first occurrence of `step` with `code` while `body` runs.
    private func injecting<T>(_ step: AtomicWriteStep, _ code: Int32, _ body: () throws -> T) rethrows -> T {
        var fired = false
        AtomicWriteFaultInjection.fault = { current in
            guard current == step, !fired else { return nil }
            fired = true
            return code
        }
        defer {
            AtomicWriteFaultInjection.fault = nil
            XCTAssertTrue(fired, "the fault at \(step) was never reached")
        }
        return try body()
    }

    private func expectIOError(_ code: Int32, _ context: String, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("\(context): succeeded despite the injected fault")
        } catch let error as SecureStoreError {
            XCTAssertEqual(error.code, .io, "\(context): \(error)")
            XCTAssertEqual(error.errno, code, "\(context): the errno is kept")
            XCTAssertTrue(error.message.contains(String(cString: strerror(code))), "\(context): \(error.message)")
            XCTAssertNotNil(error.path, context)
            XCTAssertFalse(error.description.contains(Fixtures.secretAccessKey), context)
        } catch {
            XCTFail("\(context): \(error)")
        }
    }

    private func temporaries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tmp-") }
    }

    func testEveryOperationUnderEveryFaultLeavesTheOriginalBytes() throws {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap,
                                              lockTimeout: 0.3)
        try store.set(Fixtures.profile("default"))
        let passphrase = SecretBytes(utf8: "an old passphrase")
        try store.addSlot(.passphrase(passphrase))
        let operations: [(String, () throws -> Void)] = [
            ("set", { try store.set(Fixtures.profile("new")) }),
            ("remove", { try store.remove(named: "default") }),
            ("rename", { try store.rename("default", to: "renamed") }),
            ("passwd", { try store.changePassphrase(from: passphrase, to: SecretBytes(utf8: "a new passphrase")) }),
            ("keyslot add", { try store.addSlot(.passphrase(SecretBytes(utf8: "a third passphrase"))) }),
            ("keyslot remove", { try store.removeSlot(at: 1) }),
            ("rotate", { try store.rotateDataKey(otherSecrets: [.passphrase(passphrase)]) }),
        ]
        let original = try Fixtures.bytes(storePath)
        for step in AtomicWriteStep.allCases {
            for code in Self.errnos {
                for (name, operation) in operations {
                    let context = "\(name) with \(String(cString: strerror(code))) at \(step)"
                    injecting(step, code) { expectIOError(code, context, operation) }
                    XCTAssertEqual(try Fixtures.bytes(storePath), original, "\(context): the original bytes")
                    XCTAssertEqual(temporaries(directory.file("data/credstore")), [], context)
                }
            }
        }
        // The store object and the file still work with the old secrets after all that.
        let reopened = try EncryptedStore.open(at: storePath, with: .passphrase(passphrase), policy: Fixtures.cheap)
        XCTAssertEqual(reopened.profileNames, ["default"])
        try store.set(Fixtures.profile("after"))
        XCTAssertEqual(try EncryptedStore.profileNames(at: storePath), ["default", "after"])
    }

    func testCreatingAStoreOrKeyFileUnderEveryFaultLeavesNothing() throws {
        for step in AtomicWriteStep.allCases {
            for code in Self.errnos {
                let context = "create with \(String(cString: strerror(code))) at \(step)"
                let path = directory.file("new-\(step)-\(code)/store")
                injecting(step, code) {
                    expectIOError(code, context) {
                        _ = try EncryptedStore.create(at: path, secrets: [.passphrase(Fixtures.passphrase)],
                                                      policy: Fixtures.cheap)
                    }
                }
                XCTAssertFalse(EncryptedStore.exists(at: path), context)
                XCTAssertEqual(temporaries(PathName.directory(of: path)), [], context)
                // The next attempt, without a fault, works: nothing left behind trips it.
                XCTAssertNoThrow(try EncryptedStore.create(at: path, secrets: [.passphrase(Fixtures.passphrase)],
                                                           policy: Fixtures.cheap), context)
            }
        }
        for step in [AtomicWriteStep.createTemporary, .write, .fsync, .close, .directoryFsync] {
            let path = directory.file("keys-\(step)/store.key")
            injecting(step, EIO) { expectIOError(EIO, "key file at \(step)") { _ = try KeyFile.generate(at: path) } }
            XCTAssertFalse(EncryptedStore.exists(at: path), "key file at \(step)")
        }
    }

    /// Regression: `changePassphrase` adopted the new passphrase before the save succeeded, so after a failed save
    /// the object believed it was opened with a passphrase the file does not know, and `rotateDataKey()` (which
    /// re-wraps the slot it was opened with) refused.
    func testAFailedPassphraseChangeKeepsTheOldPassphrase() throws {
        let old = SecretBytes(utf8: "the old passphrase")
        let new = SecretBytes(utf8: "the new passphrase")
        for step in [AtomicWriteStep.fsync, .close, .rename, .directoryFsync] {
            let path = directory.file("passwd-\(step)/store")
            _ = try EncryptedStore.create(at: path, secrets: [.passphrase(old)], policy: Fixtures.cheap)
            let store = try EncryptedStore.open(at: path, with: .passphrase(old), policy: Fixtures.cheap)
            try store.set(Fixtures.profile("default"))
            injecting(step, EIO) {
                expectIOError(EIO, "passwd at \(step)") { try store.changePassphrase(from: old, to: new) }
            }
            XCTAssertNoThrow(try store.rotateDataKey(), "rotate after a failed passwd at \(step)")
            XCTAssertNoThrow(try store.set(Fixtures.profile("after")), "set after a failed passwd at \(step)")
            let reopened = try EncryptedStore.open(at: path, with: .passphrase(old), policy: Fixtures.cheap)
            XCTAssertEqual(reopened.profileNames, ["default", "after"], "\(step)")
            XCTAssertThrowsError(try EncryptedStore.open(at: path, with: .passphrase(new), policy: Fixtures.cheap),
                                 "\(step)") { error in
                XCTAssertEqual((error as? SecureStoreError)?.code, .wrongPassphrase, "\(step)")
            }
            // Once the faults are gone, the change itself goes through and the object follows it.
            XCTAssertNoThrow(try store.changePassphrase(from: old, to: new), "\(step)")
            XCTAssertNoThrow(try store.rotateDataKey(), "rotate after passwd at \(step)")
            XCTAssertNoThrow(try EncryptedStore.open(at: path, with: .passphrase(new), policy: Fixtures.cheap))
        }
    }

    /// A file system without fsync on directories answers EINVAL: the save counts as done, as in SharedFileStore.
    func testADirectoryFsyncAnsweringEINVALCountsAsSuccess() throws {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        try injecting(.directoryFsync, EINVAL) { try store.set(Fixtures.profile("default")) }
        XCTAssertEqual(try EncryptedStore.profileNames(at: storePath), ["default"])
    }

    /// Regression: a failed rename used to close the temporary file's descriptor twice; in a threaded process the
    /// second close can hit a descriptor another thread opened in between.
    func testAFailedRenameClosesItsDescriptorOnce() throws {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        var bystander: Int32 = -1
        AtomicWriteFaultInjection.fault = { step in
            guard step == .rename else { return nil }
            // Another thread would get the lowest free descriptor: the one the save has just closed.
            bystander = open("/dev/null", O_RDONLY | O_CLOEXEC)
            return EIO
        }
        defer { AtomicWriteFaultInjection.fault = nil }
        XCTAssertThrowsError(try store.set(Fixtures.profile("default")))
        XCTAssertGreaterThanOrEqual(bystander, 0)
        XCTAssertNotEqual(fcntl(bystander, F_GETFD), -1, "the bystander's descriptor was closed by the failed save")
        close(bystander)
    }

    /// Writers killed mid-save leave temporary files; the next save (holding the lock) removes them.
    func testOrphanedTemporaryFilesAreRemovedByTheNextSave() throws {
        let key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        let folder = PathName.directory(of: storePath)
        let orphan = folder + "/.store.tmp-0123456789abcdef"
        XCTAssertTrue(FileManager.default.createFile(atPath: orphan, contents: Data([1, 2, 3]),
                                                     attributes: [.posixPermissions: 0o600]))
        let unrelated = folder + "/.other.tmp-1"
        XCTAssertTrue(FileManager.default.createFile(atPath: unrelated, contents: Data()))
        try store.set(Fixtures.profile("default"))
        XCTAssertEqual(temporaries(folder), [".other.tmp-1"])
    }
}
