import XCTest
@testable import SecureStore

/// SHA-256 (FIPS 180-4 / NIST CAVP examples) and HMAC-SHA256 (RFC 4231 test cases 1–7) through our libcrypto
/// bindings, which AWS Signature Version 4 is built on.
final class DigestVectorTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testSHA256NISTExamples() throws {
        let cases: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ([UInt8](repeating: 0x61, count: 1_000_000),
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for (message, expected) in cases {
            XCTAssertEqual(hex(try SHA256Digest.hash(message)), expected, "SHA-256 of \(message.count) bytes")
            XCTAssertEqual(hex(try SHA256Digest.hash(SecretBytes(message))), expected, "SHA-256 of a secret")
        }
    }

    func testHMACSHA256RFC4231() throws {
        let large = [UInt8](repeating: 0xaa, count: 131)
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            // Test case 5 publishes the first 128 bits only.
            ([UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
             "a3b6167473100ee06e0c796c2955552b"),
            (large, Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (large, Array(("This is a test using a larger than block-size key and a larger than block-size data. The "
                           + "key needs to be hashed before being used by the HMAC algorithm.").utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (index, item) in cases.enumerated() {
            let mac = try HMACSHA256.authenticationCode(key: SecretBytes(item.key), message: item.data)
            let full = hex(mac.withUnsafeBytes { Array($0) })
            XCTAssertEqual(String(full.prefix(item.mac.count)), item.mac, "RFC 4231 test case \(index + 1)")
            XCTAssertEqual(mac.count, 32)
        }
    }
}
