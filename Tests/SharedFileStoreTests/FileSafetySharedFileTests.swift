import Foundation
import XCTest
@testable import SharedFileStore
import Glibc

/// Issue 13, items 1, 4 and 5: a secret is never written where another user can read or replace it, shared files are
/// read the way the store is (no blocking, `fstat` first, regular files of bounded size), and no line length traps.
final class FileSafetySharedFileTests: XCTestCase {
    private static let otherUID: uid_t = 65534
    private static let secretLine = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        + "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"

    private func setSecret(_ path: String, kind: ProfileFileKind = .credentials) throws {
        try SharedFileEditor.edit(path: path, kind: kind, lockWaitSeconds: 1) { file in
            _ = try file.addProfile("victim")
            try file.setValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", forKey: "aws_secret_access_key",
                              inProfile: "victim")
        }
    }

    private func expectRefused(_ path: String, _ context: String, kind: ProfileFileKind = .credentials,
                               file: StaticString = #filePath, line: UInt = #line) {
        let before = try? Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try setSecret(path, kind: kind), context, file: file, line: line) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .unsafePermissions, "\(context): \(error)",
                           file: file, line: line)
        }
        XCTAssertEqual(try? Data(contentsOf: URL(fileURLWithPath: path)), before, "\(context): nothing written",
                       file: file, line: line)
        let directory = (path as NSString).deletingLastPathComponent
        let temporaries = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
            .filter { $0.contains(".tmp-") } ?? []
        XCTAssertEqual(temporaries, [], context, file: file, line: line)
    }

    // MARK: - Item 1: no secret into a file others can read

    func testASecretIsNotWrittenIntoAFileGroupOrOthersCanAccess() throws {
        let directory = try TemporaryDirectory()
        for mode: mode_t in [0o666, 0o644, 0o640, 0o604, 0o620] {
            let path = try directory.write(Self.secretLine, to: "credentials-\(String(mode, radix: 8))")
            chmod(path, mode)
            expectRefused(path, "mode \(String(mode, radix: 8))")
        }
        // The rule follows a symbolic link to the file it edits.
        let target = try directory.write(Self.secretLine, to: "target")
        chmod(target, 0o644)
        let link = directory.file("link")
        XCTAssertEqual(symlink(target, link), 0)
        expectRefused(link, "a link to a 0644 file")
        // A config file written a secret (set --profile-location .../config) follows the same rule; a config edit
        // that writes no secret keeps working on a 0644 file, keeping its mode.
        let config = try directory.write("[profile a]\nregion = x\n", to: "config")
        chmod(config, 0o644)
        expectRefused(config, "a 0644 config given a secret", kind: .config)
        try SharedFileEditor.edit(path: config, kind: .config) {
            try $0.setValue("y", forKey: "region", inProfile: "a")
        }
        XCTAssertEqual(try directory.read("config"), "[profile a]\nregion = y\n")
        // The private file itself is edited as always.
        let private0600 = try directory.write(Self.secretLine, to: "private")
        try setSecret(private0600)
        XCTAssertTrue(try directory.read("private").contains("[victim]"))
    }

    func testASecretIsNotWrittenIntoAnotherUsersFileOrDirectory() throws {
        try MissingPeer.requireRoot("the planted-file tests (they chown files to another uid)")
        let directory = try TemporaryDirectory()
        let planted = try directory.write(Self.secretLine, to: "planted/credentials")
        XCTAssertEqual(chown(planted, Self.otherUID, Self.otherUID), 0)
        expectRefused(planted, "a 0600 file another user owns")

        // A directory another user owns (even 0755: they can chmod it), or one others may write without the sticky
        // bit: the file does not exist yet, so the new file would be ours and 0600, but it could be swapped.
        let foreign = directory.file("foreign")
        XCTAssertEqual(mkdir(foreign, 0o755), 0)
        XCTAssertEqual(chown(foreign, Self.otherUID, Self.otherUID), 0)
        expectRefused(foreign + "/credentials", "a directory another user owns")
        XCTAssertFalse(FileManager.default.fileExists(atPath: foreign + "/credentials"))
        let open = directory.file("open")
        XCTAssertEqual(mkdir(open, 0o777), 0)
        chmod(open, 0o777)
        expectRefused(open + "/credentials", "a world-writable directory")
        XCTAssertFalse(FileManager.default.fileExists(atPath: open + "/credentials"))

        // Sticky and world-writable, as /tmp: nobody can rename or remove our file there, so a new file is fine.
        let sticky = directory.file("sticky")
        XCTAssertEqual(mkdir(sticky, 0o777), 0)
        chmod(sticky, 0o1777)
        try setSecret(sticky + "/credentials")
        var info = stat()
        XCTAssertEqual(stat(sticky + "/credentials", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testReadingACredentialsFileOthersCanReadWarnsOnce() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.secretLine, to: "credentials")
        var warnings: [SharedFileWarnings.Warning] = []
        SharedFileWarnings.handler = { warnings.append($0) }
        defer { SharedFileWarnings.handler = nil }
        _ = try ProfileFile.load(path: path, kind: .credentials)
        XCTAssertEqual(warnings, [], "a 0600 file reads silently")
        chmod(path, 0o644)
        let file = try ProfileFile.load(path: path, kind: .credentials)
        XCTAssertEqual(file.profileNames, ["default"], "it is still read")
        XCTAssertEqual(warnings, [.readableByOthers(path: path, mode: 0o644)])
        XCTAssertFalse(warnings.first?.message.contains("wJalr") ?? false)
    }

    // MARK: - Item 4: read like the store

    func testDevicesFIFOsAndDirectoriesAreRefusedWithoutBlocking() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let started = Date()
        for path in ["/dev/zero", fifo, directory.path] {
            XCTAssertThrowsError(try ProfileFile.load(path: path, kind: .credentials), path) { error in
                XCTAssertEqual((error as? SharedFileError)?.code, .notRegularFile, "\(path): \(error)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "a FIFO with no writer must not block the read")
        XCTAssertThrowsError(try setSecret(fifo)) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .notRegularFile, "\(error)")
        }
    }

    func testAFileOverTheSizeCapIsRefusedUnread() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("", to: "huge")
        XCTAssertEqual(truncate(path, off_t(FileSystem.maximumFileSize + 1)), 0)  // sparse: no disk used
        XCTAssertThrowsError(try ProfileFile.load(path: path, kind: .credentials)) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .fileTooLarge, "\(error)")
        }
        XCTAssertLessThan(FileSystem.maximumFileSize, LineClassifier.maximumLineLength)
    }

    // MARK: - Item 5: a line of 2 GiB or more

    /// A header line of 2 GiB + 1 byte, in address space that costs no memory (untouched anonymous pages read as
    /// zeros): refused with a syntax problem, where the 32-bit offset conversion used to trap.
    func testALineOf2GiBIsRefusedNotTrapped() throws {
        let length = Int(Int32.max) + 2
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let base = mapped, base != MAP_FAILED else { throw XCTSkip("no 2 GiB of address space") }
        defer { munmap(base, length) }
        let bytes = base.bindMemory(to: UInt8.self, capacity: length)
        bytes[0] = UInt8(ascii: "[")
        bytes[length - 1] = UInt8(ascii: "]")
        var headers: [SectionHeader] = []
        XCTAssertThrowsError(try LineClassifier.classify(
            UnsafeBufferPointer(start: bytes, count: length), start: 0, length: length, lineNumber: 1,
            kind: .credentials, headers: &headers, checkUTF8: false)) { error in
            XCTAssertEqual((error as? SyntaxProblem)?.line, 1)
        }
    }
}
