import Foundation
import TestSupport
import XCTest

/// Through the binary: a 0600 store or key file owned by another user is refused with exit 77 (unsafe permissions)
/// and an error that names the file and its owner, before any secret is read; the file is left as it was. Needs root
/// to `chown`; on CI (`CI=true`) a missing root is a failure, elsewhere a skip that says so.
final class OwnershipCLITests: XCTestCase {
    private static let otherUID: uid_t = 65534

    func testAStoreOrKeyFileOwnedByAnotherUserIsRefusedWithExit77() throws {
        try MissingPeer.requireRoot("the file-ownership CLI test (it chowns files to another uid)")
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        let store = home.path + "/store"
        XCTAssertEqual(try CLI.run(["init", "--store", store, "--key-file", key, "--no-passphrase"],
                                   environment: home.environment).status, 0)
        XCTAssertEqual(try CLI.run(["set", "--store", store, "--key-file", key, "--profile", "default",
                                    "--access-key", "AKIAIOSFODNN7EXAMPLE"], environment: home.environment,
                                   stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").status, 0)
        let get = ["get", "--profile", "default", "--store", store, "--key-file", key]
        XCTAssertEqual(try CLI.run(get, environment: home.environment).status, 0, "the store works before the chown")

        for path in [store, key] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(chown(path, Self.otherUID, Self.otherUID), 0, String(cString: strerror(errno)))
            for arguments in [get, ["set", "--profile", "new", "--access-key", "AKIAIOSFODNN7EXAMPLE", "--store",
                                    store, "--key-file", key]] {
                let result = try CLI.run(arguments, environment: home.environment,
                                         stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
                let context = "\(arguments[0]) with \(path) owned by uid \(Self.otherUID)"
                XCTAssertEqual(result.status, 77, "\(context): \(result.stderr)")
                XCTAssertTrue(result.stderr.lowercased().contains("error:"), "\(context): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(path) && result.stderr.contains("uid \(Self.otherUID)"),
                              "\(context): \(result.stderr)")
                XCTAssertFalse(result.stdout.contains("wJalrXUtnFEMI") || result.stderr.contains("wJalrXUtnFEMI"),
                               context)
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "\(path) is left as it was")
            XCTAssertEqual(chown(path, geteuid(), getegid()), 0)
        }
        XCTAssertEqual(try CLI.run(get, environment: home.environment).status, 0, "owned by us again, it works")
    }
}
