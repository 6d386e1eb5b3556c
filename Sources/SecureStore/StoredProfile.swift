import FoundationEssentials

/// One profile in the encrypted store, holding the fields of the AWS Tools for PowerShell SDK store.
///
/// Only `name` is stored in clear; everything else is encrypted at rest.
package struct StoredProfile: Equatable, Sendable {
    /// The profile name, e.g. `default` or `AWS PS Default`. Visible in the store file without unlocking.
    package var name: String
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    package var accessKeyID: String
    /// The secret access key.
    package var secretAccessKey: SecretBytes
    /// The session token of temporary credentials.
    package var sessionToken: SecretBytes?
    /// When temporary credentials expire. Stored with millisecond precision.
    package var expiration: Date?
    /// Other settings: `region`, `role_arn`, `source_profile`, `mfa_serial`, `external_id`, `credential_process`
    /// or any other string key.
    package var settings: [String: String]

    /// Creates a profile.
    ///
    /// - Parameters:
    ///   - name: the profile name (1–256 UTF-8 bytes, no control characters).
    ///   - accessKeyID: the access key id.
    ///   - secretAccessKey: the secret access key.
    ///   - sessionToken: the session token of temporary credentials, if any.
    ///   - expiration: when temporary credentials expire, if known.
    ///   - settings: any other settings, by key.
    package init(
        name: String,
        accessKeyID: String,
        secretAccessKey: SecretBytes,
        sessionToken: SecretBytes? = nil,
        expiration: Date? = nil,
        settings: [String: String] = [:]
    ) {
        self.name = name
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.settings = settings
    }
}

extension StoredProfile: CustomStringConvertible {
    /// The name and access key id; secrets print as `<redacted>`.
    package var description: String {
        "StoredProfile(name: \(name), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>"
            + (sessionToken == nil ? "" : ", sessionToken: <redacted>") + ")"
    }
}
