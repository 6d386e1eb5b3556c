import Foundation
import TestSupport
import XCTest

/// What a run of the binary (or a peer) produced.
typealias CLIResult = ProcessResult

/// Locates and runs the `credstore` executable built next to this test bundle.
enum CLI {
    /// The built binary: SwiftPM puts it in the same directory as the test bundle.
    static var executable: URL {
        // Scripts/test runs the tests whose bug shows only in optimised code against the release binary this way.
        if let binary = ProcessInfo.processInfo.environment["CREDSTORE_TEST_BINARY"], !binary.isEmpty {
            return URL(fileURLWithPath: binary)
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = exe.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("credstore")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("credstore binary not found next to \(exe.path); build it with `swift build` first")
    }

    /// Runs `credstore ARGS…` with `environment`, feeding `stdin` (or /dev/null), and waits for it to exit.
    @discardableResult
    static func run(
        _ arguments: [String],
        environment: [String: String],
        stdin: String? = nil,
        currentDirectory: String? = nil
    ) throws -> CLIResult {
        // `setsid` detaches the run from the developer's terminal, so a command that would prompt on /dev/tty fails
        // (exit 83) as it does in CI instead of waiting for input. setsid execs in place: the PID is credstore's.
        let setsid = URL(fileURLWithPath: "/usr/bin/setsid")
        guard FileManager.default.isExecutableFile(atPath: setsid.path) else {
            return try runProcess(executable, arguments, environment: environment, stdin: stdin.map { Data($0.utf8) },
                                  currentDirectory: currentDirectory)
        }
        return try runProcess(setsid, ["-w", executable.path] + arguments, environment: environment,
                              stdin: stdin.map { Data($0.utf8) }, currentDirectory: currentDirectory)
    }

    /// Runs any executable the same way (used for peers such as python3 and aws).
    static func runProcess(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String],
        stdin: Data? = nil,
        currentDirectory: String? = nil
    ) throws -> CLIResult {
        try ProcessRunner.run(executable, arguments, environment: environment, stdin: stdin,
                              currentDirectory: currentDirectory)
    }

    /// Finds a program on PATH (for peers like `python3` and `aws`).
    static func which(_ name: String) -> URL? { ProcessRunner.which(name) }
}

final class CLIBasicsTests: XCTestCase {
    func testHelpAndVersion() throws {
        let home = try TemporaryHome()
        let help = try CLI.run(["--help"], environment: home.environment)
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("encrypted"), help.stdout)
        let version = try CLI.run(["--version"], environment: home.environment)
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    func testUnknownCommandIsAUsageError() throws {
        let home = try TemporaryHome()
        let result = try CLI.run(["no-such-command"], environment: home.environment)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("error:"), result.stderr)
    }
}

extension TerminalSession {
    /// Starts the built `credstore ARGS…` on a pseudo-terminal of its own.
    convenience init(_ arguments: [String], environment: [String: String]) throws {
        try self.init(executable: CLI.executable.path, arguments, environment: environment)
    }
}
