import FoundationEssentials
import Glibc
import SecureStore

/// An AWS-style access key pair, with the optional session token and expiry of temporary credentials.
///
/// The secret parts are `SecretBytes`, so they are wiped when the last copy goes away and never print; `description`
/// shows only the access key id.
public struct Credentials: Equatable, Sendable, CustomStringConvertible {
    /// The access key id (not secret: it appears in logs and CloudTrail), e.g. `AKIAIOSFODNN7EXAMPLE`.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: SecretBytes
    /// The session token of temporary credentials, if any.
    public var sessionToken: SecretBytes?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?

    /// Creates credentials from their parts.
    ///
    /// - Parameters:
    ///   - accessKeyID: The access key id.
    ///   - secretAccessKey: The secret access key.
    ///   - sessionToken: The session token of temporary credentials.
    ///   - expiration: When temporary credentials expire.
    public init(accessKeyID: String, secretAccessKey: SecretBytes, sessionToken: SecretBytes? = nil,
                expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether the credentials have an expiry at or before `date`.
    ///
    /// - Parameter date: The moment to compare with, normally now.
    public func isExpired(at date: Date) -> Bool {
        guard let expiration else { return false }
        return expiration <= date
    }

    /// The access key id and whether a token and expiry are present; never a secret.
    public var description: String {
        var text = "Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        if let expiration { text += ", expiration: \(RFC3339.format(expiration))" }
        return text + ")"
    }
}
