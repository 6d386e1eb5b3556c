import XCTest
@testable import AWSAPI
import SecureStore

/// The strict XML reader: what AWS sends parses; what attacks XML readers is refused with a reason that quotes nothing.
final class XMLReaderTests: XCTestCase {
    func parse(_ text: String, reader: XMLReader = XMLReader()) throws -> XMLElement {
        try reader.parse(SecretBytes(utf8: text))
    }

    func assertRefused(_ text: String, _ reason: String, reader: XMLReader = XMLReader(),
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text, reader: reader), file: file, line: line) { error in
            let message = (error as? ResponseSyntaxError)?.reason ?? "\(error)"
            XCTAssertTrue(message.contains(reason), "'\(message)' should say '\(reason)'", file: file, line: line)
            XCTAssertFalse(message.contains("SECRET"), "the reason quotes the document", file: file, line: line)
        }
    }

    func testParsesAnAWSResponse() throws {
        let root = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;</Arn>
                <!-- a comment -->
                <UserId><![CDATA[AIDA<x>]]></UserId>
                <Account>123456789012</Account>
                <a:Prefixed xmlns:a="urn:x" a:attr='1'/>
              </GetCallerIdentityResult>
            </GetCallerIdentityResponse>
            """)
        XCTAssertEqual(root.name, "GetCallerIdentityResponse")
        let result = try XCTUnwrap(root.child("GetCallerIdentityResult"))
        XCTAssertEqual(result.child("Arn")?.string, "arn:aws:iam::123456789012:user/a&b<>\"'AB😀")
        XCTAssertEqual(result.child("UserId")?.string, "AIDA<x>")
        XCTAssertEqual(result.child("Account")?.string, "123456789012")
        XCTAssertNotNil(result.child("Prefixed"))
    }

    func testRefusesDeclarationsAndUnknownEntities() {
        assertRefused("<!DOCTYPE r [<!ENTITY x \"SECRET\">]><r>&x;</r>", "DOCTYPE")
        assertRefused("<r><!ENTITY x \"SECRET\"></r>", "declaration inside an element")
        assertRefused("<r>&x;</r>", "other than the five predefined")
        assertRefused("<r>&nbsp;</r>", "other than the five predefined")
        assertRefused("<r>&#0;</r>", "does not allow")
        assertRefused("<r>&#xD800;</r>", "does not allow")
        assertRefused("<r>&#x110000;</r>", "out of range")
        assertRefused("<r>&amp</r>", "entity reference")
        assertRefused("<r><?pi SECRET?></r>", "processing instruction")
        assertRefused("<?xml version=\"1.0\"?><?other?><r/>", "processing instruction")
    }

    func testRefusesMalformedAndTruncatedDocuments() {
        assertRefused("", "no root element")
        assertRefused("SECRET", "text before the root element")
        assertRefused("<r><a>SECRET</r>", "does not match")
        assertRefused("<r><a>SECRET", "truncated")
        assertRefused("<r>SECRET</r><r/>", "content after the root element")
        assertRefused("<r a=SECRET/>", "unquoted attribute")
        assertRefused("<r a='1' a='2'/>", "repeated attribute")
        assertRefused("<r>\u{01}</r>", "control character")
        assertRefused("<r>]]></r>", "']]>' in text")
        assertRefused("<a:>SECRET</a:>", "qualified name")
        assertRefused("<:a/>", "qualified name")
        assertRefused("<a:b:c/>", "qualified name")
        assertRefused("<Eub:1/>", "qualified name")  // the local part is a name too (found by the fuzzer)
        assertRefused("<a:-b>x</a:-b>", "qualified name")
        XCTAssertThrowsError(try XMLReader().parse(SecretBytes([0x3C, 0x72, 0x3E, 0xFF, 0x3C, 0x2F, 0x72, 0x3E])))
    }

    func testBoundsSizeDepthAndElementCount() throws {
        let deep = String(repeating: "<a>", count: 33) + String(repeating: "</a>", count: 33)
        assertRefused(deep, "nested deeper than 32")
        XCTAssertNoThrow(try parse(String(repeating: "<a>", count: 32) + String(repeating: "</a>", count: 32)))
        assertRefused("<r>" + String(repeating: "x", count: 2000) + "</r>", "larger than 1000 bytes",
                      reader: XMLReader(maxBytes: 1000))
        assertRefused("<r>" + String(repeating: "<e/>", count: 20) + "</r>", "more than 10 elements",
                      reader: XMLReader(maxElements: 10))
        // A billion-laughs style flood of references stays linear: only predefined entities exist.
        let flood = "<r>" + String(repeating: "&amp;", count: 100_000) + "</r>"
        XCTAssertEqual(try parse(flood).text.count, 100_000)
    }
}
