import FoundationEssentials
import Glibc
import SecureStore
import SystemLayer

/// Runs a `credential_process` program without a shell: `posix_spawn`, stdin from `/dev/null`, stdout captured into a
/// secret buffer of bounded size, stderr kept (bounded) for error messages, and a timeout after which it is killed.
package struct CredentialProcessRunner {
    /// The environment variable that counts nested credential programs, to stop a profile whose
    /// `credential_process` runs credstore for that same profile from recursing forever. `package` so that
    /// `credstore export` reads the same name.
    package static let depthVariable = "CREDSTORE_CREDENTIAL_PROCESS_DEPTH"
    /// How deep credential programs may nest before credstore refuses to start another.
    static let maximumDepth = 3
    /// How much of the program's stderr is kept for the error message.
    static let stderrLimit = 2048

    var environment: [String: String]
    var timeout: Double
    /// The clock the timeout is measured on.
    var clock: any Clock = MonotonicClock()

    enum Outcome {
        case success(stdout: SecretBytes)
        case failure(CredentialLookupError.ProcessFailure)
    }

    /// Runs `arguments` (program first) and returns its stdout when it exits with status 0.
    func run(_ arguments: [String]) -> Outcome {
        precondition(!arguments.isEmpty, "the caller rejects an empty command line")
        let depth = Int(environment[Self.depthVariable] ?? "") ?? 0
        guard depth < Self.maximumDepth else { return .failure(.loop(depth: depth)) }
        guard let path = resolveExecutable(arguments[0]) else {
            return .failure(.notFound(searchPath: searchPath))
        }

        var childEnvironment = environment
        childEnvironment[Self.depthVariable] = String(depth + 1)

        let outPipe: (read: Int32, write: Int32)
        let errPipe: (read: Int32, write: Int32)
        do {
            outPipe = try Syscalls.pipe()
        } catch {
            return .failure(.spawn(errno: error.rawValue))
        }
        do {
            errPipe = try Syscalls.pipe()
        } catch {
            close(outPipe.read); close(outPipe.write)
            return .failure(.spawn(errno: error.rawValue))
        }
        defer {
            close(outPipe.read)
            close(errPipe.read)
        }

        let spawned = Result { () throws(Errno) in
            try Spawn.spawn(path, arguments: arguments, environment: childEnvironment, standardInput: .null,
                            standardOutput: .descriptor(outPipe.write), standardError: .descriptor(errPipe.write))
        }
        // Our copies of the write ends go now, so end of file on the pipes means the program (and anything it
        // started) closed theirs.
        close(outPipe.write)
        close(errPipe.write)
        let pid: pid_t
        switch spawned {
        case .success(let child): pid = child
        case .failure(let error): return .failure(.spawn(errno: error.rawValue))
        }

        let deadline = clock.now + timeout
        var stdout = SecretBytes(zeroedCount: CredentialProcessReply.maximumSize + 1)
        var stdoutCount = 0
        var stderr: [UInt8] = []
        var open = (out: true, err: true)
        var scratch = [UInt8](repeating: 0, count: 4096)

        while open.out || open.err {
            let remaining = deadline - clock.now
            guard remaining > 0 else { return outputStillOpen(pid, stderr: Self.trim(stderr)) }
            var fds = [pollfd(fd: open.out ? outPipe.read : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open.err ? errPipe.read : -1, events: Int16(POLLIN), revents: 0)]
            do {
                _ = try Syscalls.poll(&fds, milliseconds: Int32(min(remaining * 1000 + 1, 60_000)), clock: clock)
            } catch {
                return killed(pid, .spawn(errno: error.rawValue))
            }
            if open.out && fds[0].revents != 0 {
                let count = stdout.withUnsafeMutableBytes { buffer in
                    Self.readAvailable(outPipe.read, UnsafeMutableRawBufferPointer(rebasing: buffer[stdoutCount...]))
                }
                if let count, count > 0 {
                    stdoutCount += count
                    if stdoutCount > CredentialProcessReply.maximumSize {
                        return killed(pid, .outputTooLarge(limit: CredentialProcessReply.maximumSize))
                    }
                } else if count == 0 {
                    open.out = false
                }
            }
            if open.err && fds[1].revents != 0 {
                let count = scratch.withUnsafeMutableBytes { Self.readAvailable(errPipe.read, $0) }
                if let count, count > 0 {
                    // Keep only the beginning; keep draining so the program never blocks on a full pipe.
                    stderr.append(contentsOf: scratch[0..<min(count, max(0, Self.stderrLimit - stderr.count))])
                } else if count == 0 {
                    open.err = false
                }
            }
        }

        // Both pipes are closed; the program normally exits right after, but it may linger.
        var status: Int32 = 0
        while true {
            do {
                let result = try Syscalls.waitpid(pid, options: WNOHANG)
                if result.pid == pid {
                    status = result.status
                    break
                }
            } catch {
                return .failure(.spawn(errno: error.rawValue))
            }
            if clock.now >= deadline {
                return killed(pid, .timeout(seconds: timeout, stderr: Self.trim(stderr)))
            }
            clock.sleep(seconds: 0.002)
        }
        switch ProcessTermination(waitStatus: status) {
        case .signaled(let signal):
            return .failure(.signal(signal, stderr: Self.trim(stderr)))
        case .exited(let exitStatus):
            guard exitStatus == 0 else { return .failure(.exit(status: exitStatus, stderr: Self.trim(stderr))) }
        }

        var output = SecretBytes(zeroedCount: stdoutCount)
        output.withUnsafeMutableBytes { target in
            stdout.withUnsafeBytes { source in
                guard stdoutCount > 0 else { return }
                target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: stdoutCount)
            }
        }
        return .success(stdout: output)
    }

    /// One `read` of what a pipe holds: the byte count (0 at end of file, or on a failure, which ends that pipe
    /// too), or `nil` when nothing is there yet (`EAGAIN`).
    private static func readAvailable(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int? {
        do {
            return try Syscalls.read(fd, buffer)
        } catch {
            return error == .wouldBlock ? nil : 0
        }
    }

    /// At the deadline with a pipe still open: either the program is still running (a timeout), or it has exited
    /// and something it started in the background holds its stdout or stderr (still a failure, but not its fault
    /// in the same way, and "did not finish" would send the user looking in the wrong place).
    private func outputStillOpen(_ pid: pid_t, stderr: String) -> Outcome {
        guard let result = try? Syscalls.waitpid(pid, options: WNOHANG), result.pid == pid else {
            return killed(pid, .timeout(seconds: timeout, stderr: stderr))
        }
        switch ProcessTermination(waitStatus: result.status) {
        case .signaled(let signal): return .failure(.signal(signal, stderr: stderr))
        case .exited(let status): return .failure(.outputHeldOpen(status: status, seconds: timeout, stderr: stderr))
        }
    }

    private func killed(_ pid: pid_t, _ failure: CredentialLookupError.ProcessFailure) -> Outcome {
        kill(pid, SIGKILL)
        _ = try? Syscalls.waitpid(pid)
        return .failure(failure)
    }

    private var searchPath: String {
        ExecutableSearch.searchPath(in: environment)
    }

    /// Finds the program like `execvp` would, but in the lookup's environment rather than the process's.
    private func resolveExecutable(_ program: String) -> String? {
        ExecutableSearch.firstExecutable(program, searchPath: searchPath)
    }

    /// The program's stderr as one bounded line: valid UTF-8, control characters escaped (`TerminalText`), lines
    /// joined with " | ".
    static func trim(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in TerminalText.escaped(String(line).trimmingWhitespace()) }
            .filter { !$0.isEmpty }
        var joined = lines.joined(separator: " | ")
        if bytes.count >= stderrLimit || joined.count > 1000 {
            joined = String(joined.prefix(1000)) + " …"
        }
        return joined
    }
}
