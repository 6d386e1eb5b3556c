import Foundation
import XCTest
@testable import SecureStore

/// Published test vectors through our own libcrypto bindings.
final class CryptoVectorTests: XCTestCase {
    private func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try Fixtures.conformance(relative))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testWycheproofAES256GCM() throws {
        let root = try json("aes-gcm/aes_gcm_test.json")
        let groups = try XCTUnwrap(root["testGroups"] as? [[String: Any]]).filter {
            $0["keySize"] as? Int == 256 && $0["ivSize"] as? Int == 96 && $0["tagSize"] as? Int == 128
        }
        var valid = 0
        var invalid = 0
        for group in groups {
            for test in try XCTUnwrap(group["tests"] as? [[String: Any]]) {
                let id = test["tcId"] as? Int ?? -1
                let key = SecretBytes(Fixtures.hex(test["key"] as! String))
                let iv = Fixtures.hex(test["iv"] as! String)
                let aad = Fixtures.hex(test["aad"] as! String)
                let message = Fixtures.hex(test["msg"] as! String)
                let sealed = Fixtures.hex(test["ct"] as! String) + Fixtures.hex(test["tag"] as! String)
                let opened = try AESGCM.open(key: key, nonce: iv, sealed: sealed, aad: aad)
                if test["result"] as? String == "valid" {
                    valid += 1
                    XCTAssertEqual(opened?.withUnsafeBytes { Array($0) }, message, "tcId \(id) should open")
                    let resealed = try message.withUnsafeBytes {
                        try AESGCM.seal(key: key, nonce: iv, plaintext: $0, aad: aad)
                    }
                    XCTAssertEqual(resealed, sealed, "tcId \(id) should seal to the vector")
                } else {
                    invalid += 1
                    XCTAssertNil(opened, "tcId \(id) must be rejected")
                }
            }
        }
        XCTAssertEqual(valid, 39)
        XCTAssertEqual(invalid, 27)
    }

    func testRFC7914ScryptAndPBKDF2() throws {
        let root = try json("kdf/rfc7914_scrypt_pbkdf2.json")
        var ran = 0
        for vector in try XCTUnwrap(root["scrypt"] as? [[String: Any]]) {
            let n = try XCTUnwrap(vector["N"] as? Int)
            let r = try XCTUnwrap(vector["r"] as? Int)
            // 2^20 needs 1 GiB and several seconds on a shared 2-core machine: not cheap, so not run.
            guard n * r <= 1 << 17 else { continue }
            let output = try KDF.scrypt(password: SecretBytes(Fixtures.hex(vector["password"] as! String)),
                                        salt: Fixtures.hex(vector["salt"] as! String), n: UInt64(n), r: UInt32(r),
                                        p: UInt32(vector["p"] as! Int), length: vector["dkLen"] as! Int)
            XCTAssertEqual(output.withUnsafeBytes { Array($0) }, Fixtures.hex(vector["dk"] as! String),
                           "\(vector["name"] ?? "")")
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 3)
        for vector in try XCTUnwrap(root["pbkdf2_hmac_sha256"] as? [[String: Any]]) {
            let output = try KDF.pbkdf2SHA256(password: SecretBytes(Fixtures.hex(vector["password"] as! String)),
                                              salt: Fixtures.hex(vector["salt"] as! String),
                                              iterations: UInt64(vector["iterations"] as! Int),
                                              length: vector["dkLen"] as! Int)
            XCTAssertEqual(output.withUnsafeBytes { Array($0) }, Fixtures.hex(vector["dk"] as! String))
        }
    }

    func testWycheproofPBKDF2HMACSHA256() throws {
        let root = try json("kdf/pbkdf2_hmacsha256_test.json")
        var count = 0
        for group in try XCTUnwrap(root["testGroups"] as? [[String: Any]]) {
            for test in try XCTUnwrap(group["tests"] as? [[String: Any]]) {
                let output = try KDF.pbkdf2SHA256(password: SecretBytes(Fixtures.hex(test["password"] as! String)),
                                                  salt: Fixtures.hex(test["salt"] as! String),
                                                  iterations: UInt64(test["iterationCount"] as! Int),
                                                  length: test["dkLen"] as! Int)
                XCTAssertEqual(output.withUnsafeBytes { Array($0) }, Fixtures.hex(test["dk"] as! String),
                               "tcId \(test["tcId"] ?? "")")
                count += 1
            }
        }
        XCTAssertEqual(count, 60)
    }

    /// RFC 5869 Appendix A, test cases 1–3 (the SHA-256 ones), transcribed from the RFC.
    func testRFC5869HKDFSHA256() throws {
        let cases: [(ikm: String, salt: String, info: String, length: Int, okm: String)] = [
            ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
             "f0f1f2f3f4f5f6f7f8f9", 42,
             "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
            ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                + "404142434445464748494a4b4c4d4e4f",
             "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                + "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                + "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
             "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
                + "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
                + "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
             82,
             "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                + "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
            ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
             "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
        ]
        for (number, vector) in cases.enumerated() {
            let okm = try KDF.hkdfSHA256(key: SecretBytes(Fixtures.hex(vector.ikm)), salt: Fixtures.hex(vector.salt),
                                         info: Fixtures.hex(vector.info), length: vector.length)
            XCTAssertEqual(okm.withUnsafeBytes { Array($0) }, Fixtures.hex(vector.okm), "RFC 5869 case \(number + 1)")
        }
    }

    func testSealedOutputNeverOpensWithAnotherKeyNonceOrAAD() throws {
        let key = try Random.secret(32)
        let nonce = try Random.bytes(12)
        let sealed = try AESGCM.seal(key: key, nonce: nonce, plaintext: SecretBytes(utf8: "secret"), aad: [1, 2])
        XCTAssertNotNil(try AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: [1, 2]))
        XCTAssertNil(try AESGCM.open(key: try Random.secret(32), nonce: nonce, sealed: sealed, aad: [1, 2]))
        XCTAssertNil(try AESGCM.open(key: key, nonce: try Random.bytes(12), sealed: sealed, aad: [1, 2]))
        XCTAssertNil(try AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: [1, 3]))
        XCTAssertTrue(OpenSSLErrorQueue.drain().isEmpty, "a failed tag check must not leave errors queued")
    }

    /// A key set up once (as a save re-encrypting every record uses it) gives, message after message, exactly what a
    /// fresh context gives, and keeps working after a message whose tag fails.
    func testOneKeyContextSealsAndOpensManyMessages() throws {
        let key = try Random.secret(32)
        let sealer = try AESGCMKey(key, for: .encryption)
        let opener = try AESGCMKey(key, for: .decryption)
        for index in 0..<20 {
            let nonce = try Random.bytes(12)
            let plaintext = SecretBytes(utf8: String(repeating: "record \(index) ", count: index))
            let aad: [UInt8] = [UInt8(index), 7]
            let sealed = try sealer.seal(nonce: nonce, plaintext: plaintext, aad: aad)
            XCTAssertEqual(sealed, try AESGCM.seal(key: key, nonce: nonce, plaintext: plaintext, aad: aad))
            var damaged = sealed
            damaged[damaged.count - 1] ^= 1
            XCTAssertNil(try aad.withUnsafeBytes { try opener.open(nonce: nonce, sealed: damaged, aad: $0) })
            XCTAssertEqual(try aad.withUnsafeBytes { try opener.open(nonce: nonce, sealed: sealed, aad: $0) },
                           plaintext, "message \(index)")
        }
        XCTAssertTrue(OpenSSLErrorQueue.drain().isEmpty)
    }
}
