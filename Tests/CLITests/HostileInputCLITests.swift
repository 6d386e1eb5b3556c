import Foundation
import TestSupport
import XCTest

/// Damaged and hostile store files through the real binary: flipped bytes, truncations, appended garbage, a FIFO,
/// /dev/zero, a 1 GiB sparse file, a directory and a symlink each get their documented exit code (81 corrupt, 77
/// unsafe), an error naming the file, nothing on stdout, no hang, and the file left as it was.
final class HostileInputCLITests: XCTestCase {
    private func expectRefused(_ home: TemporaryHome, store: String, key: String, exit: Int32, _ what: String) throws {
        let before = try? Data(contentsOf: URL(fileURLWithPath: store))
        for arguments in [["get", "--profile", "default", "--key-file", key], ["list"],
                          ["set", "--profile", "new", "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", key]] {
            let started = Date()
            let result = try CLI.run(arguments + ["--store", store], environment: home.environment,
                                     stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
            XCTAssertEqual(result.status, exit, "\(what), \(arguments[0]): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error:") && result.stderr.contains(store),
                          "\(what): \(result.stderr)")
            XCTAssertTrue(result.stdout.isEmpty || arguments[0] == "list", "\(what): \(result.stdout)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "\(what): \(arguments[0]) hung")
            XCTAssertFalse(result.stderr.contains("wJalrXUtnFEMI"), what)
        }
        XCTAssertEqual(try? Data(contentsOf: URL(fileURLWithPath: store)), before, "\(what): the file is unchanged")
    }

    func testDamagedStoresAreRefusedAsCorrupt() throws {
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        let store = home.path + "/store"
        XCTAssertEqual(try CLI.run(["init", "--store", store, "--key-file", key, "--no-passphrase"],
                                   environment: home.environment).status, 0)
        XCTAssertEqual(try CLI.run(["set", "--store", store, "--key-file", key, "--profile", "default",
                                    "--access-key", "AKIAIOSFODNN7EXAMPLE"], environment: home.environment,
                                   stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").status, 0)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))
        // Every byte is covered by EncryptedStoreTests; through the binary, a spread of offsets and lengths.
        for offset in stride(from: 0, to: original.count, by: max(1, original.count / 12)) {
            var damaged = original
            damaged[offset] ^= 0x01
            try Data(damaged).write(to: URL(fileURLWithPath: store))
            try expectRefused(home, store: store, key: key, exit: 81, "byte \(offset) flipped")
        }
        for length in [0, 7, 8, 40, original.count / 2, original.count - 33, original.count - 1] {
            try Data(original[0..<length]).write(to: URL(fileURLWithPath: store))
            try expectRefused(home, store: store, key: key, exit: 81, "truncated to \(length)")
        }
        try Data(original + Array("garbage".utf8)).write(to: URL(fileURLWithPath: store))
        try expectRefused(home, store: store, key: key, exit: 81, "garbage appended")
    }

    func testThingsThatAreNotStoresAreRefusedWithoutReadingThem() throws {
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        XCTAssertEqual(try CLI.run(["init", "--store", home.path + "/real", "--key-file", key, "--no-passphrase"],
                                   environment: home.environment).status, 0)
        let fifo = home.path + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try expectRefused(home, store: fifo, key: key, exit: 77, "a FIFO")
        try expectRefused(home, store: "/dev/zero", key: key, exit: 77, "/dev/zero")
        let huge = home.path + "/huge"
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil,
                                                     attributes: [.posixPermissions: 0o600]))
        XCTAssertEqual(truncate(huge, 1 << 30), 0)
        try expectRefused(home, store: huge, key: key, exit: 81, "a 1 GiB sparse file")
        XCTAssertEqual(mkdir(home.path + "/directory", 0o700), 0)
        try expectRefused(home, store: home.path + "/directory", key: key, exit: 77, "a directory")
        let link = home.path + "/link"
        XCTAssertEqual(symlink(home.path + "/real", link), 0)
        try expectRefused(home, store: link, key: key, exit: 77, "a symlink to a real store")
    }
}
