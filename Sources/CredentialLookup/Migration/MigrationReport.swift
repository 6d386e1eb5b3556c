import SecureStore
import SharedFileStore

/// What a `Migration` does, or in a dry run would do, with one profile of the shared files.
package struct ProfileMigration: Sendable {
    /// The outcome for one profile.
    package enum Status: String, Sendable, CaseIterable {
        /// The profile's keys go into the store (it had no profile of that name, or the same keys with other
        /// settings).
        case migrated
        /// The store already holds exactly these keys (an earlier run, possibly interrupted, imported them).
        case alreadyMigrated = "already-migrated"
        /// The store holds a different key pair under this name; nothing is changed without `overwrite`.
        case conflicting
        /// The store held a different key pair under this name, and `overwrite` replaces it.
        case overwritten
        /// Nothing to import: see `reason` (settings only, incomplete key pair, a role or SSO profile).
        case skipped
        /// The profile was asked for by name but is in none of the files read.
        case notFound = "not-found"
    }

    /// The profile name.
    package var name: String
    /// The outcome.
    package var status: Status
    /// Why the profile was skipped, conflicts or needs no write; `nil` for a plain import.
    package var reason: String?
    /// What the store must hold for this profile afterwards; `nil` when the store is not to be changed or checked.
    package var imported: StoredProfile?
    /// Whether the store has to be written for this profile (`imported` differs from the store's copy).
    package var needsStoreWrite: Bool
    /// The files the profile was read from (credentials file first).
    package var sources: [ProfileSource]
    /// The secret keys removed (in a dry run: that would be removed) from each plaintext file, in the order the
    /// files were edited (config first).
    package var removedPlaintext: [PlaintextKeys] = []
    /// The secret keys left in a plaintext file because a definition differs from the store's copy, or the store
    /// has no copy to compare with: nothing is removed that the store does not hold.
    package var keptPlaintext: [PlaintextKeys] = []
    /// What happened to the profile's `credential_process` in the config file; `nil` when the config was not to be
    /// rewired, or the profile is not eligible. For a profile with `roleSource`, the outcome for that source profile.
    package var rewiring: Rewiring?
    /// For a profile whose keys and `role_arn` live together (`source_profile` = itself): the store profile its keys
    /// go into, which the rewired config names as the role's `source_profile` (botocore accepts a self-reference only
    /// with static keys in the profile, so the keys cannot simply become a `credential_process` of the profile).
    package var roleSource: String?

    /// Whether the plaintext files may be changed for this profile (secrets removed, `credential_process` added):
    /// only when the store holds, or will hold, this profile's keys.
    package var allowsPlaintextChanges: Bool {
        status == .migrated || status == .alreadyMigrated || status == .overwritten
    }
}

/// Secret keys of a profile in one plaintext file.
package struct PlaintextKeys: Equatable, Sendable {
    /// The file's path.
    package var path: String
    /// The keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`, `aws_security_token`).
    package var keys: [String]

    /// Keys of a profile in the file at `path`.
    package init(path: String, keys: [String]) {
        self.path = path
        self.keys = keys
    }
}

/// What happened to a profile's `credential_process` in the config file.
package enum Rewiring: String, Equatable, Sendable {
    /// `credential_process` was added (or replaced an older command that `ConfigRewiring.replaces` accepted).
    case added
    /// The profile already had exactly this `credential_process`.
    case unchanged
    /// The profile has another `credential_process`, which was left alone.
    case keptOther = "kept-other"
}

/// The outcome of `Migration.run()`: one entry per profile, in file order (or in the order asked for).
package struct MigrationReport: Sendable {
    /// The encrypted store's path.
    package var storePath: String
    /// Whether this was a dry run (nothing was changed; the entries say what would happen).
    package var dryRun: Bool
    /// One entry per profile.
    package var profiles: [ProfileMigration]

    /// The profiles asked for by name that are in none of the files; when there are any, nothing was changed.
    package var notFound: [String] { profiles.filter { $0.status == .notFound }.map(\.name) }
    /// The profiles left alone because the store holds a different key pair under their name.
    package var conflicting: [String] { profiles.filter { $0.status == .conflicting }.map(\.name) }
    /// The profiles (sorted by name) that still have plaintext secrets because a value differs from the store's.
    package var keptPlaintext: [String] { profiles.filter { !$0.keptPlaintext.isEmpty }.map(\.name).sorted() }
    /// The number of profiles whose keys were written to the store (`migrated` or `overwritten`).
    package var migratedCount: Int {
        profiles.filter { $0.status == .migrated || $0.status == .overwritten }.count
    }
    /// Whether any plaintext secret was removed (so old copies may survive in backups and free disk blocks).
    package var removedAnyPlaintext: Bool { profiles.contains { !$0.removedPlaintext.isEmpty } }

    /// Records per-profile removal outcomes for the file at `path`.
    mutating func record(_ outcomes: [String: PlaintextRemoval], path: String) {
        for index in profiles.indices {
            switch outcomes[profiles[index].name] {
            case .removed(let keys)?:
                profiles[index].removedPlaintext.append(PlaintextKeys(path: path, keys: keys))
            case .keptDifferent(let keys)?:
                profiles[index].keptPlaintext.append(PlaintextKeys(path: path, keys: keys))
            case .notInStore?:
                // Nothing to compare with: every secret key the profile may have there is kept.
                profiles[index].keptPlaintext.append(PlaintextKeys(path: path,
                                                                   keys: ProfileEntry.credentialSettingNames))
            case nil: break
            }
        }
    }

    /// Records per-profile rewiring outcomes.
    mutating func record(_ outcomes: [String: Rewiring]) {
        for index in profiles.indices where outcomes[profiles[index].name] != nil {
            profiles[index].rewiring = outcomes[profiles[index].name]
        }
    }
}
