import SecureStore
import SharedFileStore

/// What happened to a profile's plaintext secrets in one file.
enum PlaintextRemoval: Equatable, Sendable {
    /// The keys listed were removed (their values equal the store's copy).
    case removed([String])
    /// The file holds keys for the profile that differ from the store's copy (edited since the plan, or a shadowed
    /// pair in the config file); they were left in place so that no secret is lost.
    case keptDifferent([String])
    /// The store has no copy of the profile to compare with; nothing was removed.
    case notInStore
}

/// The pure rules of a `Migration`: which profiles of the shared files go into the encrypted store, and the edits to
/// the plaintext files once the store verifiably holds them. Nothing here touches the disk, so every rule is testable
/// on in-memory documents; `Migration.run()` does the I/O in crash-safe order.
enum MigrationPlanner {
    /// Properties that are not copied into the store: the secrets (stored in their own fields) and
    /// `credential_process` (a migrated profile's keys make it unnecessary, and a rewired one points back at us).
    static let notImported: Set<String> = Set(ProfileEntry.credentialSettingNames + ["credential_process"])

    /// Plans the migration of `names` (every profile of `shared` when `nil`).
    ///
    /// - Parameters:
    ///   - shared: The merged shared credentials and config files.
    ///   - names: The profiles asked for, or `nil` for all.
    ///   - stored: The store's current profile of a name, or `nil`; only called for names the store holds.
    ///   - storedNames: The names the store holds (readable without unlocking).
    ///   - overwrite: Whether a different key pair in the store may be replaced.
    /// - Returns: One entry per profile, in file order (or in the order given).
    static func plan(shared: SharedProfiles, names: [String]? = nil, storedNames: Set<String>,
                     stored: (String) throws -> StoredProfile?, overwrite: Bool) rethrows -> [ProfileMigration] {
        var seen = Set<String>()
        let wanted = (names ?? shared.profileNames).filter { seen.insert($0).inserted }
        return try wanted.map { name in
            guard let section = shared.profile(name) else {
                return ProfileMigration(name: name, status: .notFound,
                                        reason: "not in \(describe(shared.credentials)) or \(describe(shared.config))",
                                        imported: nil, needsStoreWrite: false, sources: [])
            }
            if let source = selfReferencingKeys(section) {
                // The keys go into the store under a name of their own that no file uses (or an earlier,
                // interrupted run already used for these keys), so the role can name them as its source_profile.
                var candidate = "\(name)-source"
                var number = 1
                while true {
                    let existing = storedNames.contains(candidate) ? try stored(candidate) : nil
                    let sameKeys = existing.map {
                        $0.accessKeyID == source.accessKeyID && $0.secretAccessKey == source.secretAccessKey
                    }
                    if shared.profile(candidate) == nil, sameKeys ?? true {
                        var keysOnly = section
                        keysOnly.name = candidate
                        keysOnly.properties = source.properties
                        var entry = planOne(keysOnly, existing: existing, overwrite: false)
                        entry.name = name
                        entry.roleSource = candidate
                        entry.reason = "its keys and role_arn live together (source_profile = itself): the keys go "
                            + "into the store as profile '\(candidate)', the role stays"
                        return entry
                    }
                    number += 1
                    candidate = "\(name)-source-\(number)"
                }
            }
            let existing = storedNames.contains(name) ? try stored(name) : nil
            return planOne(section, existing: existing, overwrite: overwrite)
        }
    }

    /// The key pair of a profile whose `role_arn` names the profile itself as `source_profile` (botocore and the
    /// SDKs then use its own keys as the role's source), as properties; `nil` for any other profile.
    static func selfReferencingKeys(_ section: ProfileSection) -> (accessKeyID: String, secretAccessKey: SecretBytes,
                                                                   properties: PropertyMap<ProfileValue>)? {
        func value(_ key: String) -> String? {
            guard let text = section.string(key)?.trimmingWhitespace(), !text.isEmpty else { return nil }
            return text
        }
        guard value("role_arn") != nil, value("source_profile") == section.name, value("credential_source") == nil,
              value("web_identity_token_file") == nil, let keyID = value("aws_access_key_id"),
              let secret = value("aws_secret_access_key") else { return nil }
        var properties = PropertyMap<ProfileValue>()
        for key in ProfileEntry.credentialSettingNames {
            if let property = section.properties[key] { properties[key] = property }
        }
        return (keyID, SecretBytes(utf8: secret), properties)
    }

    private static func describe(_ file: ProfileFile) -> String {
        file.path ?? "the \(file.kind.rawValue) file"
    }

