import Glibc

/// Starting a program with `posix_spawn`, set up once: where its standard descriptors go, a clean signal state, and
/// exactly the environment given. Every other descriptor credstore opens is close-on-exec, so the program inherits
/// only these three.
package enum Spawn {
    /// Where one of the program's standard descriptors (0, 1, 2) comes from.
    package enum Redirect: Sendable {
        /// `/dev/null` (read-only for stdin, write-only for stdout and stderr).
        case null
        /// A copy (`dup2`) of this descriptor of ours, e.g. a pipe's write end.
        case descriptor(Int32)
        /// The one this process has.
        case inherit
    }

    /// Starts `path` with `arguments` (program name first).
    ///
    /// - Parameters:
    ///   - environment: The program's whole environment; `nil` passes this process's own.
    ///   - standardInput, standardOutput, standardError: Where descriptors 0, 1 and 2 come from.
    ///   - newSession: Start it in a session of its own (`setsid`), detached from our terminal and process group.
    ///   - closingInheritedDescriptors: First mark every descriptor above 2 close-on-exec, including ones this process
    ///     inherited from its parent: for a long-lived child (a daemon) that must not hold a pipe or socket open that
    ///     someone waits on for end of file.
    /// - Returns: The child's process id.
    /// - Throws: `Errno` from `posix_spawn` (`ENOENT`, `EACCES`, ...).
    ///
    /// The child starts with no blocked signals and `SIGPIPE` back at its default action, whatever this process set:
    /// an ignored `SIGPIPE` would otherwise be inherited across `exec`.
    package static func spawn(_ path: String, arguments: [String], environment: [String: String]?,
                              standardInput: Redirect = .null, standardOutput: Redirect, standardError: Redirect,
                              newSession: Bool = false,
                              closingInheritedDescriptors: Bool = false) throws(Errno) -> pid_t {
        if closingInheritedDescriptors {
            for entry in (try? Syscalls.directoryEntries("/proc/self/fd")) ?? [] {
                if let fd = Int32(entry), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, redirect) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch redirect {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .inherit:
                break
            }
        }

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
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= 0x80 }  // POSIX_SPAWN_SETSID (glibc), not imported into Swift
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result: Int32
        if let envp {
            result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        } else {
            result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        guard result == 0 else { throw Errno(rawValue: result) }
        return pid
    }
}
