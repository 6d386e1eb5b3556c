import SecureStore

/// A catalog that can also answer for `[sso-session NAME]` sections (the shared config file).
package protocol SSOSessionCatalog: ProfileCatalog {
    /// The settings of `[sso-session name]`, or `nil` when there is no such section.
    ///
    /// - Throws: When the file cannot be read or parsed.
    func ssoSession(named name: String) throws -> [String: String]?
}

extension SharedFileCatalog: SSOSessionCatalog {
    /// The settings of `[sso-session name]` (config files only; a credentials file has none).
    package func ssoSession(named name: String) throws -> [String: String]? {
        guard kind == .config, let properties = try file().ssoSession(name) else { return nil }
        var flat: [String: String] = [:]
        for (key, value) in properties {
            if let string = value.stringValue { flat[key] = string }
        }
        return flat
    }
}

/// The profiles a lookup sees, as the role planner reads them: places in search order, where the encrypted store is
/// one place and the shared credentials and config files together are another (their definitions of one name merged
/// per key, the credentials file's winning, as the AWS SDKs merge them). For a name, the first place whose
/// definition holds credential information (keys, `credential_process`, a role, a `credential_source`, a web identity
/// or `sso_*`) is the profile.
struct RoleProfileView {
    /// One profile as the planner sees it.
    struct Profile {
        /// The merged definition (secrets in their fields, never in `settings`).
        var entry: ProfileEntry
        /// Where it is (the shared file that decided, for the merged shared files).
        var reference: ProfileReference
        /// Whether it holds any credential information; `false` for a settings-only profile.
        var hasCredentialInformation: Bool
    }

    /// Settings that are credential information (beyond the key pair and token).
    static let credentialSettings = [
        "role_arn", "credential_source", "web_identity_token_file", "credential_process",
    ] + ssoSettings
    /// The settings that make a profile use IAM Identity Center (as smithy-rs reads them).
    static let ssoSettings = ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region"]

    let reader: CatalogReader
    /// Catalog indices, grouped into places, in search order.
    let places: [[Int]]

    /// A view over `reader`'s catalogs.
    init(_ reader: CatalogReader) {
        self.reader = reader
        var places: [[Int]] = []
        var sharedPlace: Int?
        for (index, catalog) in reader.catalogs.enumerated() {
            if catalog.storeType == .sharedCredentialsFile || catalog.storeType == .sharedConfigFile {
                if let sharedPlace {
                    places[sharedPlace].append(index)
                } else {
                    sharedPlace = places.count
                    places.append([index])
                }
            } else {
                places.append([index])
            }
        }
        self.places = places
    }

    /// A setting's value, trimmed, `nil` when absent or blank.
    static func value(_ name: String, in entry: ProfileEntry) -> String? {
        guard let value = entry.settings[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    static func hasCredentialInformation(_ entry: ProfileEntry) -> Bool {
        !(entry.accessKeyID?.trimmingWhitespace() ?? "").isEmpty || !(entry.secretAccessKey?.isEmpty ?? true)
            || credentialSettings.contains { value($0, in: entry) != nil }
    }

    /// The profile `name`: the first place (restricted to places holding one of `indices`, when given) whose
    /// definition holds credential information, else the first definition found (settings only), else `nil`.
    ///
    /// - Throws: What a catalog throws (a store that cannot be unlocked, a malformed file).
    func profile(_ name: String, restrictedTo indices: [Int]? = nil) throws -> Profile? {
        var settingsOnly: Profile?
        for place in places where indices.map({ wanted in place.contains { wanted.contains($0) } }) ?? true {
            guard let profile = try merged(name, place) else { continue }
            if profile.hasCredentialInformation { return profile }
            if settingsOnly == nil { settingsOnly = profile }
        }
        return settingsOnly
    }

    /// The `region` of `name` in the first place that sets one.
    func region(of name: String) throws -> String? {
        for place in places {
            if let region = try merged(name, place)?.entry.region { return region }
        }
        return nil
    }

    /// The settings of `[sso-session name]` in the first catalog that has the section.
    func ssoSession(_ name: String) throws -> [String: String]? {
        for catalog in reader.catalogs {
            if let catalog = catalog as? SSOSessionCatalog, let session = try catalog.ssoSession(named: name) {
                return session
            }
        }
        return nil
    }

    /// The places searched for a name, for messages: "profile 'x' in the encrypted store (…)".
    func searched(_ name: String) -> [String] {
        reader.catalogs.map { ProfileCredentials.searchedDescription(name, in: $0) }
    }

    private func merged(_ name: String, _ place: [Int]) throws -> Profile? {
        var entries: [(ProfileEntry, ProfileCatalog)] = []
        for index in place {
            if let entry = try reader.profile(name, inCatalogAt: index) {
                entries.append((entry, reader.catalogs[index]))
            }
        }
        guard let first = entries.first else { return nil }
        var entry = ProfileEntry(name: name)
        // Earlier definitions win per key (the credentials file over the config file).
        for (definition, _) in entries.reversed() {
            entry.settings.merge(definition.settings) { _, earlier in earlier }
        }
        let keyHolder = entries.first { $0.0.accessKeyID != nil }?.0
        entry.accessKeyID = keyHolder?.accessKeyID
        entry.expiration = keyHolder?.expiration
        entry.secretAccessKey = entries.first { $0.0.secretAccessKey != nil }?.0.secretAccessKey
        entry.sessionToken = entries.first { $0.0.sessionToken != nil }?.0.sessionToken
        let decider = entries.first { Self.hasCredentialInformation($0.0) } ?? first
        let reference = ProfileReference(name: name, storeType: decider.1.storeType, location: decider.1.location,
                                         settings: entry.settings)
        return Profile(entry: entry, reference: reference,
                       hasCredentialInformation: Self.hasCredentialInformation(entry))
    }
}
