import Glibc

/// The `PATH` search of `execvp`, in an environment given rather than the process's own: `credential_process`
/// programs and `credstore exec`'s command are found the same way. Each caller keeps its own way of reporting that
/// nothing was found or nothing could be run.
package enum ExecutableSearch {
    /// The search path when the environment has no `PATH`.
    package static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The search path of `environment`: its `PATH`, else `defaultPath`.
    package static func searchPath(in environment: [String: String]) -> String {
        environment["PATH"] ?? defaultPath
    }

    /// Where `program` may be, in the order `execvp` tries: `program` itself when it contains a slash, else each
    /// directory of `searchPath` (an empty entry is the current directory, as in POSIX) followed by `/program`.
    package static func candidates(for program: String, searchPath: String) -> [String] {
        if program.contains("/") { return [program] }
        return searchPath.split(separator: ":", omittingEmptySubsequences: false).map {
            ($0.isEmpty ? "." : String($0)) + "/" + program
        }
    }

    /// The first candidate that is a regular file this process may execute; `nil` for an empty name or none.
    package static func firstExecutable(_ program: String, searchPath: String) -> String? {
        guard !program.isEmpty else { return nil }
        return candidates(for: program, searchPath: searchPath).first(where: isExecutableFile)
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
