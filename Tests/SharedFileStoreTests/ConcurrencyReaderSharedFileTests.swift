import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore

/// A reader looping while 1,000 edits replace a shared file never sees a missing file or a parse error.
final class ConcurrencyReaderSharedFileTests: XCTestCase {
    func testAReaderNeverSeesAMissingOrPartialFileDuring1000Edits() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("# comment\n[keep]\nregion = eu-west-1\n", to: "credentials")

        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var reads = 0
            var failures: [String] = []
            var done = false
        }
        let tally = Tally()
        let reader = Thread {
            while true {
                usleep(100)  // leave the CPU to the writer; thousands of reads still interleave
                tally.lock.lock()
                let done = tally.done
                tally.lock.unlock()
                if done { break }
                var failure: String?
                if !FileManager.default.fileExists(atPath: path) {
                    failure = "the file was missing"
                } else {
                    do {
                        let file = try ProfileFile.load(path: path, kind: .credentials)
                        if file.value(forKey: "region", inProfile: "keep") != .string("eu-west-1") {
                            failure = "the keep profile is missing"
                        }
                    } catch {
                        failure = "\(error)"
                    }
                }
                tally.lock.lock()
                tally.reads += 1
                if let failure { tally.failures.append(failure) }
                tally.lock.unlock()
            }
        }
        reader.start()
        for edit in 1...1000 {
            try SharedFileEditor.edit(path: path, kind: .credentials) { file in
                // Alternate growing and shrinking, so a torn read would show up as a parse error or lost profile.
                if edit % 2 == 0 {
                    _ = try file.removeProfile("moving")
                } else {
                    try file.setValue(String(repeating: "x", count: edit), forKey: "note", inProfile: "moving")
                }
            }
        }
        tally.lock.lock()
        tally.done = true
        tally.lock.unlock()
        while !reader.isFinished { usleep(1_000) }
        XCTAssertEqual(tally.failures.prefix(5), [], "\(tally.failures.count) failed reads")
        XCTAssertGreaterThan(tally.reads, 50, "the reader really ran alongside the edits")
        print("reader: \(tally.reads) reads during 1000 edits, \(tally.failures.count) failures")
    }
}
