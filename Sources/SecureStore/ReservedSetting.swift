/// Settings credstore keeps for itself in a profile's record (FORMAT.md, *Settings credstore reserves*): keys that
/// start with `credstore_`, encrypted like every setting, never copied to the shared AWS files, never shown or
/// handed on as AWS settings. Only credstore's own commands set them.
package enum ReservedSetting {
    /// The prefix every reserved key starts with.
    package static let prefix = "credstore_"

    /// `true`: the profile's long-lived key stays home; `export`, `exec` and `credential_process` hand out only
    /// temporary credentials for it unless asked for the long-lived key explicitly. Absent (or anything else): off.
    package static let sessionOnly = "credstore_session_only"

    /// How long before `Expiration` a cached session of this profile is renewed (`SessionRefreshWindow`).
    package static let sessionRefreshWindow = "credstore_session_refresh_window"

    /// Whether `key` is reserved (starts with `credstore_`, compared byte for byte, case-sensitive).
    package static func isReserved(_ key: String) -> Bool {
        key.utf8.starts(with: prefix.utf8)
    }

    /// `settings` without the reserved keys: what may be shown or copied as AWS settings.
    package static func awsSettings(_ settings: [String: String]) -> [String: String] {
        settings.filter { !isReserved($0.key) }
    }

    /// Only the reserved keys of `settings`.
    package static func reservedSettings(_ settings: [String: String]) -> [String: String] {
        settings.filter { isReserved($0.key) }
    }

    /// Whether `settings` turn on `sessionOnly`.
    package static func isSessionOnly(_ settings: [String: String]) -> Bool {
        settings[sessionOnly] == "true"
    }
}
