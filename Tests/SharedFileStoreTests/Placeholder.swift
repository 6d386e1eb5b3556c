import XCTest
@testable import SharedFileStore

final class SharedFileStorePlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
