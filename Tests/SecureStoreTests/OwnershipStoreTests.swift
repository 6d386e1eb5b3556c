import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// A store, key file or passphrase file with the right mode (0600) but owned by another user is refused: another user
/// could have swapped it in (a store that sends secrets elsewhere, a key file they know). Needs root to `chown`; on CI
/// (`CI=true`) a missing root is a failure, elsewhere a skip that says so.
final class OwnershipStoreTests: XCTestCase {
    /// `nobody` on Debian; any uid other than ours will do, it needs no account.
    private static let otherUID: uid_t = 65534

    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        try MissingPeer.requireRoot("the file-ownership tests (they chown files to another uid)")
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    /// The `SecureStoreError` `body` throws; fails the test when it succeeds or throws something else.
    private func refusal(_ context: String, _ body: () throws -> Void) -> SecureStoreError? {
        do {
            try body()
            XCTFail("\(context): accepted a file owned by uid \(Self.otherUID)")
        } catch let error as SecureStoreError {
            return error
        } catch {
            XCTFail("\(context): \(error)")
        }
        return nil
    }

    private func expectOwnerRefusal(_ path: String, _ context: String, _ body: () throws -> Void) {
        let error = refusal(context, body)
        XCTAssertEqual(error?.code, .unsafePermissions, "\(context): \(String(describing: error))")
        XCTAssertEqual(error?.path, path, context)
        XCTAssertTrue(error?.message.contains("owned by uid \(Self.otherUID)") == true,
                      "\(context): \(error?.message ?? "")")
        XCTAssertFalse(error?.description.contains(Fixtures.secretAccessKey) == true, context)
    }

    func testAStoreOwnedByAnotherUserIsRefused() throws {
        let keyPath = directory.file("store.key")
        let storePath = directory.file("store")
        let key = try KeyFile.generate(at: keyPath)
        try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap)
            .set(Fixtures.profile("default"))
        let original = try Fixtures.bytes(storePath)
        XCTAssertEqual(chown(storePath, Self.otherUID, Self.otherUID), 0, String(cString: strerror(errno)))
        XCTAssertEqual(Fixtures.mode(storePath), 0o600, "only the owner differs")
        expectOwnerRefusal(storePath, "open") {
            _ = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        }
        expectOwnerRefusal(storePath, "profile names") { _ = try EncryptedStore.profileNames(at: storePath) }
        XCTAssertEqual(try Fixtures.bytes(storePath), original, "the file is left as it was")
        // Owned by us again, the same file opens: the owner alone made the difference.
        XCTAssertEqual(chown(storePath, geteuid(), getegid()), 0)
        XCTAssertEqual(try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
                        .profileNames, ["default"])
    }

    func testAKeyFileOrPassphraseFileOwnedByAnotherUserIsRefused() throws {
        let keyPath = directory.file("store.key")
        let key = try KeyFile.generate(at: keyPath)
        XCTAssertEqual(chown(keyPath, Self.otherUID, Self.otherUID), 0, String(cString: strerror(errno)))
        XCTAssertEqual(Fixtures.mode(keyPath), 0o600, "only the owner differs")
        expectOwnerRefusal(keyPath, "key file") { _ = try KeyFile.read(at: keyPath) }
        XCTAssertEqual(chown(keyPath, geteuid(), getegid()), 0)
        XCTAssertEqual(try KeyFile.read(at: keyPath), key)

        let passphrasePath = directory.file("passphrase")
        try Fixtures.write(Array("correct horse battery staple\n".utf8), to: passphrasePath)
        XCTAssertEqual(chown(passphrasePath, Self.otherUID, Self.otherUID), 0)
        expectOwnerRefusal(passphrasePath, "passphrase file") { _ = try PassphraseFile.read(at: passphrasePath) }
    }

    /// systemd hands a credential over root-owned (or chowned to the service user); one owned by a third user is not
    /// laid out by PID 1 and is refused, even with mode 0400.
    func testASystemdCredentialOwnedByAThirdUserIsRefused() throws {
        let keyPath = directory.file("credstore.key")
        _ = try KeyFile.generate(at: keyPath)
        XCTAssertEqual(chmod(keyPath, 0o400), 0)
        XCTAssertEqual(chown(keyPath, Self.otherUID, Self.otherUID), 0)
        let error = refusal("systemd credential") { _ = try KeyFile.readSystemdCredential(at: keyPath) }
        XCTAssertEqual(error?.code, .unsafePermissions, String(describing: error))
        XCTAssertTrue(error?.message.contains("uid \(Self.otherUID)") == true, error?.message ?? "")
    }
}
