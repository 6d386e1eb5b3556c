import XCTest
@testable import CredentialLookup

final class CredentialLookupPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
