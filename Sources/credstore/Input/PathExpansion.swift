import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SharedFileStore

/// `~` expansion for paths the user typed (the shell does not expand `--opt=~/x`).
enum PathExpansion {
    static func expand(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessEnvironment.current["HOME"] ?? SharedFileLocations(environment: [:]).homeDirectory
        return home + path.dropFirst()
    }

    /// `path` made absolute against the working directory (`.` and `..` components are left for the kernel): a
    /// path written into a config file is read by other programs, from other directories.
    static func absolute(_ path: String) -> String {
        let expanded = expand(path)
        guard !expanded.hasPrefix("/"), let directory = getcwd(nil, 0) else { return expanded }
        defer { free(directory) }
        let base = String(cString: directory)
        return (base.hasSuffix("/") ? base : base + "/") + expanded
    }
}
