import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// Things that are not a store where a store should be: a FIFO with no writer, /dev/zero, a 1 GiB sparse file, a
/// directory, a symlink. Each is refused with its own error at once, reading (almost) nothing: the bytes this
/// process reads are measured through /proc/self/io. (Byte flips, truncations and appended bytes of a real store are
/// in EncryptedStoreTests.)
final class HostileInputStoreTests: XCTestCase {
    /// The bytes this process has read so far (`rchar`: every read(2), whatever the file).
    private func bytesRead() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("rchar:") }
        return line.flatMap { Int($0.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    private func expect(_ path: String, _ code: SecureStoreError.Code, _ what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        let key = SecretBytes(Array(repeating: 7, count: 32))
        let before = bytesRead()
        let started = Date()
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.open(at: path, with: .keyFile(key)) }, code, what,
                       file: file, line: line)
        XCTAssertEqual(Fixtures.code { _ = try EncryptedStore.profileNames(at: path) }, code, what,
                       file: file, line: line)
        XCTAssertEqual(Fixtures.code { _ = try KeyFile.read(at: path) }, code == .corrupt ? .invalidArgument : code,
                       what, file: file, line: line)
        // /proc/self/io itself is read twice; anything near a store's maximum size would show.
        XCTAssertLessThan(bytesRead() - before, 64 * 1024, "\(what): read without bound", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "\(what): took too long", file: file, line: line)
    }

    func testNonStoresAreRefusedWithoutReadingThem() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        expect(fifo, .unsafePermissions, "a FIFO with no writer")

        expect("/dev/zero", .unsafePermissions, "/dev/zero")

        let huge = directory.file("huge")
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil,
                                                     attributes: [.posixPermissions: 0o600]))
        XCTAssertEqual(truncate(huge, 1 << 30), 0, "a 1 GiB sparse file")
        expect(huge, .corrupt, "a 1 GiB sparse file")

        expect(directory.path, .unsafePermissions, "a directory")

        let link = directory.file("link")
        XCTAssertEqual(symlink("/dev/zero", link), 0)
        expect(link, .unsafePermissions, "a symlink to /dev/zero")

        let empty = directory.file("empty")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: nil,
                                                     attributes: [.posixPermissions: 0o600]))
        expect(empty, .corrupt, "an empty file")
    }

    /// A FIFO with a writer that never stops must not be read either (it is not a regular file).
    func testAFIFOWithAnEndlessWriterIsRefused() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat /dev/zero > '\(fifo)'"]
        try writer.run()
        defer {
            writer.terminate()
            writer.waitUntilExit()
        }
        expect(fifo, .unsafePermissions, "a FIFO fed from /dev/zero")
    }
}
