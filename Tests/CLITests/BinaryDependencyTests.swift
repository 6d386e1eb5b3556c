import TestSupport
import XCTest

/// What the built binary links: start-up cost of every `credential_process` call depends on it.
final class BinaryDependencyTests: XCTestCase {
    /// The code imports FoundationEssentials only. One `import Foundation` (or an `NSLock`) anywhere links all of
    /// Foundation, CoreFoundation and ICU: 49 MB more in the static release binary and ~2 ms more per run. The debug
    /// binary links Swift libraries dynamically, so its DT_NEEDED entries show such an import.
    func testBinaryDoesNotLinkFoundationOrICU() throws {
        guard let readelf = CLI.which("readelf") else {
            throw MissingPeer.error("the linked-libraries check", needs: "readelf (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs binutils)")
        }
        let result = try CLI.runProcess(readelf, ["-d", CLI.executable.path], environment: [:], stdin: nil)
        XCTAssertEqual(result.status, 0, result.stderr)
        let needed = result.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        XCTAssertFalse(needed.isEmpty, "readelf printed no NEEDED entries: \(result.stdout.prefix(500))")
        for line in needed {
            for library in ["libFoundation.so", "libFoundationInternationalization", "lib_FoundationICU", "libssl"] {
                XCTAssertFalse(line.contains(library), "credstore links \(library): \(line)")
            }
        }
    }
}
