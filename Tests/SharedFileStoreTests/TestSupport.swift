import Foundation
import XCTest
@testable import SharedFileStore

/// Paths the tests share: the package root (from this file's path) and the public conformance suites next to it.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var conformance: URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/profile")
    }

    /// The profile conformance directory, or a `MissingPeer` error (a skip outside CI) that says it is missing.
    static func requireConformance() throws -> URL {
        guard FileManager.default.fileExists(atPath: conformance.path) else {
            throw MissingPeer.error("the profile-file conformance suite", needs: conformance.path + " (not found)",
                                    remedy: "check out the shared conformance suites next to the repository "
                                        + "(../shared/conformance; Scripts/bootstrap cannot install them)")
        }
        return conformance
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("sharedfile-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)  // as the AWS CLI creates them: a secret is never written into a file others can read
        return path
    }

    func read(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: file(name))), as: UTF8.self)
    }
}
