#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard Self.makePipe(&outPipe) else { return .failure(.spawn(errno: errno)) }
        guard Self.makePipe(&errPipe) else {
            let saved = errno
            close(outPipe[0]); close(outPipe[1])
            return .failure(.spawn(errno: saved))
        }
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = childEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        var pid: pid_t = 0
        let spawnError = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard spawnError == 0 else { return .failure(.spawn(errno: spawnError)) }

        let deadline = Monotonic.now + timeout
        var stdout = SecretBytes(zeroedCount: CredentialProcessReply.maximumSize + 1)
        var stdoutCount = 0
        var stderr: [UInt8] = []
        var open = (out: true, err: true)
        var scratch = [UInt8](repeating: 0, count: 4096)

        while open.out || open.err {
            let remaining = deadline - Monotonic.now
            guard remaining > 0 else { return outputStillOpen(pid, stderr: Self.trim(stderr)) }
            var fds = [pollfd(fd: open.out ? outPipe[0] : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open.err ? errPipe[0] : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                return killed(pid, .spawn(errno: errno))
            }
            if open.out && fds[0].revents != 0 {
                let room = stdout.count - stdoutCount
                let count = stdout.withUnsafeMutableBytes { buffer in
                    read(outPipe[0], buffer.baseAddress! + stdoutCount, room)
                }
                if count > 0 {
                    stdoutCount += count
                    if stdoutCount > CredentialProcessReply.maximumSize {
                        return killed(pid, .outputTooLarge(limit: CredentialProcessReply.maximumSize))
                    }
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    open.out = false
                }
            }
            if open.err && fds[1].revents != 0 {
                let count = read(errPipe[0], &scratch, scratch.count)
                if count > 0 {
                    // Keep only the beginning; keep draining so the program never blocks on a full pipe.
                    stderr.append(contentsOf: scratch[0..<min(count, max(0, Self.stderrLimit - stderr.count))])
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    open.err = false
                }
            }
        }

        // Both pipes are closed; the program normally exits right after, but it may linger.
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return .failure(.spawn(errno: errno)) }
            if Monotonic.now >= deadline {
                return killed(pid, .timeout(seconds: timeout, stderr: Self.trim(stderr)))
            }
            usleep(2000)
        }
        let termination = status & 0x7F
        if termination != 0 {
            return .failure(.signal(termination, stderr: Self.trim(stderr)))
        }
        let exitStatus = (status >> 8) & 0xFF
        guard exitStatus == 0 else { return .failure(.exit(status: exitStatus, stderr: Self.trim(stderr))) }

        var output = SecretBytes(zeroedCount: stdoutCount)
        output.withUnsafeMutableBytes { target in
            stdout.withUnsafeBytes { source in
                guard stdoutCount > 0 else { return }
                target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: stdoutCount)
            }
        }
        return .success(stdout: output)
    }

    /// A pipe whose ends are close-on-exec, so no other program started later inherits them (`pipe2` is not
    /// visible to Swift on glibc).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// At the deadline with a pipe still open: either the program is still running (a timeout), or it has exited
    /// and something it started in the background holds its stdout or stderr (still a failure, but not its fault
    /// in the same way, and "did not finish" would send the user looking in the wrong place).
    private func outputStillOpen(_ pid: pid_t, stderr: String) -> Outcome {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return killed(pid, .timeout(seconds: timeout, stderr: stderr)) }
        let termination = status & 0x7F
        if termination != 0 { return .failure(.signal(termination, stderr: stderr)) }
        return .failure(.outputHeldOpen(status: (status >> 8) & 0xFF, seconds: timeout, stderr: stderr))
    }

    private func killed(_ pid: pid_t, _ failure: CredentialLookupError.ProcessFailure) -> Outcome {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return .failure(failure)
    }

    private var searchPath: String {
        environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    }

    /// Finds the program like `execvp` would, but in the lookup's environment rather than the process's.
    private func resolveExecutable(_ program: String) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") { return isExecutableFile(program) ? program : nil }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    private func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// The program's stderr as one bounded line: valid UTF-8, control characters replaced, lines joined with " | ".
    static func trim(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in
                String(String.UnicodeScalarView(line.unicodeScalars.map { scalar in
                    scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar
                })).trimmingWhitespace()
            }
            .filter { !$0.isEmpty }
        var joined = lines.joined(separator: " | ")
        if bytes.count >= stderrLimit || joined.count > 1000 {
            joined = String(joined.prefix(1000)) + " …"
        }
        return joined
    }
}

/// A monotonic clock in seconds, immune to wall-clock changes, for timeouts.
enum Monotonic {
    static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