    static func planOne(_ section: ProfileSection, existing: StoredProfile?, overwrite: Bool) -> ProfileMigration {
        var entry = ProfileMigration(name: section.name, status: .skipped, reason: nil, imported: nil,
                                     needsStoreWrite: false, sources: section.sources)
        func value(_ key: String) -> String? {
            guard let text = section.string(key)?.trimmingWhitespace(), !text.isEmpty else { return nil }
            return text
        }
        let keyID = value("aws_access_key_id")
        let secret = value("aws_secret_access_key")
        let token = value("aws_session_token") ?? value("aws_security_token")
        if let role = ProfileCredentials.roleSettings.first(where: { value($0) != nil }) {
            entry.reason = "it assumes a role (\(role)); the store holds static keys only"
            return entry
        }
        if ProfileCredentials.ssoSettings.contains(where: { value($0) != nil }) {
            entry.reason = "it uses IAM Identity Center (sso_*), which has no keys to store"
            return entry
        }
        guard keyID != nil || secret != nil else {
            if let existing {
                entry.status = .alreadyMigrated
                entry.reason = "no keys in the plaintext files; the store holds access key \(existing.accessKeyID)"
                return entry
            }
            entry.reason = value("credential_process") != nil
                ? "it gets its keys from a credential_process"
                : "it has no access keys (settings only)"
            return entry
        }
        guard let keyID else {
            entry.reason = "incomplete key pair: aws_access_key_id is missing"
            return entry
        }
        guard let secret else {
            entry.reason = "incomplete key pair: aws_secret_access_key is missing"
            return entry
        }
        var settings: [String: String] = [:]
        // A `credstore_` key in a plaintext file is not credstore's setting (FORMAT.md, *Settings credstore
        // reserves*: only credstore's own commands set them), so it is never imported as one.
        for (key, property) in section.properties
        where !notImported.contains(key) && !ReservedSetting.isReserved(key) {
            if let text = property.stringValue { settings[key] = text }
        }
        var imported = StoredProfile(name: section.name, accessKeyID: keyID, secretAccessKey: SecretBytes(utf8: secret),
                                     sessionToken: token.map { SecretBytes(utf8: $0) }, settings: settings)
        guard let existing else {
            entry.status = .migrated
            entry.imported = imported
            entry.needsStoreWrite = true
            return entry
        }
        // The store may hold settings the files lack (`credstore set --region`): keep them, the files' values win.
        imported.settings = existing.settings.merging(settings) { _, fromFile in fromFile }
        let sameKeys = existing.accessKeyID == imported.accessKeyID
            && existing.secretAccessKey == imported.secretAccessKey && existing.sessionToken == imported.sessionToken
        if sameKeys {
            imported.expiration = existing.expiration
            entry.imported = imported
            if existing == imported {
                entry.status = .alreadyMigrated
                entry.reason = "the store already holds these keys and settings"
            } else {
                entry.status = .migrated
                entry.reason = "the store already holds these keys; its settings are updated"
                entry.needsStoreWrite = true
            }
            return entry
        }
        let what = existing.accessKeyID == imported.accessKeyID
            ? "a different secret for access key \(existing.accessKeyID)"
            : "a different key pair (access key \(existing.accessKeyID))"
        if overwrite {
            entry.status = .overwritten
            entry.reason = "the store held \(what); replaced (--overwrite)"
            entry.imported = imported
            entry.needsStoreWrite = true
        } else {
            entry.status = .conflicting
            entry.reason = "the store already holds \(what) under this name"
        }
        return entry
    }

