import Foundation
import TestSupport
import XCTest
import SystemLayer

/// The atomic write under both policies: every step failing leaves the old file intact with no temporary file, the
/// temporary file is 0600 while written, each policy's mode and symlink rules hold, a failed directory fsync is undone.
final class AtomicFileTests: XCTestCase {
    private static let old: [UInt8] = Array("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n".utf8)
    private static let new: [UInt8] = Array("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".utf8)
    private static let policies: [(name: String, policy: FilePolicy, oldMode: Int)] = [
        ("store", .privateFile, 0o600),
        ("shared", .sharedFile, 0o640),
    ]

    override func tearDown() {
        AtomicWriteFaultInjection.fault = nil
    }

    /// Fails the first occurrence of `step` with `code` while `body` runs; says whether the step was reached.
    private func injecting(_ step: AtomicWriteStep, _ code: Int32, _ body: () throws -> Void) rethrows -> Bool {
        var fired = false
        AtomicWriteFaultInjection.fault = { current in
            guard current == step, !fired else { return nil }
            fired = true
            return code
        }
        defer { AtomicWriteFaultInjection.fault = nil }
        try body()
        return fired
    }

    private func replace(_ file: AtomicFile, existingPath: String?) throws {
        let existing = try existingPath.map { FileAttributes(try Syscalls.stat($0)) }
        try file.replace(with: FileContent(Self.new), existing: existing,
                         previous: existingPath == nil ? nil : { FileContent(Self.old) })
    }

    func testAFaultAtEveryStepLeavesTheOldFileUnderBothPolicies() throws {
        for (name, policy, oldMode) in Self.policies {
            for step in AtomicWriteStep.allCases {
                let directory = try TemporaryDirectory()
                let path = try directory.write(Self.old, to: "file", mode: oldMode)
                let file = try AtomicFile(path, policy: policy)
                let context = "\(name) policy, EIO at \(step)"
                var failure: FileOperationError?
                let fired = injecting(step, EIO) {
                    do {
                        try replace(file, existingPath: path)
                    } catch {
                        failure = error as? FileOperationError
                    }
                }
                XCTAssertTrue(fired, "\(context): the step was never reached")
                XCTAssertEqual(failure?.errno, Errno(rawValue: EIO), context)
                XCTAssertEqual(directory.bytes("file"), Self.old, "\(context): the old bytes")
                XCTAssertEqual(directory.mode("file"), oldMode, "\(context): the old mode")
                XCTAssertEqual(directory.temporaries(), [], "\(context): no temporary file left")
                XCTAssertEqual(failure?.undone, step == .directoryFsync ? true : nil, context)
                // Without a fault the same write goes through.
                XCTAssertNoThrow(try replace(file, existingPath: path), context)
                XCTAssertEqual(directory.bytes("file"), Self.new, context)
            }
        }
    }

    func testAFaultAtEveryStepOfANewFileLeavesNoFile() throws {
        for (name, policy, _) in Self.policies {
            for step in AtomicWriteStep.allCases {
                let directory = try TemporaryDirectory()
                let file = try AtomicFile(directory.file("file"), policy: policy)
                let fired = try injecting(step, ENOSPC) {
                    XCTAssertThrowsError(try replace(file, existingPath: nil))
                }
                XCTAssertTrue(fired, "\(name) at \(step)")
                XCTAssertNil(directory.bytes("file"), "\(name) at \(step): the new file was removed again")
                XCTAssertEqual(directory.temporaries(), [], "\(name) at \(step)")
            }
        }
    }

    func testTheTemporaryFileIs0600WhileWrittenAndGetsThePolicysModeAfter() throws {
        for (name, policy, _) in Self.policies {
            let directory = try TemporaryDirectory()
            // 0644: a mode the shared policy keeps and the store policy replaces.
            let path = try directory.write(Self.old, to: "file", mode: 0o644)
            let file = try AtomicFile(path, policy: policy)
            var modesWhileWritten: [Int?] = []
            AtomicWriteFaultInjection.fault = { step in
                if step == .write {
                    modesWhileWritten += directory.temporaries().map { directory.mode($0) }
                }
                return nil
            }
            try replace(file, existingPath: path)
            AtomicWriteFaultInjection.fault = nil
            XCTAssertFalse(modesWhileWritten.isEmpty, name)
            XCTAssertEqual(Set(modesWhileWritten), [0o600], "\(name): while written")
            XCTAssertEqual(directory.mode("file"), policy.keepsMode ? 0o644 : 0o600, name)
            XCTAssertEqual(directory.bytes("file"), Self.new, name)
        }
    }

