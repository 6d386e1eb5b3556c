import Foundation
import XCTest

/// Runs the built `credstore` binary in a throwaway HOME, so end-to-end tests never see the real `~/.aws` or store.
final class TemporaryHome {
    /// The temporary HOME directory; removed by `deinit`.
    let url: URL
    var path: String { url.path }

    init() throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        url = base.appendingPathComponent("credstore-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The environment a child sees: PATH, HOME and XDG dirs inside the temporary HOME, and nothing from AWS_* or
    /// CREDSTORE_* of the parent.
    var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": path,
            "XDG_DATA_HOME": path + "/.local/share",
            "XDG_CONFIG_HOME": path + "/.config",
            "XDG_RUNTIME_DIR": path + "/run",
            "LANG": "C.UTF-8",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// Writes `contents` to `relativePath` under HOME, creating parent directories.
    @discardableResult
    func write(_ contents: String, to relativePath: String) throws -> String {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        // Private, as the AWS CLI creates its files: credstore refuses to write a secret into a file others can read.
        chmod(file.path, 0o600)
        return file.path
    }

    /// Reads `relativePath` under HOME as UTF-8.
    func read(_ relativePath: String) throws -> String {
        String(decoding: try Data(contentsOf: url.appendingPathComponent(relativePath)), as: UTF8.self)
    }
}

/// What a run of the binary produced.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the process exited or was killed by a signal (then `status` is the signal number).
    var reason: Process.TerminationReason = .exit
    /// The PID it ran as.
    var pid: Int32 = 0
}

/// Locates and runs the `credstore` executable built next to this test bundle.
enum CLI {
    /// The built binary: SwiftPM puts it in the same directory as the test bundle.
    static var executable: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = exe.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("credstore")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = stdin == nil ? FileHandle(forReadingAtPath: "/dev/null") : inPipe
        try process.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(stdin)
            try inPipe.fileHandleForWriting.close()
        }
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            reason: process.terminationReason,
            pid: process.processIdentifier
        )
    }

    /// Finds a program on PATH (for peers like `python3` and `aws`).
    static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
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