    /// Removes the secret properties of `profiles` from `file`, but only where the file's values equal the store's
    /// copy: a value the store does not hold stays, so that no secret exists nowhere.
    ///
    /// - Parameters:
    ///   - names: The profiles to clean.
    ///   - file: A credentials or config document, as re-read under its lock.
    ///   - stored: The store's verified copy of a profile, or `nil`.
    /// - Returns: What happened per profile that has secret properties in `file`.
    /// - Throws: `SharedFileError` from the edit (the document is unchanged for that profile then).
    static func removePlaintextSecrets(of names: [String], from file: inout ProfileFile,
                                       stored: (String) -> StoredProfile?) throws -> [String: PlaintextRemoval] {
        var outcomes: [String: PlaintextRemoval] = [:]
        for name in names {
            // Every definition, not only the one the SDKs read: removeValue deletes overridden and hidden ones too,
            // so each must equal the store's copy, or it would be lost.
            var definitions: [String: [ProfileValue]] = [:]
            for key in ProfileEntry.credentialSettingNames {
                let values = file.definitions(ofKey: key, inProfile: name)
                if !values.isEmpty { definitions[key] = values }
            }
            let present = ProfileEntry.credentialSettingNames.filter { definitions[$0] != nil }
            guard !present.isEmpty else { continue }
            guard let copy = stored(name) else {
                outcomes[name] = .notInStore
                continue
            }
            let differing = present.filter { key in
                definitions[key, default: []].contains { value in
                    let text = value.stringValue?.trimmingWhitespace() ?? ""
                    switch key {
                    case "aws_access_key_id": return text != copy.accessKeyID
                    case "aws_secret_access_key": return SecretBytes(utf8: text) != copy.secretAccessKey
                    default: return text.isEmpty ? false : copy.sessionToken != SecretBytes(utf8: text)
                    }
                }
            }
            guard differing.isEmpty else {
                outcomes[name] = .keptDifferent(differing)
                continue
            }
            for key in present { try file.removeValue(forKey: key, inProfile: name) }
            outcomes[name] = .removed(present)
        }
        return outcomes
    }

    /// Points each self-sourced role profile (`roles`: profile → the store profile holding its keys) at the stored
    /// keys: `[profile SOURCE]` gets `credential_process = command(SOURCE)` in the config document, and the role's
    /// `source_profile` names SOURCE wherever the config document sets it (or there, when the credentials document
    /// does not set it either). The credentials document is only read here; `pointRolesInCredentials` edits it.
    ///
    /// - Returns: What happened to each role's source `credential_process`, keyed by the role profile.
    /// - Throws: `SharedFileError` (`.invalidArgument` for a name or command the file cannot hold).
    static func pointRoles(_ roles: [String: String], in config: inout ProfileFile, credentials: ProfileFile,
                           command: (String) -> String, isOurs: (String, String) -> Bool) throws -> [String: Rewiring] {
        var outcomes: [String: Rewiring] = [:]
        for (role, source) in roles.sorted(by: { $0.key < $1.key }) {
            let rewired = try rewire([source], in: &config, command: command, isOurs: isOurs)
            outcomes[role] = rewired[source]
            let inConfig = config.value(forKey: "source_profile", inProfile: role)?.stringValue?.trimmingWhitespace()
            let inCredentials = credentials.value(forKey: "source_profile", inProfile: role) != nil
            // Only the self-reference is replaced: a value edited since the plan is the user's.
            if inConfig == role || (inConfig == nil && !inCredentials) {
                try config.setValue(source, forKey: "source_profile", inProfile: role)
            }
        }
        return outcomes
    }

    /// Sets `source_profile` of each self-sourced role profile to its stored source where the credentials document
    /// sets it to the profile itself (the credentials file wins over the config file for the same key).
    static func pointRolesInCredentials(_ roles: [String: String], in credentials: inout ProfileFile) throws {
        for (role, source) in roles.sorted(by: { $0.key < $1.key })
            where credentials.value(forKey: "source_profile", inProfile: role)?.stringValue?.trimmingWhitespace()
                == role {
            try credentials.setValue(source, forKey: "source_profile", inProfile: role)
        }
    }

    /// Adds `credential_process = command(name)` to each profile in the config document, creating `[profile NAME]`
    /// (or `[default]`) when needed. An existing `credential_process` is replaced only when `isOurs` says it is an
    /// earlier command of the same kind for the same profile; any other is kept.
    ///
    /// - Parameters:
    ///   - names: The profiles to rewire.
    ///   - config: The config document, as re-read under its lock.
    ///   - command: The command line for a profile.
    ///   - isOurs: Whether an existing command line (and the profile) may be replaced by `command`.
    /// - Returns: What happened per profile.
    /// - Throws: `SharedFileError` (`.invalidArgument` for a name or command the file cannot hold).
    static func rewire(_ names: [String], in config: inout ProfileFile, command: (String) -> String,
                       isOurs: (String, String) -> Bool) throws -> [String: Rewiring] {
        var outcomes: [String: Rewiring] = [:]
        for name in names {
            let wanted = command(name)
            if let current = config.value(forKey: "credential_process", inProfile: name)?.stringValue?
                .trimmingWhitespace(), !current.isEmpty {
                if current == wanted {
                    outcomes[name] = .unchanged
                    continue
                }
                guard isOurs(current, name) else {
                    outcomes[name] = .keptOther
                    continue
                }
            }
            try config.setValue(wanted, forKey: "credential_process", inProfile: name)
            outcomes[name] = .added
        }
        return outcomes
    }
}
