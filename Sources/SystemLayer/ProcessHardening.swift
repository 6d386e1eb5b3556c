import Glibc

/// Process-wide protections for a process that holds secrets: no core dump, not dumpable, and a crash that prints a
/// fixed line instead of the Swift runtime's crash report.
///
/// The Swift runtime installs its own handlers for SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV and SIGTRAP at
/// start-up (before `main`; `SWIFT_BACKTRACE` is read then, so setting it later changes nothing). Its report prints 16
/// bytes of memory at every register that holds an address — a secret being read or derived from, at that moment —
/// and after a signal sent by `kill` (no real fault) it returns, so the command carries on and can exit 0.
/// `installCrashHandlers` replaces those handlers: the process writes one fixed line and dies of the signal.
package enum ProcessHardening {
    /// The signals the Swift runtime's crash reporter handles, which `installCrashHandlers` takes over.
    package static let crashSignals = [SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP]

    /// The soft core-file limit the process started with, restored for a program `exec` replaces the process with.
    nonisolated(unsafe) private static var startingCoreLimit: rlim_t?

    /// Sets the soft `RLIMIT_CORE` to 0 (the hard limit stays, so `restoreCoreLimitForExec` can undo it for a program
    /// credstore replaces itself with) and makes the process non-dumpable (`PR_SET_DUMPABLE` 0: no core dump even
    /// through a `core_pattern` pipe, which ignores `RLIMIT_CORE`, and no ptrace or `/proc/PID/mem` for processes of
    /// the same uid). An `execve` makes the new program dumpable again.
    ///
    /// - Returns: whether the process is now non-dumpable.
    @discardableResult
    package static func disableCoreDumps() -> Bool {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) == 0 {
            if startingCoreLimit == nil { startingCoreLimit = limit.rlim_cur }
            limit.rlim_cur = 0
            _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        }
        // prctl is variadic in C and not callable from Swift; on Linux's ABIs integer arguments are passed the same
        // way to a variadic and a fixed-arity function, so the symbol can be called through a fixed-arity type.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return false }
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let setDumpable: Int32 = 4, getDumpable: Int32 = 3  // PR_SET_DUMPABLE, PR_GET_DUMPABLE
        _ = prctl(setDumpable, 0, 0, 0, 0)
        return prctl(getDumpable, 0, 0, 0, 0) == 0
    }

    /// Puts back the soft core-file limit `disableCoreDumps` found, just before `execve`, so the program credstore
    /// replaces itself with runs under the user's own limit.
    package static func restoreCoreLimitForExec() {
        guard let original = startingCoreLimit else { return }
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = min(original, limit.rlim_max)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
    }

    /// The terminal a no-echo prompt has silenced and its settings before (fd -1: none), which a crash or a signal
    /// that ends the process restores first. Written only while no handler that reads it can run.
    nonisolated(unsafe) private static var silencedTerminal: Int32 = -1
    nonisolated(unsafe) private static var silencedSettings = termios()

    /// Records that the terminal `fd` has echo off until `clearSilencedTerminal()`, with `settings` to restore: a
    /// crash handler (and `restoreSilencedTerminal()`) gives the user's shell its echo back before the process dies.
    package static func recordSilencedTerminal(fd: Int32, settings: termios) {
        silencedTerminal = -1  // a handler running meanwhile sees no half-written settings
        silencedSettings = settings
        silencedTerminal = fd
    }

    /// Forgets the terminal `recordSilencedTerminal` recorded (its settings are back).
    package static func clearSilencedTerminal() {
        silencedTerminal = -1
    }

    /// Restores the settings of the silenced terminal, if any, and ends the prompt's line. Async-signal-safe
    /// (`tcsetattr` and `write` only), for signal handlers.
    package static func restoreSilencedTerminal() {
        let fd = silencedTerminal
        guard fd >= 0 else { return }
        var settings = silencedSettings
        _ = tcsetattr(fd, TCSANOW, &settings)
        _ = write(fd, "\n", 1)
    }

    /// Ends the process with `signalNumber`'s default action, from a handler of that signal, so the parent sees what
    /// happened: a real fault faults again on return, a signal sent with kill is raised again here (unblocked, since
    /// the handler runs with it blocked); `_exit(128 + signalNumber)` only if neither ends it. Async-signal-safe.
    package static func dieOfSignal(_ signalNumber: Int32) -> Never {
        signal(signalNumber, SIG_DFL)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, signalNumber)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        raise(signalNumber)
        _exit(128 + signalNumber)
    }

    /// Replaces the Swift runtime's crash reporter: on each of `crashSignals` the process writes one fixed line to
    /// stderr (never memory contents) and dies of that signal, so a crashed command never exits 0.
    package static func installCrashHandlers() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = crashHandler
        // On the runtime's alternate signal stack, when it set one up, so the handler also runs after a stack
        // overflow (without one, the kernel kills the process: silent, and not an exit 0 either).
        action.sa_flags = SA_ONSTACK
        sigfillset(&action.sa_mask)
        for signalNumber in crashSignals { sigaction(signalNumber, &action, nil) }
    }
}

/// Writes a fixed line, then dies of `signalNumber` with its default action (no core: see `disableCoreDumps`).
/// Async-signal-safe: static strings, `write`, `tcsetattr`, `signal`, `sigprocmask`, `raise` and `_exit` only.
private func crashHandler(_ signalNumber: Int32) {
    let message: StaticString
    switch signalNumber {
    case SIGQUIT: message = "credstore: quit (SIGQUIT); nothing from memory is printed or dumped\n"
    case SIGABRT: message = "credstore: aborted (SIGABRT); nothing from memory is printed or dumped\n"
    case SIGBUS: message = "credstore: crashed (SIGBUS); nothing from memory is printed or dumped\n"
    case SIGFPE: message = "credstore: crashed (SIGFPE); nothing from memory is printed or dumped\n"
    case SIGILL: message = "credstore: crashed (SIGILL); nothing from memory is printed or dumped\n"
    case SIGSEGV: message = "credstore: crashed (SIGSEGV); nothing from memory is printed or dumped\n"
    case SIGTRAP: message = "credstore: crashed (SIGTRAP); nothing from memory is printed or dumped\n"
    default: message = "credstore: crashed; nothing from memory is printed or dumped\n"
    }
    _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
    // A crash during a no-echo prompt would leave the user's shell without echo.
    ProcessHardening.restoreSilencedTerminal()
    ProcessHardening.dieOfSignal(signalNumber)
}
