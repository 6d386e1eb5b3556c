import XCTest
@testable import SecureStore

/// Passphrases are normalised to NFC by the standard library alone (the binary no longer links Foundation).
final class PassphraseNormalizationTests: XCTestCase {
    func testPassphrasesAreNormalisedToNFCWithoutFoundation() throws {
        let composed = try Passphrase.normalize(SecretBytes(utf8: "caf\u{E9}"))
        let decomposed = try Passphrase.normalize(SecretBytes(utf8: "cafe\u{301}"))
        XCTAssertEqual(composed, decomposed)
        XCTAssertEqual(decomposed.withUnsafeBytes { Array($0) }, Array("caf\u{E9}".utf8))
    }
}
