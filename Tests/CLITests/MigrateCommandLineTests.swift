import CredentialLookup
import XCTest
@testable import credstore

/// The `credential_process` command line that `migrate --rewire-config` writes, and how a rerun recognises it.
final class MigrateCommandLineTests: XCTestCase {
    func testExportCommandRecognition() {
        XCTAssertEqual(ExportCommandLine.command(executable: "/usr/bin/credstore", profile: "p@x", store: "/s/store"),
                       "/usr/bin/credstore export --store /s/store --profile p@x --format credential-process")
        XCTAssertTrue(ExportCommandLine.isExport("/x/credstore export --profile a --format credential-process",
                                                 forProfile: "a"))
        XCTAssertFalse(ExportCommandLine.isExport("/x/credstore export --profile b", forProfile: "a"))
        XCTAssertFalse(ExportCommandLine.isExport("/x/other export --profile a", forProfile: "a"))
        XCTAssertFalse(ExportCommandLine.isExport("'unbalanced", forProfile: "a"))
    }

    func testAPathWithSpacesIsQuotedAndSplitsBackIntoTheSameWords() throws {
        let command = ExportCommandLine.command(executable: "/opt/cred store/credstore", profile: "it's")
        XCTAssertEqual(command, #"'/opt/cred store/credstore' export --profile 'it'\''s' --format credential-process"#)
        // botocore and credstore split it back into the same words.
        XCTAssertEqual(try CommandLineSplitter.split(command),
                       ["/opt/cred store/credstore", "export", "--profile", "it's", "--format", "credential-process"])
        XCTAssertTrue(ExportCommandLine.isExport(command, forProfile: "it's"))
        XCTAssertTrue(ExportCommandLine.executablePath().hasPrefix("/"))
    }
}
