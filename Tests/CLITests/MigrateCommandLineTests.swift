import CredentialLookup
import XCTest
@testable import credstore

/// The `credential_process` command line that `migrate --rewire-config` writes, and how a rerun recognises it.
final class MigrateCommandLineTests: XCTestCase {
    func testExportCommandRecognition() {
        XCTAssertEqual(ExportCommandLine.command(executable: "/usr/bin/credstore", profile: "p@x", store: "/s/store"),
                       "/usr/bin/credstore export --store /s/store --profile p@x --format credential-process")
        let environment = ["HOME": "/home/u"]
        let store = "/home/u/.local/share/credstore/store"
        func isExport(_ command: String, _ profile: String, store: String = store) -> Bool {
            ExportCommandLine.isExport(command, forProfile: profile, storePath: store, environment: environment)
        }
        XCTAssertTrue(isExport("/x/credstore export --profile a --format credential-process", "a"))
        XCTAssertFalse(isExport("/x/credstore export --profile b", "a"))
        XCTAssertFalse(isExport("/x/other export --profile a", "a"))
        XCTAssertFalse(isExport("'unbalanced", "a"))
        // The store counts: a line without --store reads the default store, whatever CREDSTORE_STORE says here.
        XCTAssertTrue(isExport("/x/credstore export --store /s/store --profile a", "a", store: "/s/store"))
        XCTAssertFalse(isExport("/x/credstore export --store /s/store --profile a", "a"))
        XCTAssertFalse(isExport("/x/credstore export --profile a", "a", store: "/s/store"))
    }

    func testAPathWithSpacesIsQuotedAndSplitsBackIntoTheSameWords() throws {
        let command = ExportCommandLine.command(executable: "/opt/cred store/credstore", profile: "it's")
        XCTAssertEqual(command, #"'/opt/cred store/credstore' export --profile 'it'\''s' --format credential-process"#)
        // botocore and credstore split it back into the same words.
        XCTAssertEqual(try CommandLineSplitter.split(command),
                       ["/opt/cred store/credstore", "export", "--profile", "it's", "--format", "credential-process"])
        XCTAssertTrue(ExportCommandLine.isExport(command, forProfile: "it's",
                                                 storePath: ExportCommandLine.defaultStorePath([:]), environment: [:]))
        XCTAssertTrue(ExportCommandLine.executablePath().hasPrefix("/"))
    }
}
