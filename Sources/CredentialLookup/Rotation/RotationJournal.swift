import FoundationEssentials
import SecureStore

/// The journal of a rotation in progress, kept with the profile it rotates (reserved settings `credstore_rotation_*`:
/// inside the encrypted record for a store profile, in the profile's section for a shared-file profile), written in
/// the same atomic write as the key it describes. Its phase says what a resumed rotation must do.
package struct RotationJournal: Sendable, Equatable {
    /// How far a rotation got.
    package enum Phase: String, Sendable {
        /// About to call `CreateAccessKey`: a key IAM made then may exist with its secret lost (a crash between the
        /// call and the next write). Resuming deletes such a key (created after `startedAt`) and rolls back.
        case creating
        /// The new key is created and its secret is in the journal; the profile still uses the old key. Resuming
        /// verifies the new key and finishes, or (the key is refused) rolls back.
        case created
        /// The profile uses the new key; the old key is still to be deactivated (and deleted). Resuming finishes.
        case switched
    }

    /// The phase.
    package var phase: Phase
    /// The key being replaced.
    package var oldKeyID: String
    /// When the rotation began (wall clock).
    package var startedAt: Date
    /// Whether the old key is kept inactive instead of deleted (`--keep-old-inactive`).
    package var keepOld: Bool
    /// The new key id (from `created` on).
    package var newKeyID: String?
    /// The new secret (in phase `created` only; afterwards it is the profile's key).
    package var newSecret: SecretBytes?
    /// When IAM created the new key.
    package var newKeyCreated: Date?

    /// Creates a journal.
    package init(phase: Phase, oldKeyID: String, startedAt: Date, keepOld: Bool, newKeyID: String? = nil,
                 newSecret: SecretBytes? = nil, newKeyCreated: Date? = nil) {
        self.phase = phase
        self.oldKeyID = oldKeyID
        self.startedAt = startedAt
        self.keepOld = keepOld
        self.newKeyID = newKeyID
        self.newSecret = newSecret
        self.newKeyCreated = newKeyCreated
    }

    /// The reserved setting names (README and FORMAT.md, "Settings credstore reserves").
    package enum Setting {
        /// The phase: `creating`, `created` or `switched`.
        package static let phase = "credstore_rotation_phase"
        /// The key being replaced.
        package static let oldKeyID = "credstore_rotation_old_key_id"
        /// When the rotation began, RFC 3339.
        package static let startedAt = "credstore_rotation_started"
        /// `true` when the old key is kept inactive.
        package static let keepOld = "credstore_rotation_keep_old"
        /// The new key id.
        package static let newKeyID = "credstore_rotation_new_key_id"
        /// The new secret access key (phase `created` only).
        package static let newSecret = "credstore_rotation_new_secret_access_key"
        /// When IAM created the new key, RFC 3339.
        package static let newKeyCreated = "credstore_rotation_new_key_created"
        /// When IAM created the profile's current key, RFC 3339 (kept after a rotation; `--if-older-than` reads it).
        package static let keyCreated = "credstore_key_created"
        /// Every journal setting (not `keyCreated`, which outlives the rotation).
        package static let journal = [phase, oldKeyID, startedAt, keepOld, newKeyID, newSecret, newKeyCreated]
    }

    /// The journal the settings hold, nil when there is none.
    ///
    /// - Throws: `RotationError.journalDamaged` when a phase is set but a setting it needs is missing or unreadable.
    package static func read(from settings: [String: String], profile: String, place: String) throws
        -> RotationJournal? {
        guard let phaseText = settings[Setting.phase] else { return nil }
        func damaged(_ what: String) -> RotationError {
            RotationError(.journalDamaged, profile: profile,
                          "the rotation journal of profile \(profile) in \(place) is damaged (\(what))")
        }
        guard let phase = Phase(rawValue: phaseText) else { throw damaged("unknown phase '\(phaseText)'") }
        guard let old = settings[Setting.oldKeyID], !old.isEmpty else { throw damaged("no old key id") }
        guard let started = settings[Setting.startedAt].flatMap(RotationDate.parse) else {
            throw damaged("no start time")
        }
        var journal = RotationJournal(phase: phase, oldKeyID: old, startedAt: started,
                                      keepOld: settings[Setting.keepOld] == "true")
        journal.newKeyID = settings[Setting.newKeyID]
        journal.newSecret = settings[Setting.newSecret].map { SecretBytes(Array($0.utf8)) }
        journal.newKeyCreated = settings[Setting.newKeyCreated].flatMap(RotationDate.parse)
        if phase != .creating, journal.newKeyID == nil { throw damaged("no new key id") }
        if phase == .created, journal.newSecret == nil { throw damaged("no new secret") }
        return journal
    }

    /// The settings that record this journal (every journal setting: absent ones map to nil, to be removed).
    package var settings: [String: String?] {
        var result: [String: String?] = [:]
        for key in Setting.journal { result[key] = .some(nil) }
        result[Setting.phase] = phase.rawValue
        result[Setting.oldKeyID] = oldKeyID
        result[Setting.startedAt] = RotationDate.format(startedAt)
        result[Setting.keepOld] = keepOld ? "true" : "false"
        if let newKeyID { result[Setting.newKeyID] = newKeyID }
        if let newSecret {
            result[Setting.newSecret] = newSecret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
        if let newKeyCreated { result[Setting.newKeyCreated] = RotationDate.format(newKeyCreated) }
        return result
    }

    /// The settings that remove any journal.
    package static var cleared: [String: String?] {
        var result: [String: String?] = [:]
        for key in Setting.journal { result[key] = .some(nil) }
        return result
    }
}

/// Dates in the journal: RFC 3339 in UTC with whole seconds.
package enum RotationDate {
    /// `2026-12-05T16:49:56Z`.
    package static func format(_ date: Date) -> String {
        RFC3339.format(date)
    }

    /// The date `text` names, or nil.
    package static func parse(_ text: String) -> Date? {
        RFC3339.parse(Array(text.utf8))
    }
}
