import Foundation
import TestSupport
import XCTest
@testable import SecureStore

enum Fixtures {
    /// scrypt at 2^10: about 1 ms, and a floor that still rejects a downgrade below it. Test-only, via @testable.
    static let cheap = ScryptPolicy(writeLogN: 10, minimumLogN: 10, maximumLogN: 20)
    static let accessKeyID = ExampleKeys.accessKeyID
    static let secretAccessKey = ExampleKeys.secretAccessKey
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

    /// The conformance directory `<package root>/../shared/conformance/<relative>`, or a `MissingPeer` error (a skip
    /// outside CI).
    static func conformance(_ relative: String) throws -> URL {
        try TestPaths.requireConformance(relative, area: "the \(relative) conformance vectors")
    }
}
