import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// A second, independent guard on fresh randomness (the first, `testThousandSavesNeverRepeatANonceOrSalt`, reads
/// files with the code's own parser): here the nonces and salts are read straight from the file bytes by a walker
/// written from FORMAT.md, across the records of one save, across saves, and across two stores with the same content
/// and key file.
final class NonceUniquenessFromBytesTests: XCTestCase {
    /// What FORMAT.md says a version 1 file carries that must never repeat.
    struct Randomness {
        var slotNonces: [[UInt8]] = []
        var slotSalts: [[UInt8]] = []
        var saveSalt: [UInt8] = []
        var recordNonces: [[UInt8]] = []
        var authenticatorNonce: [UInt8] = []
    }

    /// Walks a store file by FORMAT.md's layout; fails the test on anything it does not expect.
    static func walk(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Randomness {
        var offset = 0
        func take(_ count: Int) throws -> [UInt8] {
            guard offset + count <= bytes.count else {
                XCTFail("the file ends at \(bytes.count), inside a field at \(offset)", file: file, line: line)
                throw CocoaError(.fileReadCorruptFile)
            }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        func integer(_ count: Int) throws -> Int { try take(count).reduce(0) { $0 << 8 | Int($1) } }
        var result = Randomness()
        XCTAssertEqual(try take(8), Array("CREDSTOR".utf8), "magic", file: file, line: line)
        XCTAssertEqual(try integer(2), 1, "version", file: file, line: line)
        _ = try take(16)  // store_id: fixed for the store's life
        for _ in 0..<(try integer(1)) {
            let kind = try integer(1)
            _ = try integer(1)  // flags
            let body = try take(try integer(2))
            switch kind {
            case 1:  // log_n u8, r u32, p u32, salt_length u8, salt, nonce 12, wrapped_key 48
                let saltLength = Int(body[9])
                result.slotSalts.append(Array(body[10..<10 + saltLength]))
                result.slotNonces.append(Array(body[10 + saltLength..<22 + saltLength]))
            case 2, 3:  // salt 32, nonce 12, wrapped_key 48
                result.slotSalts.append(Array(body[0..<32]))
                result.slotNonces.append(Array(body[32..<44]))
            default:
                XCTFail("unknown slot kind \(kind)", file: file, line: line)
            }
        }
        result.saveSalt = try take(32)
        for _ in 0..<(try integer(4)) {
            _ = try take(try integer(2))  // name
            result.recordNonces.append(try take(12))
            _ = try take(try integer(4))  // sealed
        }
        result.authenticatorNonce = try take(12)
        _ = try take(16 + 32)  // auth_tag, checksum
        XCTAssertEqual(offset, bytes.count, "the file ends after the checksum", file: file, line: line)
        return result
    }

    func testNoncesAndSaltsReadFromTheBytesNeverRepeat() throws {
        let directory = try TemporaryDirectory()
        let key = try KeyFile.generate(at: directory.file("store.key"))
        var nonces: [[UInt8]: String] = [:]
        var saveSalts: [[UInt8]: String] = [:]
        var checked = 0
        func record(_ value: [UInt8], _ what: String, in seen: inout [[UInt8]: String]) {
            checked += 1
            XCTAssertEqual(value.count, what.hasSuffix("nonce") ? 12 : 32, what)
            if let earlier = seen.updateValue(what, forKey: value) {
                XCTFail("\(what) repeats \(earlier)")
            }
        }
        for storeName in ["first", "second"] {
            let path = directory.file(storeName)
            let store = try EncryptedStore.create(at: path, secrets: [.keyFile(key), .passphrase(Fixtures.passphrase)],
                                                  policy: Fixtures.cheap)
            let created = try Self.walk(try Fixtures.bytes(path))
            XCTAssertEqual(created.slotNonces.count, 2)
            for (index, nonce) in created.slotNonces.enumerated() {
                record(nonce, "\(storeName) slot \(index) nonce", in: &nonces)
            }
            for save in 0..<150 {
                // Several records per save, a different set each time: every save re-seals all of them.
                if save % 5 == 4 {
                    try store.remove(named: "p\((save - 1) % 7)")  // the one the previous save set
                } else {
                    try store.set(Fixtures.profile("p\(save % 7)", settings: ["save": "\(save)"]))
                }
                let walked = try Self.walk(try Fixtures.bytes(path))
                let context = "\(storeName) save \(save)"
                record(walked.saveSalt, "\(context) save salt", in: &saveSalts)
                record(walked.authenticatorNonce, "\(context) authenticator nonce", in: &nonces)
                for (index, nonce) in walked.recordNonces.enumerated() {
                    record(nonce, "\(context) record \(index) nonce", in: &nonces)
                }
                XCTAssertEqual(walked.slotNonces, created.slotNonces, "\(context): a save keeps the slots")
            }
        }
        XCTAssertGreaterThan(checked, 1_500)
    }
}
