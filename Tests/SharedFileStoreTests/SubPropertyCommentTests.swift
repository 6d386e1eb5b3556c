import TestSupport
import XCTest
@testable import SharedFileStore

/// The lossless promise inside sub-property blocks (`s3 =` followed by indented lines): a comment line between the
/// sub-properties is the user's, and no edit of the block (setting the key, setting, adding or removing a sub-key,
/// removing the key) may drop or move it. Every other byte of the file stays as it was.
final class SubPropertyCommentTests: XCTestCase {
    private static let before = "# top\n[profile p]\nregion = eu-west-1\ns3 =\n  a = 1\n# keep me\n  b = 2\n"
        + "; and me\n  c = 3\noutput = json\n\n[profile q]\ns3 =\n  a = 1\n# other profile\n"

    private func edited(_ edit: (inout ProfileFile) throws -> Void) throws -> String {
        var document = try ProfileFile(parsing: Self.before, kind: .config)
        try edit(&document)
        // What the editor produced is what a re-parse reads back (no hidden state).
        XCTAssertEqual(try ProfileFile(parsing: document.bytes, kind: .config).text, document.text)
        return document.text
    }

    func testSettingTheKeyToAPlainValueKeepsTheCommentsOfItsBlock() throws {
        let text = try edited { try $0.setValue("plain", forKey: "s3", inProfile: "p") }
        XCTAssertEqual(text, "# top\n[profile p]\nregion = eu-west-1\ns3 = plain\n# keep me\n; and me\n"
                       + "output = json\n\n[profile q]\ns3 =\n  a = 1\n# other profile\n")
    }

    func testSettingASubKeyKeepsTheCommentsOfItsBlock() throws {
        XCTAssertEqual(try edited { try $0.setSubValue("9", forKey: "s3", subKey: "b", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "  b = 2\n", with: "  b = 9\n"))
        XCTAssertEqual(try edited { try $0.setSubValue("9", forKey: "s3", subKey: "a", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "s3 =\n  a = 1\n# keep", with: "s3 =\n  a = 9\n# keep"))
        XCTAssertEqual(try edited { try $0.setSubValue("4", forKey: "s3", subKey: "d", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "  c = 3\n", with: "  c = 3\n  d = 4\n"))
    }

    func testRemovingSubKeysKeepsTheCommentsOfTheBlock() throws {
        XCTAssertEqual(try edited { try $0.removeSubValue(forKey: "s3", subKey: "b", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "  b = 2\n", with: ""))
        // The last sub-property takes the `s3 =` line with it; the comments stay where they were.
        let text = try edited { document in
            for key in ["a", "b", "c"] { try document.removeSubValue(forKey: "s3", subKey: key, inProfile: "p") }
        }
        XCTAssertEqual(text, "# top\n[profile p]\nregion = eu-west-1\n# keep me\n; and me\noutput = json\n\n"
                       + "[profile q]\ns3 =\n  a = 1\n# other profile\n")
    }

    func testRemovingTheKeyKeepsTheCommentsOfItsBlock() throws {
        XCTAssertEqual(try edited { try $0.removeValue(forKey: "s3", inProfile: "p") },
                       "# top\n[profile p]\nregion = eu-west-1\n# keep me\n; and me\noutput = json\n\n"
                       + "[profile q]\ns3 =\n  a = 1\n# other profile\n")
    }

    func testEditingANeighbourChangesOnlyItsLine() throws {
        XCTAssertEqual(try edited { try $0.setValue("us-east-1", forKey: "region", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "eu-west-1", with: "us-east-1"))
        XCTAssertEqual(try edited { try $0.setValue("text", forKey: "output", inProfile: "p") },
                       Self.before.replacingOccurrences(of: "output = json", with: "output = text"))
    }

    /// The same through the editor on disk, in a credentials file with CRLF line ends: the bytes outside the edited
    /// line are identical.
    func testTheEditorOnDiskKeepsEveryOtherByte() throws {
        let directory = try TemporaryDirectory()
        let original = "[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\ns3 =\r\n  a = 1\r\n# keep me\r\n"
            + "  b = 2\r\n"
        let path = try directory.write(original, to: "credentials")
        try SharedFileEditor.edit(path: path, kind: .credentials) {
            try $0.setSubValue("3", forKey: "s3", subKey: "b", inProfile: "default")
        }
        XCTAssertEqual(try directory.read("credentials"), original.replacingOccurrences(of: "b = 2", with: "b = 3"))
        try SharedFileEditor.edit(path: path, kind: .credentials) {
            try $0.setValue("plain", forKey: "s3", inProfile: "default")
        }
        XCTAssertEqual(try directory.read("credentials"),
                       "[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\ns3 = plain\r\n# keep me\r\n")
    }
}
