/// The merged view of the shared credentials and config files, as the AWS SDKs and botocore see it.
///
/// A profile in both files has the union of their properties, the credentials file winning for the same key. Missing
/// files count as empty. `[sso-session]` and `[services]` sections (config only) are kept apart from profiles.
/// Profiles are merged on demand, so looking up one profile in a large file builds strings for that profile only.
package struct SharedProfiles {
    /// The parsed credentials file (empty when it does not exist).
    package let credentials: ProfileFile
    /// The parsed config file (empty when it does not exist).
    package let config: ProfileFile

    /// A merged view of two parsed documents.
    package init(credentials: ProfileFile, config: ProfileFile) {
        self.credentials = credentials
        self.config = config
    }

    /// Reads and parses both files; a missing file counts as empty.
    ///
    /// - Parameters:
    ///   - credentialsPath: The shared credentials file, or `nil` for none.
    ///   - configPath: The shared config file, or `nil` for none.
    /// - Throws: `SharedFileError`: `.malformedFile` naming file and line, or a filesystem error with its errno.
    package init(credentialsPath: String?, configPath: String?) throws {
        credentials = try credentialsPath.map { try ProfileFile.load(path: $0, kind: .credentials) }
            ?? ProfileFile(kind: .credentials)
        config = try configPath.map { try ProfileFile.load(path: $0, kind: .config) } ?? ProfileFile(kind: .config)
    }

    /// Reads the files `locations` names (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, else `~/.aws/…`).
    ///
    /// - Throws: `SharedFileError`, as `init(credentialsPath:configPath:)`.
    package init(locations: SharedFileLocations) throws {
        try self.init(credentialsPath: locations.credentialsPath, configPath: locations.configPath)
    }

    /// Every profile name: those of the credentials file in file order, then those only in the config file.
    package var profileNames: [String] {
        var seen = Set(credentials.profileNames)
        var names = credentials.profileNames
        for name in config.profileNames where seen.insert(name).inserted { names.append(name) }
        return names
    }

    /// The merged profile `name`, with the files it came from (credentials file first), or `nil` when neither file
    /// defines it.
    package func profile(_ name: String) -> ProfileSection? {
        let fromConfig = config.profile(name)
        let fromCredentials = credentials.profile(name)
        guard fromConfig != nil || fromCredentials != nil else { return nil }
        var merged = fromConfig ?? PropertyMap()
        var sources: [ProfileSource] = []
        if let fromCredentials {
            for (key, value) in fromCredentials { merged[key] = value }
            sources.append(ProfileSource(kind: .credentials, path: credentials.path))
        }
        if fromConfig != nil { sources.append(ProfileSource(kind: .config, path: config.path)) }
        return ProfileSection(name: name, properties: merged, sources: sources)
    }

    /// Every merged profile, in `profileNames` order.
    package var profiles: [ProfileSection] { profileNames.compactMap { profile($0) } }

    /// The `[sso-session NAME]` sections of the config file, in file order.
    package var ssoSessions: [ProfileSection] {
        config.ssoSessionNames.compactMap { name in
            config.ssoSession(name).map {
                ProfileSection(name: name, properties: $0, sources: [ProfileSource(kind: .config, path: config.path)])
            }
        }
    }

    /// The `[services NAME]` sections of the config file, in file order.
    package var services: [ProfileSection] {
        config.servicesNames.compactMap { name in
            config.services(name).map {
                ProfileSection(name: name, properties: $0, sources: [ProfileSource(kind: .config, path: config.path)])
            }
        }
    }
}
