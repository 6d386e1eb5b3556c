import Foundation
import XCTest

/// A test peer this machine lacks (a tool, a Python package, the shared conformance suites, root). Outside CI the
/// test is skipped with a message that names what was skipped and why (`Scripts/test` lists every such message in
/// its summary); on CI (`CI=true`) every area must run, so a missing peer fails the test and says how to get it.
package struct MissingPeer: Error, CustomStringConvertible {
    /// What cannot run, what it needs and how to get it.
    package let description: String

    /// A failure (not a skip) with this message.
    package init(description: String) {
        self.description = description
    }

    /// The error to throw from a test that cannot run: an `XCTSkip` outside CI, a failure on CI.
    ///
    /// - Parameters:
    ///   - area: What is skipped, e.g. "the botocore read-back tests".
    ///   - peer: What it needs and how it is missing, e.g. "python3 with botocore (not found on PATH)".
    ///   - remedy: How to get it, e.g. "run Scripts/bootstrap --test".
    package static func error(_ area: String, needs peer: String, remedy: String) -> Error {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            return MissingPeer(description: "\(area) cannot run on CI (CI=true): it needs \(peer); \(remedy)")
        }
        return XCTSkip("skipped \(area): it needs \(peer); \(remedy)")
    }

    /// Whether this process runs as root, or else the error for `area` (root-only tests create users or chown).
    package static func requireRoot(_ area: String) throws {
        guard geteuid() != 0 else { return }
        throw error(area, needs: "root (this process runs as uid \(geteuid()))",
                    remedy: "run the tests as root (CI and the development machines do)")
    }
}
