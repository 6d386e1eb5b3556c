import Glibc
import SystemLayer
import TestSupport
import XCTest

/// `ExecutableSearch` is the `execvp` search `credstore exec` and the `credential_process` runner share.
final class ExecutableSearchTests: XCTestCase {
    func testCandidatesFollowExecvp() {
        XCTAssertEqual(ExecutableSearch.candidates(for: "aws", searchPath: "/a::/b"), ["/a/aws", "./aws", "/b/aws"])
        XCTAssertEqual(ExecutableSearch.candidates(for: "./aws", searchPath: "/a"), ["./aws"])
        XCTAssertEqual(ExecutableSearch.searchPath(in: [:]), ExecutableSearch.defaultPath)
        XCTAssertEqual(ExecutableSearch.searchPath(in: ["PATH": "/x"]), "/x")
    }

    func testFirstExecutableSkipsFilesThatCannotRun() throws {
        let directory = try TemporaryDirectory()
        let plain = directory.path + "/plain", runnable = directory.path + "/runnable"
        for (path, mode) in [(plain + "/tool", 0o644), (runnable + "/tool", 0o755)] {
            mkdir(PathName.parent(of: path), 0o700)
            let fd = open(path, O_WRONLY | O_CREAT, mode_t(mode))
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        XCTAssertEqual(ExecutableSearch.firstExecutable("tool", searchPath: plain + ":" + runnable),
                       runnable + "/tool")
        XCTAssertNil(ExecutableSearch.firstExecutable("tool", searchPath: plain))
        XCTAssertNil(ExecutableSearch.firstExecutable("", searchPath: runnable))
    }
}
