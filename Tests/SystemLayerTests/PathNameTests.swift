import XCTest
import SystemLayer

/// `PathName` must behave like `NSString`'s path helpers it replaced (the binary no longer links Foundation).
final class PathNameTests: XCTestCase {
    func testParentAndLastComponentMatchNSStringSemantics() {
        let cases: [(path: String, parent: String, last: String)] = [
            ("/a/b", "/a", "b"), ("/a", "/", "a"), ("a", "", "a"), ("/a/b/", "/a", "b"), ("/", "/", "/"),
            ("a/b", "a", "b"), ("/a//b", "/a", "b"), ("/home/u/.local/share/credstore/store",
                                                     "/home/u/.local/share/credstore", "store"),
        ]
        for item in cases {
            XCTAssertEqual(PathName.parent(of: item.path), item.parent, "parent of \(item.path)")
            XCTAssertEqual(PathName.last(of: item.path), item.last, "last of \(item.path)")
        }
    }
}
