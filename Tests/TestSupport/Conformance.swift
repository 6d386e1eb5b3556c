import Foundation

/// The package root and the shared conformance suites checked out next to it (`<root>/../shared/conformance`).
package enum TestPaths {
    /// The package root, from this file's path (`<root>/Tests/TestSupport/Conformance.swift`).
    package static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `<root>/../shared/conformance`.
    package static var conformanceRoot: URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    }

    /// The conformance directory `relative` (e.g. `profile`, `store`), or a `MissingPeer` error (a skip outside CI)
    /// naming `area` when the suites are not checked out.
    package static func requireConformance(_ relative: String, area: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: conformanceRoot.path) else {
            throw MissingPeer.error(area, needs: conformanceRoot.path + " (not found)",
                                    remedy: "check out the shared conformance suites next to the repository "
                                        + "(../shared/conformance; Scripts/bootstrap cannot install them)")
        }
        return conformanceRoot.appendingPathComponent(relative)
    }
}
