import FoundationEssentials
import Glibc
import SystemLayer

/// Runs a command as a child while something of credstore's must live exactly as long as it (the endpoint of
/// `exec --ecs-server`): the child's standard descriptors are ours, signals sent to credstore are passed on to it,
/// and when it ends, `finish` runs and credstore ends the way the child did (its exit code, or the same signal).
///
/// The signals are blocked in the calling thread by `blockSignals()` before any other thread starts (threads inherit
/// the mask, so none of the endpoint's worker threads takes them) and are taken with `sigwaitinfo` in `run`. A signal
/// that the terminal sent (Ctrl-C, Ctrl-\, a hang-up: `si_code` is `SI_KERNEL`) already reached the child, which is in
/// the same foreground process group, and is not sent twice; one sent with `kill` is forwarded.
enum SupervisedCommand {
    /// The signals forwarded to the child.
    static let forwardedSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM]

    /// The set `run` waits on: the forwarded signals and SIGCHLD.
    static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in forwardedSignals + [SIGCHLD] { sigaddset(&set, signalNumber) }
        return set
    }

    /// Blocks the signals `run` takes, in this thread and every thread started after.
    static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts `arguments` (searched in the child's PATH, as `exec` does) with `environment`, forwards signals until
    /// it ends, runs `finish`, then exits with the child's status or dies of its signal.
    ///
    /// - Throws: `CLIFailure` (exit 127 not found, 126 not runnable) when the command cannot be started; `finish`
    ///   has not run then (the caller stops what it started).
    static func run(_ arguments: [String], environment: [String: String], finish: () -> Void) throws -> Never {
        let pid = try spawn(arguments, environment: environment)
        var set = signalSet()
        while true {
            var info = siginfo_t()
            let signalNumber = sigwaitinfo(&set, &info)
            if signalNumber < 0 { continue }  // EINTR
            if signalNumber == SIGCHLD {
                guard let (reaped, status) = try? Syscalls.waitpid(pid, options: WNOHANG), reaped == pid else {
                    continue
                }
                finish()
                let termination = status & 0x7F
                if termination == 0 { exit((status >> 8) & 0xFF) }
                ProcessHardening.dieOfSignal(termination)
            }
            let sentByTerminal = info.si_code == 0x80  // SI_KERNEL
            if !sentByTerminal { kill(pid, signalNumber) }
        }
    }

    /// `posix_spawn` of the first candidate the PATH search gives that can be run, with exactly `environment`.
    private static func spawn(_ arguments: [String], environment: [String: String]) throws -> pid_t {
        let program = arguments[0]
        let candidates = ExecutableSearch.candidates(for: program,
                                                     searchPath: ExecutableSearch.searchPath(in: environment))
        let notHere = [ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT]
        var lastError = ENOENT
        var sawPermissionDenied = false
        // The child runs under the user's own core-file limit; credstore's own limit is zero again right after.
        ProcessHardening.restoreCoreLimitForExec()
        defer { ProcessHardening.disableCoreDumps() }
        for candidate in candidates {
            do {
                return try Spawn.spawn(candidate, arguments: arguments, environment: environment,
                                       standardInput: .inherit, standardOutput: .inherit, standardError: .inherit)
            } catch {
                lastError = error.rawValue
                if lastError == EACCES { sawPermissionDenied = true }
                guard lastError == EACCES || notHere.contains(lastError) else { break }
            }
        }
        let failure = sawPermissionDenied && notHere.contains(lastError) ? EACCES : lastError
        throw CLIFailure("cannot run '\(program)': \(String(cString: strerror(failure)))",
                         hint: failure == ENOENT ? "check the command name and PATH"
                             : failure == EACCES ? "check that '\(program)' is an executable file (chmod +x)" : nil,
                         exitCode: ExitStatus(rawValue: failure == ENOENT ? 127 : 126))
    }
}
