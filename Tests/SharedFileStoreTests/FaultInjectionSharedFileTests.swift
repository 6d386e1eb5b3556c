import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore
import SystemLayer

/// Every step of a shared-file replace failing with ENOSPC, EIO or EACCES (through SystemLayer's debug-build seam
/// `AtomicWriteFaultInjection.fault`): a clear error that keeps the errno and names the file, the original bytes
/// identical, no temporary file left.
final class FaultInjectionSharedFileTests: XCTestCase {
    private static let errnos: [Int32] = [ENOSPC, EIO, EACCES]
    private static let original = """
        # my keys
        [default]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE ; inline comment
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

        [prod]
        region = eu-west-1

        """

    override func tearDown() {
        AtomicWriteFaultInjection.fault = nil
    }

    private func injecting(_ step: AtomicWriteStep, _ code: Int32, _ body: () throws -> Void) rethrows {
        var fired = false
        AtomicWriteFaultInjection.fault = { current in
            guard current == step, !fired else { return nil }
            fired = true
            return code
        }
        defer {
            AtomicWriteFaultInjection.fault = nil
            XCTAssertTrue(fired, "the fault at \(step) was never reached")
        }
        try body()
    }

    private func expectError(_ code: Int32, path: String, _ context: String, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("\(context): succeeded despite the injected fault")
        } catch let error as SharedFileError {
            XCTAssertEqual(error.errno, code, "\(context): \(error)")
            XCTAssertEqual(error.code, code == EACCES ? .permissionDenied : .ioError, context)
            XCTAssertEqual(error.path, path, context)
            XCTAssertTrue(error.message.contains(path), context)
            XCTAssertFalse(error.description.contains("wJalrXUtnFEMI"), context)
        } catch {
            XCTFail("\(context): \(error)")
        }
    }

    private func temporaries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
    }

    func testEveryEditUnderEveryFaultLeavesTheOriginalBytes() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.original, to: "aws/credentials")
        chmod(path, 0o400)  // a kept mode other than 0600 (one with group bits would be refused: it holds secrets)
        let edits: [(String, (inout ProfileFile) throws -> Void)] = [
            ("set", { try $0.setValue("us-east-1", forKey: "region", inProfile: "default") }),
            ("add", { _ = try $0.addProfile("new") }),
            ("remove key", { _ = try $0.removeValue(forKey: "aws_secret_access_key", inProfile: "default") }),
            ("remove profile", { _ = try $0.removeProfile("prod") }),
        ]
        for step in AtomicWriteStep.allCases {
            for code in Self.errnos {
                for (name, edit) in edits {
                    let context = "\(name) with \(String(cString: strerror(code))) at \(step)"
                    injecting(step, code) {
                        expectError(code, path: path, context) {
                            try SharedFileEditor.edit(path: path, kind: .credentials, lockWaitSeconds: 1, edit)
                        }
                    }
                    XCTAssertEqual(try directory.read("aws/credentials"), Self.original, context)
                    XCTAssertEqual(try temporaries(directory.file("aws")), [], context)
                    let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber)
                    XCTAssertEqual(mode.intValue, 0o400, context)
                }
            }
        }
        try SharedFileEditor.edit(path: path, kind: .credentials) {
            try $0.setValue("x", forKey: "k", inProfile: "prod")
        }
        XCTAssertTrue(try directory.read("aws/credentials").contains("k = x"))
    }

    func testCreatingAFileUnderEveryFaultLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        for step in AtomicWriteStep.allCases {
            for code in Self.errnos {
                let context = "create with \(String(cString: strerror(code))) at \(step)"
                let path = directory.file("new-\(step)-\(code)/config")
                injecting(step, code) {
                    expectError(code, path: path, context) {
                        try SharedFileEditor.edit(path: path, kind: .config) {
                            try $0.setValue("eu-west-1", forKey: "region", inProfile: "default")
                        }
                    }
                }
                XCTAssertFalse(FileManager.default.fileExists(atPath: path), context)
                XCTAssertEqual(try temporaries(directory.file("new-\(step)-\(code)")), [], context)
            }
        }
    }

    /// When the directory fsync fails and putting the previous content back fails too, the error does not claim the
    /// edit was undone; it keeps the errno of the fsync.
    func testAFailedUndoAfterTheDirectoryFsyncIsReportedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.original, to: "credentials")
        for failUndo in [false, true] {
            var directoryFsyncFailed = false
            AtomicWriteFaultInjection.fault = { step in
                if step == .directoryFsync && !directoryFsyncFailed {
                    directoryFsyncFailed = true
                    return EIO
                }
                return failUndo && directoryFsyncFailed && step == .rename ? ENOSPC : nil
            }
            defer { AtomicWriteFaultInjection.fault = nil }
            XCTAssertThrowsError(try SharedFileEditor.edit(path: path, kind: .credentials) {
                try $0.setValue("us-west-2", forKey: "region", inProfile: "prod")
            }) { error in
                let error = error as? SharedFileError
                XCTAssertEqual(error?.errno, EIO)
                XCTAssertEqual(error?.message.contains("the edit was undone"), !failUndo,
                               "\(String(describing: error))")
                XCTAssertEqual(error?.message.contains("the new content may be in place"), failUndo)
            }
            XCTAssertEqual(try directory.read("credentials").contains("us-west-2"), failUndo)
            XCTAssertEqual(try temporaries(directory.path), [])
        }
    }

    /// Editors killed mid-save leave temporary files that may hold plaintext secrets; the next edit removes them.
    func testOrphanedTemporaryFilesAreRemovedByTheNextEdit() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.original, to: "credentials")
        try directory.write("[default]\naws_secret_access_key = secret\n", to: ".credentials.tmp-abc123")
        try directory.write("unrelated", to: ".config.tmp-abc123")
        try SharedFileEditor.edit(path: path, kind: .credentials) { _ = try $0.addProfile("new") }
        XCTAssertEqual(try temporaries(directory.path), [".config.tmp-abc123"])
    }
}
