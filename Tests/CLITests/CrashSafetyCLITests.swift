import Foundation
import TestSupport
import XCTest

/// A crash never shows a secret and never looks like success, and no secret-handling command can leave a core file:
/// the Swift runtime's crash report (which prints memory at every register) is replaced by a fixed line, the process
/// dies of the signal, and the soft core-file limit is 0 from the start of every command (issue 13, item 2). Also:
/// a signal at a no-echo prompt gives the terminal its echo back (item 13).
final class CrashSafetyCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private static let passphrase = "correct horse battery staple"
    /// The signals the Swift runtime's crash reporter would handle.
    private static let crashSignals = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGQUIT]

    /// Every 8-byte run of the secret and of the passphrase that `text` contains.
    private func canaryRuns(in text: String) -> [String] {
        var found: [String] = []
        for canary in [Self.secret, Self.passphrase] {
            let bytes = Array(canary.utf8)
            for start in 0...(bytes.count - 8) {
                let run = String(decoding: bytes[start..<start + 8], as: UTF8.self)
                if text.contains(run) { found.append(run) }
            }
        }
        return found
    }

    /// `text` with every 8-byte run of a canary replaced, for failure messages (a test never prints a secret).
    private func redacted(_ text: String) -> String {
        var text = text
        for run in canaryRuns(in: text) { text = text.replacingOccurrences(of: run, with: "<canary>") }
        return String(text.prefix(2000))
    }

    /// A home with a passphrase store holding profile `p`, and the passphrase file.
    private func passphraseStore() throws -> (TemporaryHome, String) {
        let home = try TemporaryHome()
        let file = try home.write(Self.passphrase + "\n", to: "secrets/passphrase")
        XCTAssertEqual(chmod(file, 0o600), 0)
        let created = try CLI.run(["init", "--passphrase-file", file], environment: home.environment)
        XCTAssertEqual(created.status, 0, created.stderr)
        let stored = try CLI.run(["set", "--passphrase-file", file, "--profile", "p", "--access-key", Self.keyID],
                                 environment: home.environment, stdin: Self.secret + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
        return (home, file)
    }

    private func strace() throws -> URL {
        guard let strace = CLI.which("strace") else {
            throw MissingPeer.error("the crash-injection tests", needs: "strace (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs strace)")
        }
        let probe = try CLI.runProcess(strace, ["-o", "/dev/null", "/bin/true"], environment: [:])
        guard probe.status == 0 else {
            throw MissingPeer.error("the crash-injection tests",
                                    needs: "a working strace (ptrace refused: \(probe.stderr.prefix(200)))",
                                    remedy: "run the tests where ptrace is allowed (e.g. no seccomp filter on it)")
        }
        return strace
    }

    /// `set` with the secret on stdin and a passphrase file, crashed by a SIGSEGV injected at each `read` from the
    /// one that reads the secret to the last (the passphrase read and the unlock included): every run dies of the
    /// signal, prints only the fixed line, shows no run of the secret or the passphrase, and stores nothing.
    func testCrashesInjectedWhileSecretsAreReadPrintNoSecretAndNeverExitZero() throws {
        let strace = try strace()
        let (home, passphraseFile) = try passphraseStore()
        let set = [CLI.executable.path, "set", "--passphrase-file", passphraseFile, "--access-key", Self.keyID]
        let log = home.path + "/reads.log"
        let traced = try CLI.runProcess(strace, ["-f", "-qq", "-o", log, "-e", "trace=read"]
                                            + set + ["--profile", "traced"],
                                        environment: home.environment, stdin: Data((Self.secret + "\n").utf8))
        XCTAssertEqual(traced.status, 0, traced.stderr)
        let reads = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter {
            $0.contains("read(")
        }
        let secretRead = try XCTUnwrap(reads.firstIndex { $0.contains("read(0,") }, "set never read stdin")
        XCTAssertGreaterThan(reads.count - secretRead, 2, "the passphrase and the store are read after the secret")
        for injected in (secretRead + 1)...reads.count {
            let name = "crashed\(injected)"
            let result = try CLI.runProcess(strace, ["-f", "-qq", "-o", "/dev/null", "-e",
                                                     "inject=read:signal=SEGV:when=\(injected)"]
                                                + set + ["--profile", name],
                                            environment: home.environment, stdin: Data((Self.secret + "\n").utf8))
            let what = "set crashed at read \(injected) of \(reads.count)"
            XCTAssertEqual(result.reason, .uncaughtSignal,
                           "\(what) exited \(result.status): \(redacted(result.stderr))")
            XCTAssertEqual(result.status, SIGSEGV, what)
            XCTAssertEqual(canaryRuns(in: result.stderr + result.stdout).count, 0, "\(what): a canary run was printed")
            XCTAssertTrue(result.stderr.contains("credstore: crashed (SIGSEGV)"), "\(what): \(redacted(result.stderr))")
            XCTAssertFalse(result.stderr.contains("Program crashed"), what)
        }
        let listed = try CLI.run(["list"], environment: home.environment)
        XCTAssertTrue(listed.stdout.contains("traced"), listed.stdout)
        XCTAssertFalse(listed.stdout.contains("crashed"), "a crashed set stored its profile: \(listed.stdout)")
    }

    /// A command blocked while it reads a secret (`get` reading the passphrase from a descriptor, `set` reading the
    /// secret from stdin) runs with a soft core-file limit of 0 although it was started with an unlimited one; each
    /// crash signal sent to it then prints the fixed line and nothing from memory, and kills it (before, the Swift
    /// runtime printed its report and carried on: `get` printed the secret and exited 0).
    func testSignalsWhileASecretIsReadKillTheCommandWhichHasNoCoreLimit() throws {
        let (home, passphraseFile) = try passphraseStore()
        var limit = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit), 0)
        let saved = limit
        defer { var restore = saved; _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &restore) }
        limit.rlim_cur = limit.rlim_max  // the child inherits a core limit it must lower itself
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit), 0)
        guard limit.rlim_cur != 0 else {
            throw MissingPeer.error("the core-limit check", needs: "a hard RLIMIT_CORE above 0",
                                    remedy: "run the tests with `ulimit -H -c unlimited`")
        }
        let commands: [(arguments: [String], input: String)] = [
            (["get", "--passphrase-fd", "0", "--profile", "p", "--show-secret"], Self.passphrase + "\n"),
            (["set", "--passphrase-file", passphraseFile, "--profile", "signalled", "--access-key", Self.keyID],
             Self.secret + "\n"),
        ]
        for (arguments, input) in commands {
            for signalNumber in Self.crashSignals {
                let what = "\(arguments[0]) sent signal \(signalNumber)"
                let process = Process()
                process.executableURL = CLI.executable
                process.arguments = arguments
                process.environment = home.environment
                let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
                process.standardInput = stdin
                process.standardOutput = stdout
                process.standardError = stderr
                try process.run()
                // The whole secret is in the pipe but not its end: the command holds it and waits in read(0, …).
                stdin.fileHandleForWriting.write(Data(input.utf8))
                let pid = process.processIdentifier
                XCTAssertTrue(waitUntilReadingStandardInput(pid), "\(what): never blocked reading stdin")
                let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
                let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }
                XCTAssertEqual(core?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first, "0",
                               "\(what): \(core ?? "no core limit line")")
                XCTAssertEqual(kill(pid, signalNumber), 0)
                try stdin.fileHandleForWriting.close()
                let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                XCTAssertEqual(process.terminationReason, .uncaughtSignal,
                               "\(what): exited \(process.terminationStatus): \(redacted(errors))")
                XCTAssertEqual(process.terminationStatus, signalNumber, what)
                XCTAssertTrue(output.isEmpty, "\(what): \(output.utf8.count) bytes on stdout")
                XCTAssertEqual(canaryRuns(in: errors).count, 0, "\(what): a canary run was printed")
                XCTAssertTrue(errors.hasPrefix("credstore: "), "\(what): \(redacted(errors))")
                XCTAssertEqual(errors.split(separator: "\n").count, 1, "\(what): one fixed line: \(redacted(errors))")
            }
        }
        let listed = try CLI.run(["list"], environment: home.environment)
        XCTAssertFalse(listed.stdout.contains("signalled"), listed.stdout)
    }

    /// Waits (up to 10 s) until `pid` is blocked in `read` on descriptor 0 (`/proc/PID/syscall`: number 0, fd 0x0).
    private func waitUntilReadingStandardInput(_ pid: pid_t) -> Bool {
        for _ in 0..<1000 {
            if let call = try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8),
               call.hasPrefix("0 0x0 ") {
                return true
            }
            usleep(10_000)
        }
        return false
    }

    /// Ctrl-C, Ctrl-\, SIGTERM and SIGHUP while `init` asks for a passphrase without echo, on a pseudo-terminal that
    /// is the command's controlling terminal: the command dies of the signal, and the terminal has its echo back. So
    /// does a crash there (SIGSEGV, SIGABRT: the crash handler restores the terminal the prompt silenced).
    func testSignalsAtANoEchoPromptGiveTheTerminalItsEchoBack() throws {
        let setsid = URL(fileURLWithPath: "/usr/bin/setsid")
        guard FileManager.default.isExecutableFile(atPath: setsid.path) else {
            throw MissingPeer.error("the prompt-signal tests", needs: "setsid (util-linux)",
                                    remedy: "install util-linux")
        }
        // (how the signal is sent, the signal): a control character typed on the terminal, or kill.
        let deliveries: [(typed: UInt8?, signal: Int32)] = [(0x03, SIGINT), (0x1c, SIGQUIT), (nil, SIGTERM),
                                                            (nil, SIGHUP), (nil, SIGSEGV), (nil, SIGABRT)]
        for (typed, signalNumber) in deliveries {
            let what = "signal \(signalNumber) at the prompt"
            let home = try TemporaryHome()
            let (master, slavePath) = try openPseudoTerminal()
            defer { close(master) }
            let slave = try XCTUnwrap(FileHandle(forUpdatingAtPath: slavePath))
            defer { try? slave.close() }
            var settings = termios()
            XCTAssertEqual(tcgetattr(slave.fileDescriptor, &settings), 0)
            XCTAssertNotEqual(settings.c_lflag & tcflag_t(ECHO), 0, "a new terminal echoes")

            // --ctty: the pseudo-terminal on stdin becomes the command's controlling terminal (/dev/tty). Spawned
            // without a process group of its own (unlike Foundation's Process), so setsid runs in place.
            let pid = try spawn([setsid.path, "--ctty", CLI.executable.path, "init"], environment: home.environment,
                                terminal: slave.fileDescriptor)
            let shown = readUntil(master, contains: ": ")
            XCTAssertTrue(shown.lowercased().contains("passphrase"), "\(what): no prompt, saw \(shown)")
            XCTAssertEqual(tcgetattr(slave.fileDescriptor, &settings), 0)
            XCTAssertEqual(settings.c_lflag & tcflag_t(ECHO), 0, "\(what): the prompt turned echo off")
            if let typed {
                var byte = typed
                XCTAssertEqual(write(master, &byte, 1), 1)
            } else {
                XCTAssertEqual(kill(pid, signalNumber), 0, what)
            }
            let status = try XCTUnwrap(waitWhileDraining(master, pid), "\(what): the command did not end")
            XCTAssertEqual(tcgetattr(slave.fileDescriptor, &settings), 0)
            XCTAssertNotEqual(settings.c_lflag & tcflag_t(ECHO), 0, "\(what): the terminal was left without echo")
            XCTAssertEqual(status & 0x7f, signalNumber, "\(what): wait status \(status), killed by the signal")
            XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.local/share/credstore/store"))
        }
    }

    /// A new pseudo-terminal: the master's descriptor and the slave's path. (`posix_openpt`, `unlockpt` and
    /// `ptsname` are not imported without _XOPEN_SOURCE; they are plain C functions, looked up by name.)
    private func openPseudoTerminal() throws -> (Int32, String) {
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias UnlockPT = @convention(c) (Int32) -> Int32
        typealias PTSName = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        let library = UnsafeMutableRawPointer(bitPattern: 0)
        let open = unsafeBitCast(try XCTUnwrap(dlsym(library, "posix_openpt")), to: OpenPT.self)
        let unlock = unsafeBitCast(try XCTUnwrap(dlsym(library, "unlockpt")), to: UnlockPT.self)
        let name = unsafeBitCast(try XCTUnwrap(dlsym(library, "ptsname")), to: PTSName.self)
        let master = open(O_RDWR | O_NOCTTY)
        guard master >= 0 else {
            throw MissingPeer.error("the prompt-signal tests", needs: "pseudo-terminals (/dev/ptmx)",
                                    remedy: "run the tests where /dev/pts is mounted")
        }
        XCTAssertEqual(unlock(master), 0)
        return (master, String(cString: try XCTUnwrap(name(master))))
    }

    /// What the terminal shows until it shows `text` (or `attempts` times 0.1 s pass).
    private func readUntil(_ master: Int32, contains text: String, attempts: Int = 100) -> String {
        var shown = ""
        for _ in 0..<attempts {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 1024)
                let count = read(master, &buffer, buffer.count)
                if count > 0 { shown += String(decoding: buffer[0..<count], as: UTF8.self) }
            }
            if shown.contains(text) { return shown }
        }
        return shown
    }

    /// Starts `arguments` with the terminal `terminal` as descriptors 0, 1 and 2; returns its pid.
    private func spawn(_ arguments: [String], environment: [String: String], terminal: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for target in Int32(0)...2 { posix_spawn_file_actions_adddup2(&actions, terminal, target) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        XCTAssertEqual(posix_spawn(&pid, arguments[0], &actions, nil, argv, envp), 0)
        return pid
    }

    /// Drains the terminal until `pid` ends (or 10 s pass); its wait status, or `nil` if it is still running (then
    /// it is killed).
    private func waitWhileDraining(_ master: Int32, _ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return status }
            _ = readUntil(master, contains: "\u{0}", attempts: 1)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return nil
    }
}