    func testANewFileIs0600UnderBothPolicies() throws {
        for (name, policy, _) in Self.policies {
            let directory = try TemporaryDirectory()
            let file = try AtomicFile(directory.file("file"), policy: policy)
            try replace(file, existingPath: nil)
            XCTAssertEqual(directory.mode("file"), 0o600, name)
        }
    }

    func testTheSharedPolicyEditsThroughASymlinkAndTheStorePolicyDoesNotFollowOne() throws {
        let directory = try TemporaryDirectory()
        let target = try directory.write(Self.old, to: "target", mode: 0o640)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: "target")
        let shared = try AtomicFile(directory.file("link"), policy: .sharedFile)
        XCTAssertEqual(shared.path, directory.path + "/target")
        try replace(shared, existingPath: target)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("link")), "target")
        XCTAssertEqual(directory.bytes("target"), Self.new)
        XCTAssertEqual(directory.mode("target"), 0o640)

        let store = try AtomicFile(directory.file("link"), policy: .privateFile)
        XCTAssertEqual(store.path, directory.file("link"))
        XCTAssertThrowsError(try Syscalls.open(store.path, FilePolicy.privateFile.readFlags)) { error in
            XCTAssertEqual(error as? Errno, Errno(rawValue: ELOOP))
        }
    }

    func testAFailedUndoIsReported() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.old, to: "file", mode: 0o600)
        var directoryFsyncFailed = false
        AtomicWriteFaultInjection.fault = { step in
            if step == .directoryFsync && !directoryFsyncFailed {
                directoryFsyncFailed = true
                return EIO
            }
            return directoryFsyncFailed && step == .rename ? ENOSPC : nil
        }
        XCTAssertThrowsError(try replace(AtomicFile(path, policy: .privateFile), existingPath: path)) { error in
            XCTAssertEqual((error as? FileOperationError)?.undone, false)
            XCTAssertEqual((error as? FileOperationError)?.errno, Errno(rawValue: EIO))
        }
        XCTAssertEqual(directory.bytes("file"), Self.new, "the undo failed, so the new content is in place")
        XCTAssertEqual(directory.temporaries(), [])
    }

    func testADirectoryFsyncAnsweringEINVALCountsAsSuccess() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.old, to: "file", mode: 0o600)
        XCTAssertTrue(try injecting(.directoryFsync, EINVAL) {
            try replace(AtomicFile(path, policy: .privateFile), existingPath: path)
        })
        XCTAssertEqual(directory.bytes("file"), Self.new)
    }

    func testOrphanedTemporaryFilesOfThisFileAreSwept() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.old, to: "file", mode: 0o600)
        try directory.write([1], to: ".file.tmp-0123456789abcdef", mode: 0o600)
        try directory.write([2], to: ".other.tmp-0123456789abcdef", mode: 0o600)
        try replace(AtomicFile(path, policy: .privateFile), existingPath: path)
        XCTAssertEqual(directory.temporaries(), [".other.tmp-0123456789abcdef"])
    }

    func testCreateExclusiveNeverOverwritesAndLeavesNothingOnFailure() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.old, to: "key", mode: 0o600)
        XCTAssertThrowsError(try AtomicFile(path, policy: .privateFile).createExclusive(FileContent(Self.new))) {
            XCTAssertEqual(($0 as? FileOperationError)?.errno, Errno(rawValue: EEXIST))
        }
        XCTAssertEqual(directory.bytes("key"), Self.old)
        for step in [AtomicWriteStep.createTemporary, .write, .fsync, .close, .directoryFsync] {
            let file = try AtomicFile(directory.file("new-\(step)"), policy: .privateFile)
            XCTAssertTrue(try injecting(step, EIO) {
                XCTAssertThrowsError(try file.createExclusive(FileContent(Self.new)), "\(step)")
            }, "\(step)")
            XCTAssertNil(directory.bytes("new-\(step)"), "\(step)")
        }
    }

    func testDirectoriesAreCreatedWithTheExactModeWhateverTheUmask() throws {
        let directory = try TemporaryDirectory()
        let previous = umask(0o077 | 0o200)
        defer { umask(previous) }
        try AtomicFile.createDirectories(directory.file("a/b/c"), mode: 0o700)
        for name in ["a", "a/b", "a/b/c"] { XCTAssertEqual(directory.mode(name), 0o700, name) }
        try directory.write([], to: "plain", mode: 0o600)
        XCTAssertThrowsError(try AtomicFile.createDirectories(directory.file("plain"), mode: 0o700)) {
            XCTAssertEqual(($0 as? FileOperationError)?.step, .notADirectory)
        }
    }
}

extension FilePolicy {
    /// Whether an existing file's mode carries over.
    var keepsMode: Bool {
        if case .keepExisting = mode { return true }
        return false
    }
}
