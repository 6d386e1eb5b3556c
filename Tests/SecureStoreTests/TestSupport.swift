import Foundation
import XCTest
@testable import SecureStore

/// A private temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "securestore-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

enum Fixtures {
    /// scrypt at 2^10: about 1 ms, and a floor that still rejects a downgrade below it. Test-only, via @testable.
    static let cheap = ScryptPolicy(writeLogN: 10, minimumLogN: 10, maximumLogN: 20)
    static let accessKeyID = "AKIAIOSFODNN7EXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let passphrase = SecretBytes(utf8: "correct horse battery staple")

    static func profile(_ name: String, settings: [String: String] = [:]) -> StoredProfile {
        StoredProfile(name: name, accessKeyID: accessKeyID, secretAccessKey: SecretBytes(utf8: secretAccessKey),
                      settings: settings)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes `bytes` to `path` keeping mode 0600 (what a tampering attacker with write access would leave).
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }

    static func hex(_ string: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = string.startIndex
        while index < string.endIndex {
            let next = string.index(index, offsetBy: 2)
            result.append(UInt8(string[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        precondition(lstat(path, &info) == 0)
        return info.st_mode & 0o7777
    }

    /// The code of the `SecureStoreError` `body` throws, failing the test if it does not throw one.
    static func code(
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> SecureStoreError.Code? {
        do {
            try body()
            XCTFail("expected a SecureStoreError, got success", file: file, line: line)
            return nil
        } catch let error as SecureStoreError {
            return error.code
        } catch {
            XCTFail("expected a SecureStoreError, got \(error)", file: file, line: line)
            return nil
        }
    }

    /// The conformance directory `<package root>/../shared/conformance`, or a `MissingPeer` error (a skip outside
    /// CI).
    static func conformance(_ relative: String) throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = root.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw MissingPeer.error("the \(relative) conformance vectors", needs: directory.path + " (not found)",
                                    remedy: "check out the shared conformance suites next to the repository "
                                        + "(../shared/conformance; Scripts/bootstrap cannot install them)")
        }
        return directory.appendingPathComponent(relative)
    }
}
