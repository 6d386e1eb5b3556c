import XCTest
@testable import SecureStore

final class SecretBytesTests: XCTestCase {
    func testNeverPrints() {
        let secret = SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        XCTAssertEqual("\(secret)", "<redacted>")
        XCTAssertEqual(String(reflecting: secret), "SecretBytes(<redacted>)")
        var dumped = ""
        dump(secret, to: &dumped)
        XCTAssertFalse(dumped.contains("EXAMPLEKEY"), dumped)
    }

    func testEqualityAndCopyOnWrite() {
        let original = SecretBytes([1, 2, 3])
        var copy = original
        XCTAssertEqual(original, copy)
        copy.withUnsafeMutableBytes { $0[0] = 9 }
        XCTAssertNotEqual(original, copy)
        XCTAssertEqual(original.withUnsafeBytes { Array($0) }, [1, 2, 3])
        XCTAssertNotEqual(SecretBytes([1, 2]), SecretBytes([1, 2, 3]))
    }

    func testUTF8RoundTripAndAppend() {
        let secret = SecretBytes(utf8: "pässword")
        XCTAssertEqual(secret.unsafeUTF8String(), "pässword")
        XCTAssertNil(SecretBytes([0xff, 0xfe]).unsafeUTF8String())
        XCTAssertEqual(SecretBytes([1]).appending(SecretBytes([2, 3])), SecretBytes([1, 2, 3]))
        XCTAssertTrue(SecretBytes(zeroedCount: 0).isEmpty)
    }

    func testPrivateRandomComesFromLibcrypto() {
        var first = SecretBytes(zeroedCount: 32)
        var second = SecretBytes(zeroedCount: 32)
        XCTAssertTrue(first.withUnsafeMutableBytes { SecureMemory.fillPrivateRandom($0) })
        XCTAssertTrue(second.withUnsafeMutableBytes { SecureMemory.fillPrivateRandom($0) })
        XCTAssertNotEqual(first, second)
        XCTAssertNotEqual(first, SecretBytes(zeroedCount: 32))
    }
}
