import XCTest
@testable import SecureStore

final class SecureStorePlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
