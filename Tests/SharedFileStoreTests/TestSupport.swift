import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore

extension TestPaths {
    /// The profile-file conformance suite, `<package root>/../shared/conformance/profile`.
    static var conformance: URL { conformanceRoot.appendingPathComponent("profile") }

    /// The profile conformance directory, or a `MissingPeer` error (a skip outside CI) that says it is missing.
    static func requireConformance() throws -> URL {
        try requireConformance("profile", area: "the profile-file conformance suite")
    }
}
