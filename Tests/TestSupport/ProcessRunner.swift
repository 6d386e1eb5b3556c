import Foundation

/// What a run of a child process produced.
package struct ProcessResult {
    /// The exit status, or the signal number when `reason` is `.uncaughtSignal`.
    package var status: Int32
    /// Everything it wrote to standard output, as UTF-8.
    package var stdout: String
    /// Everything it wrote to standard error, as UTF-8.
    package var stderr: String
    /// Whether the process exited or was killed by a signal (then `status` is the signal number).
    package var reason: Process.TerminationReason = .exit
    /// The PID it ran as.
    package var pid: Int32 = 0

    /// A result from its parts.
    package init(status: Int32, stdout: String, stderr: String, reason: Process.TerminationReason = .exit,
                 pid: Int32 = 0) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.reason = reason
        self.pid = pid
    }
}

/// Runs programs as children of the test process and collects what they print.
package enum ProcessRunner {
    /// Runs `executable ARGS…` with exactly `environment`, feeding `stdin` (or /dev/null), and waits for it to exit.
    package static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String],
        stdin: Data? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessResult {
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
            // A child may exit (or close its stdin) before reading all of it: the write then fails with EPIPE, which
            // must neither kill the test process with SIGPIPE nor trap; the child's own result is what tests check.
            _ = ignoreSIGPIPE
            try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
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
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            reason: process.terminationReason,
            pid: process.processIdentifier
        )
    }

    /// Ignores SIGPIPE in the test process, once, so that writing to a child that has gone returns EPIPE.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Finds a program on PATH (for peers like `python3`, `aws` and `swift`).
    package static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
