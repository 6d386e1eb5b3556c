#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What `credstore migrate` does with one profile of the shared files.
public struct ProfileMigration: Sendable {
    /// The outcome for one profile.
    public enum Status: String, Sendable, CaseIterable {
        /// The profile's keys go into the store (it had no profile of that name, or the same keys with other
        /// settings).
        case migrated
        /// The store already holds exactly these keys (an earlier run, possibly interrupted, imported them).
        case alreadyMigrated = "already-migrated"
        /// The store holds a different key pair under this name; nothing is changed without `--overwrite`.
        case conflicting
        /// The store held a different key pair under this name, and `--overwrite` replaces it.
        case overwritten
        /// Nothing to import: see `reason` (settings only, incomplete key pair, a role or SSO profile).
        case skipped
        /// The profile was named with `--profile` but is in none of the files read.
        case notFound = "not-found"
    }

    /// The profile name.
    public var name: String
    /// The outcome.
    public var status: Status
    /// Why the profile was skipped, conflicts or needs no write; `nil` for a plain import.
    public var reason: String?
    /// What the store must hold for this profile afterwards; `nil` when the store is not to be changed or checked.
    public var imported: StoredProfile?
    /// Whether the store has to be written for this profile (`imported` differs from the store's copy).
    public var needsStoreWrite: Bool
    /// The files the profile was read from (credentials file first).
    public var sources: [ProfileSource]

    /// Whether the plaintext files may be changed for this profile (secrets removed, `credential_process` added):
    /// only when the store holds, or will hold, this profile's keys.
    public var allowsPlaintextChanges: Bool {
        status == .migrated || status == .alreadyMigrated || status == .overwritten
    }
}

/// What happened to a profile's plaintext secrets in one file.
public enum PlaintextRemoval: Equatable, Sendable {
    /// The keys listed were removed (their values equal the store's copy).
    case removed([String])
    /// The file holds keys for the profile that differ from the store's copy (edited since the plan, or a shadowed
    /// pair in the config file); they were left in place so that no secret is lost.
    case keptDifferent([String])
    /// The store has no copy of the profile to compare with; nothing was removed.
    case notInStore
}

/// What happened to a profile's `credential_process` in the config file.
public enum Rewiring: Equatable, Sendable {
    /// `credential_process` was added (or updated from an older credstore command for the same profile).
    case added
    /// The profile already had exactly this `credential_process`.
    case unchanged
    /// The profile has another `credential_process`, which was left alone.
    case keptOther
}

/// Pure planning for `credstore migrate`: which profiles of the shared files go into the encrypted store, and the
/// edits to the plaintext files once the store verifiably holds them. Nothing here touches the disk, so every rule
/// is testable on in-memory documents; the command does the I/O in crash-safe order.
public enum MigrationPlanner {
    /// Properties that are not copied into the store: the secrets (stored in their own fields) and
    /// `credential_process` (a migrated profile's keys make it unnecessary, and a rewired one points back at us).
    static let notImported: Set<String> = Set(ProfileEntry.credentialSettingNames + ["credential_process"])

    /// Plans the migration of `names` (every profile of `shared` when `nil`).
    ///
    /// - Parameters:
    ///   - shared: The merged shared credentials and config files.
    ///   - names: The profiles asked for with `--profile`, or `nil` for all.
    ///   - stored: The store's current profile of a name, or `nil`; only called for names the store holds.
    ///   - storedNames: The names the store holds (readable without unlocking).
    ///   - overwrite: Whether a different key pair in the store may be replaced.
    /// - Returns: One entry per profile, in file order (or in the order given).
    public static func plan(shared: SharedProfiles, names: [String]? = nil, storedNames: Set<String>,
                            stored: (String) throws -> StoredProfile?, overwrite: Bool) rethrows -> [ProfileMigration] {
        var seen = Set<String>()
        let wanted = (names ?? shared.profileNames).filter { seen.insert($0).inserted }
        return try wanted.map { name in
            guard let section = shared.profile(name) else {
                return ProfileMigration(name: name, status: .notFound,
                                        reason: "not in \(describe(shared.credentials)) or \(describe(shared.config))",
                                        imported: nil, needsStoreWrite: false, sources: [])
            }
            let existing = storedNames.contains(name) ? try stored(name) : nil
            return planOne(section, existing: existing, overwrite: overwrite)
        }
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
        for (key, property) in section.properties where !notImported.contains(key) {
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

    /// Whether `candidate` is what the store must hold for `expected`: same keys, token, expiration and settings.
    public static func verify(_ candidate: StoredProfile?, matches expected: StoredProfile) -> Bool {
        candidate == expected
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
    public static func removePlaintextSecrets(of names: [String], from file: inout ProfileFile,
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

    /// Adds `credential_process = command(name)` to each profile in the config document, creating `[profile NAME]`
    /// (or `[default]`) when needed. An existing `credential_process` is replaced only when it is an earlier credstore
    /// `export` of the same profile (`isOurs`); any other is kept.
    ///
    /// - Parameters:
    ///   - names: The profiles to rewire.
    ///   - config: The config document, as re-read under its lock.
    ///   - command: The command line for a profile.
    ///   - isOurs: Whether an existing command line is credstore's own export for that profile.
    /// - Returns: What happened per profile.
    /// - Throws: `SharedFileError` (`.invalidArgument` for a name or command the file cannot hold).
    public static func rewire(_ names: [String], in config: inout ProfileFile, command: (String) -> String,
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

    /// The `credential_process` command line that runs `executable export --profile NAME --format
    /// credential-process` (with `--store` when the store is not the default one), quoted for botocore's and
    /// credstore's POSIX word splitting.
    ///
    /// - Parameters:
    ///   - executable: The absolute path of the credstore binary.
    ///   - profile: The profile name.
    ///   - store: The store path, when it must be named explicitly.
    public static func exportCommand(executable: String, profile: String, store: String? = nil) -> String {
        var words = [executable, "export"]
        if let store { words += ["--store", store] }
        words += ["--profile", profile, "--format", "credential-process"]
        return words.map(shellWord).joined(separator: " ")
    }

    /// Whether `command` is credstore's export of `profile` (any binary path, any store), so a rerun may update it.
    ///
    /// - Parameters:
    ///   - command: An existing `credential_process` value.
    ///   - profile: The profile it belongs to.
    public static func isExportCommand(_ command: String, forProfile profile: String) -> Bool {
        guard let words = try? CommandLineSplitter.split(command), words.count >= 2,
              words[0].split(separator: "/").last == "credstore", words[1] == "export" else { return false }
        let rest = Array(words.dropFirst(2))
        guard let index = rest.firstIndex(of: "--profile"), index + 1 < rest.count else { return false }
        return rest[index + 1] == profile
    }

    static func shellWord(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./%@:+=,")
        if !word.isEmpty, word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacing("'", with: #"'\''"#) + "'"
    }
}
