import Foundation
import TestSupport
import XCTest

/// The shared process runner, on the edge that made HostileInputCLITests flaky: a child that exits without reading
/// its standard input.
final class ProcessRunnerTests: XCTestCase {
    func testFeedingStdinToAChildThatDoesNotReadItNeitherKillsNorTrapsTheTestProcess() throws {
        let child = try XCTUnwrap(ProcessRunner.which("true"), "true(1) not on PATH")
        // Far more than a pipe holds (64 KiB), so the write meets the closed pipe: EPIPE, and SIGPIPE unless ignored.
        let input = Data(repeating: 0x61, count: 4 << 20)
        for _ in 1...3 {
            let result = try ProcessRunner.run(child, [], environment: [:], stdin: input)
            XCTAssertEqual(result.status, 0)
            XCTAssertEqual(result.reason, .exit)
        }
    }
}
