import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SharedFileStore

/// `~` expansion for paths the user typed (the shell does not expand `--opt=~/x`).
enum PathExpansion {
    static func expand(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? SharedFileLocations(environment: [:]).homeDirectory
        return home + path.dropFirst()
    }
}
