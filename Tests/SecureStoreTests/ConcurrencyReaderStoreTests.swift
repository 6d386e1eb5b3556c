import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// A reader looping while 1,000 saves replace the store never sees a missing file, a partial file or an error:
/// saves are rename-based, so every open finds a whole old or whole new store.
final class ConcurrencyReaderStoreTests: XCTestCase {
    func testAReaderNeverSeesAMissingOrPartialStoreDuring1000Saves() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store")
        let key = try KeyFile.generate(at: directory.file("store.key"))
        let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key)], policy: Fixtures.cheap)
        try store.set(Fixtures.profile("keep"))

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
                do {
                    // Names only (parse and checksum) most of the time; a full unlock and decrypt every 10th read.
                    let names = try EncryptedStore.profileNames(at: path)
                    tally.lock.lock()
                    let full = tally.reads % 10 == 0
                    tally.lock.unlock()
                    let opened = full ? try EncryptedStore.open(at: path, with: .keyFile(key), policy: Fixtures.cheap)
                        : nil
                    guard names.first == "keep", try !full || opened?.profile(named: "keep") != nil else {
                        throw SecureStoreError(.corrupt, "the keep profile is missing: \(names)")
                    }
                    tally.lock.lock()
                    tally.reads += 1
                    tally.lock.unlock()
                } catch {
                    tally.lock.lock()
                    tally.failures.append("\(error)")
                    tally.lock.unlock()
                }
            }
        }
        reader.start()
        for save in 1...1000 {
            try store.set(StoredProfile(name: "moving", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                        secretAccessKey: SecretBytes(utf8: Fixtures.secretAccessKey),
                                        settings: ["save": String(save)]))
        }
        tally.lock.lock()
        tally.done = true
        tally.lock.unlock()
        while !reader.isFinished { usleep(1_000) }
        XCTAssertEqual(tally.failures.prefix(5), [], "\(tally.failures.count) failed reads")
        XCTAssertGreaterThan(tally.reads, 50, "the reader really ran alongside the saves")
        print("reader: \(tally.reads) reads during 1000 saves, \(tally.failures.count) failures")
    }
}
