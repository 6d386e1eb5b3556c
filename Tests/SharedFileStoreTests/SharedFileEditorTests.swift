import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore
import Glibc

final class SharedFileEditorTests: XCTestCase {
    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    private func inode(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : 0
    }

    private func leftovers(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
    }

    func testNewFileIs0600InANew0700Directory() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.file("home/.aws/credentials")
        try SharedFileEditor.edit(path: path, kind: .credentials) {
            try $0.setValue("AKIAIOSFODNN7EXAMPLE", forKey: "aws_access_key_id", inProfile: "default")
        }
        XCTAssertEqual(try temporary.read("home/.aws/credentials"),
                       "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode(temporary.file("home/.aws")), 0o700)
        XCTAssertEqual(try mode(temporary.file("home")), 0o700)
        XCTAssertEqual(try leftovers(temporary.file("home/.aws")), [])
    }

    /// A dry run makes every check of a real edit, the permission check of the result included, and writes nothing:
    /// `remove --all-stores` runs one per file before removing any copy.
    func testADryRunChecksTheEditAndWritesNothing() throws {
        let temporary = try TemporaryDirectory()
        let text = "[a]\naws_secret_access_key = s\n[b]\naws_secret_access_key = t\n"
        let path = try temporary.write(text, to: "credentials")
        chmod(path, 0o600)
        let removed = try SharedFileEditor.edit(path: path, kind: .credentials, dryRun: true) {
            try $0.removeProfile("a")
        }
        XCTAssertTrue(removed)
        XCTAssertEqual(try temporary.read("credentials"), text)
        chmod(path, 0o644)
        XCTAssertThrowsError(try SharedFileEditor.edit(path: path, kind: .credentials, dryRun: true) {
            try $0.removeProfile("a")
        }) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .unsafePermissions, "\(error)")
        }
        XCTAssertEqual(try temporary.read("credentials"), text)
    }

    func testExistingModeIsKeptAndUnchangedFilesAreNotRewritten() throws {
        let temporary = try TemporaryDirectory()
        let path = try temporary.write("[profile a]\nregion = x\n", to: "config")
        chmod(path, 0o640)
        let before = inode(path)
        try SharedFileEditor.edit(path: path, kind: .config) { _ = try $0.addProfile("a") }
        XCTAssertEqual(inode(path), before, "a no-op edit must not replace the file")
        try SharedFileEditor.edit(path: path, kind: .config) { try $0.setValue("y", forKey: "region", inProfile: "a") }
        XCTAssertNotEqual(inode(path), before, "the file is replaced by rename")
        XCTAssertEqual(try mode(path), 0o640)
        XCTAssertEqual(try temporary.read("config"), "[profile a]\nregion = y\n")

        let missing = temporary.file("never")
        try SharedFileEditor.edit(path: missing, kind: .config) { _ = try $0.removeProfile("x") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing), "a no-op edit creates no file")
    }

    func testSymlinkIsKeptAndItsTargetEdited() throws {
        let temporary = try TemporaryDirectory()
        let target = try temporary.write("[a]\nk = 1\n", to: "dotfiles/aws-credentials")
        let link = temporary.file("dot-aws/credentials")
        try FileManager.default.createDirectory(atPath: temporary.file("dot-aws"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../dotfiles/aws-credentials")
        try SharedFileEditor.edit(path: link, kind: .credentials) { try $0.setValue("2", forKey: "k", inProfile: "a") }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "../dotfiles/aws-credentials")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "[a]\nk = 2\n")
        XCTAssertEqual(try leftovers(temporary.file("dot-aws")), [])
    }

    func testFailuresLeaveTheFileIntact() throws {
        let temporary = try TemporaryDirectory()
        let malformed = "[a]\nk = 1\n[broken\n"
        let path = try temporary.write(malformed, to: "credentials")
        XCTAssertThrowsError(try SharedFileEditor.edit(path: path, kind: .credentials) {
            try $0.setValue("v", forKey: "x", inProfile: "a")
        }) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .malformedFile)
            XCTAssertEqual((error as? SharedFileError)?.line, 3)
            XCTAssertTrue("\(error)".contains(path))
        }
        XCTAssertEqual(try temporary.read("credentials"), malformed)

        let good = try temporary.write("[a]\nk = 1\n", to: "good")
        struct Abort: Error {}
        XCTAssertThrowsError(try SharedFileEditor.edit(path: good, kind: .credentials) { document in
            try document.setValue("2", forKey: "k", inProfile: "a")
            throw Abort()
        })
        XCTAssertEqual(try temporary.read("good"), "[a]\nk = 1\n")
        XCTAssertEqual(try leftovers(temporary.path), [])

        // A path under a regular file fails with its errno kept.
        XCTAssertThrowsError(try SharedFileEditor.edit(path: good + "/credentials", kind: .credentials) {
            try $0.setValue("v", forKey: "k", inProfile: "a")
        }) { error in
            XCTAssertEqual((error as? SharedFileError)?.errno, ENOTDIR, "\(error)")
            XCTAssertEqual((error as? SharedFileError)?.code, .ioError)
        }
    }

    func testAHeldLockGivesADistinctLockedErrorAfterABoundedWait() throws {
        let temporary = try TemporaryDirectory()
        let path = try temporary.write("[a]\nk = 1\n", to: "credentials")
        let holder = open(path + ".lock", O_RDWR | O_CREAT, 0o600)
        XCTAssertEqual(flock(holder, LOCK_EX), 0)
        let start = Date()
        XCTAssertThrowsError(try SharedFileEditor.edit(path: path, kind: .credentials, lockWaitSeconds: 0.3) {
            try $0.setValue("2", forKey: "k", inProfile: "a")
        }) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .locked)
            XCTAssertTrue("\(error)".contains("another process"), "\(error)")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.3)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        close(holder)
        try SharedFileEditor.edit(path: path, kind: .credentials, lockWaitSeconds: 0.3) {
            try $0.setValue("2", forKey: "k", inProfile: "a")
        }
        XCTAssertEqual(try temporary.read("credentials"), "[a]\nk = 2\n")
    }

    /// Several threads, each opening the lock file itself (flock locks belong to open file descriptions, so threads
    /// contend like processes), edit one file many times; no edit may be lost.
    func testConcurrentEditorsLoseNothing() throws {
        let temporary = try TemporaryDirectory()
        let path = try temporary.write("# shared by many editors\n[profile shared]\ncounter = 0\n", to: "config")
        let threads = 4
        let editsPerThread = 25
        let failures = FailureList()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for edit in 0..<editsPerThread {
                do {
                    try SharedFileEditor.edit(path: path, kind: .config) { document in
                        let current = document.value(forKey: "counter", inProfile: "shared")?.stringValue
                        let counter = Int(current ?? "") ?? -1
                        try document.setValue(String(counter + 1), forKey: "counter", inProfile: "shared")
                        try document.setValue("done", forKey: "t\(thread)_e\(edit)", inProfile: "p\(thread)")
                    }
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        XCTAssertEqual(failures.items, [])
        let document = try ProfileFile.load(path: path, kind: .config)
        XCTAssertEqual(document.value(forKey: "counter", inProfile: "shared"), .string("\(threads * editsPerThread)"))
        for thread in 0..<threads {
            XCTAssertEqual(document.profile("p\(thread)")?.count, editsPerThread)
        }
        XCTAssertTrue(document.text.hasPrefix("# shared by many editors\n[profile shared]\ncounter = 100\n"))
    }
}

/// A body that assigns another document (here: one of the same size) is a programming error, stopped before anything
/// is written; it runs in a child process (`TestChild reassign-shared-file`), as a precondition failure ends it.
final class SharedFileEditorReassignmentTests: XCTestCase {
    func testAssigningAnotherDocumentInTheBodyWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let original = "[first]\nk = 1\n"
        let path = try directory.write(original, to: "credentials")
        let process = Process()
        // The child (Tests/TestChild, built next to this test bundle) edits with a body that assigns another document.
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("TestChild")
        process.arguments = ["reassign-shared-file", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the child was not stopped")
        XCTAssertEqual(try directory.read("credentials"), original)
    }
}

final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ item: String) { lock.lock(); storage.append(item); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
