import Glibc

/// Where the shared files are, by the SDKs' rules for Linux and macOS: `AWS_SHARED_CREDENTIALS_FILE` and
/// `AWS_CONFIG_FILE` (with `~` expanded), else `~/.aws/credentials` and `~/.aws/config`, where `~` is `$HOME`, or the
/// user database's home directory when `HOME` is unset.
package struct SharedFileLocations: Equatable, Sendable {
    /// The shared credentials file.
    package var credentialsPath: String
    /// The shared config file.
    package var configPath: String
    /// The profile selected by `AWS_PROFILE` (`default` when unset or empty).
    package var selectedProfile: String
    /// The home directory used for `~`.
    package var homeDirectory: String

    /// Resolves the locations from an environment.
    ///
    /// - Parameters:
    ///   - environment: The variables to read (pass `ProcessInfo.processInfo.environment` for the real ones).
    ///   - fallbackHome: The home directory to use when `HOME` is unset or empty; `nil` asks the user database
    ///     (`getpwuid`) for the current user's.
    package init(environment: [String: String], fallbackHome: String? = nil) {
        let home: String
        if let value = environment["HOME"], !value.isEmpty {
            home = value
        } else {
            home = fallbackHome ?? Self.userDatabaseHome() ?? "/"
        }
        homeDirectory = home
        func expand(_ path: String) -> String {
            if path == "~" { return home }
            if path.hasPrefix("~/") { return Self.join(home, String(path.dropFirst(2))) }
            return path
        }
        if let value = environment["AWS_SHARED_CREDENTIALS_FILE"], !value.isEmpty {
            credentialsPath = expand(value)
        } else {
            credentialsPath = Self.join(home, ".aws/credentials")
        }
        if let value = environment["AWS_CONFIG_FILE"], !value.isEmpty {
            configPath = expand(value)
        } else {
            configPath = Self.join(home, ".aws/config")
        }
        if let value = environment["AWS_PROFILE"], !value.isEmpty {
            selectedProfile = value
        } else {
            selectedProfile = "default"
        }
    }

    /// The path of the file of the given kind.
    package func path(for kind: ProfileFileKind) -> String {
        kind == .credentials ? credentialsPath : configPath
    }

    private static func join(_ directory: String, _ relative: String) -> String {
        directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
    }

    private static func userDatabaseHome() -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwuid_r(getuid(), &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let directory = entry.pw_dir else { return nil }
        let home = String(cString: directory)
        return home.isEmpty ? nil : home
    }
}
