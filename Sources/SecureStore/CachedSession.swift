import FoundationEssentials

/// One set of temporary credentials in the session cache (FORMAT.md, *Session cache*): what STS returned and what it
/// was asked for, so that a later lookup with the same question reuses it until shortly before it expires.
package struct CachedSession: Equatable, Sendable {
    /// What kind of session: it decides which fields make up its `key`.
    package enum Kind: UInt8, CaseIterable, Sendable {
        /// From `AssumeRole`: keyed by (profile, role ARN, session name, external id, source identity).
        case roleSession = 1
        /// From `GetSessionToken` with an MFA code: keyed by (source profile, mfa_serial), so every role whose source
        /// profile and MFA device are these shares one MFA prompt.
        case mfaSession = 2
        /// From `GetSessionToken` without MFA (a profile whose long-lived key stays home): keyed by the source
        /// profile.
        case plainSession = 3

        /// The name `credstore sessions` prints: `role`, `mfa` or `session`.
        package var name: String {
            switch self {
            case .roleSession: return "role"
            case .mfaSession: return "mfa"
            case .plainSession: return "session"
            }
        }
    }

    /// The kind of session.
    package var kind: Kind
    /// The profile the session serves: the role profile for a role session, the source profile (the one holding the
    /// long-lived key) for an MFA or plain session.
    package var profile: String
    /// The temporary access key id (`ASIA…`).
    package var accessKeyID: String
    /// The temporary secret access key.
    package var secretAccessKey: SecretBytes
    /// The session token.
    package var sessionToken: SecretBytes
    /// When STS says the credentials stop working (millisecond precision in the file).
    package var expiration: Date
    /// When credstore received them (millisecond precision in the file).
    package var created: Date
    /// The profile whose credentials made the STS call, when that is not `profile` itself.
    package var sourceProfile: String?
    /// The role assumed (`role_arn`), for a role session.
    package var roleARN: String?
    /// The role session name sent (`role_session_name`, or the one credstore chose).
    package var roleSessionName: String?
    /// The `external_id` sent with `AssumeRole`.
    package var externalID: String?
    /// The MFA device (`mfa_serial`) whose code made the session, if any.
    package var mfaSerial: String?
    /// Who made the call: the access key id (or, for a chain, the assumed-role ARN) of the credentials that signed
    /// the STS request. A source profile whose key changed no longer matches its old sessions.
    package var sourceIdentity: String?
    /// The assumed-role ARN STS returned (`AssumedRoleUser.Arn`), for display.
    package var assumedRoleARN: String?

    /// Creates a session. `kind` decides the key: a role session needs `roleARN`, an MFA session `mfaSerial`.
    package init(kind: Kind, profile: String, accessKeyID: String, secretAccessKey: SecretBytes,
                 sessionToken: SecretBytes, expiration: Date, created: Date, sourceProfile: String? = nil,
                 roleARN: String? = nil, roleSessionName: String? = nil, externalID: String? = nil,
                 mfaSerial: String? = nil, sourceIdentity: String? = nil, assumedRoleARN: String? = nil) {
        self.kind = kind
        self.profile = profile
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.created = created
        self.sourceProfile = sourceProfile
        self.roleARN = roleARN
        self.roleSessionName = roleSessionName
        self.externalID = externalID
        self.mfaSerial = mfaSerial
        self.sourceIdentity = sourceIdentity
        self.assumedRoleARN = assumedRoleARN
    }

    /// What a lookup asks for to find this session again; two sessions with one key are one cache entry (the newer
    /// replaces the older).
    package var key: SessionKey {
        switch kind {
        case .roleSession:
            return .role(profile: profile, roleARN: roleARN ?? "", sessionName: roleSessionName,
                         externalID: externalID, sourceIdentity: sourceIdentity)
        case .mfaSession:
            return .mfa(sourceProfile: profile, mfaSerial: mfaSerial ?? "")
        case .plainSession:
            return .plain(sourceProfile: profile)
        }
    }

    /// Whether a lookup at `now` may still hand the session out: it expires more than `refreshWindow` from now.
    package func isLive(at now: Date, refreshWindow: SessionRefreshWindow) -> Bool {
        expiration.timeIntervalSince(now) > refreshWindow.seconds
    }
}

extension CachedSession: CustomStringConvertible {
    /// Kind, profile and access key id; the secret and the token print as `<redacted>`.
    package var description: String {
        "CachedSession(\(kind.name), profile: \(profile), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, "
            + "sessionToken: <redacted>)"
    }
}

/// The identity of a cache entry: the question the session answers. Built with `role`, `mfa` or `plain`.
package struct SessionKey: Hashable, Sendable, CustomStringConvertible {
    /// The kind of session.
    package let kind: CachedSession.Kind
    private let parts: [String?]

    private init(_ kind: CachedSession.Kind, _ parts: [String?]) {
        self.kind = kind
        self.parts = parts
    }

    /// A role session: one per (role profile, role ARN, session name, external id, source identity).
    package static func role(profile: String, roleARN: String, sessionName: String?, externalID: String?,
                             sourceIdentity: String?) -> SessionKey {
        SessionKey(.roleSession, [profile, roleARN, sessionName, externalID, sourceIdentity])
    }

    /// An MFA session: one per (source profile, `mfa_serial`), shared by every role using them.
    package static func mfa(sourceProfile: String, mfaSerial: String) -> SessionKey {
        SessionKey(.mfaSession, [sourceProfile, mfaSerial])
    }

    /// A plain session (`GetSessionToken` without MFA): one per source profile.
    package static func plain(sourceProfile: String) -> SessionKey {
        SessionKey(.plainSession, [sourceProfile])
    }

    /// The profile the key is about (first part).
    package var profile: String { parts[0] ?? "" }

    /// E.g. `role(prod-admin, arn:aws:iam::123456789012:role/admin, …)`; holds no secret.
    package var description: String {
        "\(kind.name)(" + parts.map { $0 ?? "-" }.joined(separator: ", ") + ")"
    }
}

/// How long before `Expiration` a cached session stops being handed out (and a new one is made): 15 minutes unless
/// the profile's reserved setting `credstore_session_refresh_window` or the environment variable
/// `CREDSTORE_SESSION_REFRESH_WINDOW` says otherwise (README, *Sessions*). The environment wins: it is the user's
/// choice for this run.
package struct SessionRefreshWindow: Equatable, Sendable {
    /// 15 minutes, as the AWS SDKs' own refresh margin for assumed roles.
    package static let standard = SessionRefreshWindow(seconds: 15 * 60)
    /// The largest window accepted: 12 hours, the longest session STS issues.
    package static let maximumSeconds: Double = 12 * 3600
    /// The environment variable that overrides every profile's window.
    package static let environmentVariable = "CREDSTORE_SESSION_REFRESH_WINDOW"

    /// The window in seconds, 0 through `maximumSeconds`.
    package let seconds: Double

    /// A window of `seconds` (clamped to 0…12 h).
    package init(seconds: Double) {
        self.seconds = Swift.min(Swift.max(seconds.isNaN ? 0 : seconds, 0), Self.maximumSeconds)
    }

    /// Parses `900`, `900s`, `15m` or `1h` (whole numbers); `nil` for anything else or more than 12 hours.
    package init?(parsing text: String) {
        var digits = Substring(text.trimmingASCIISpaces())
        var unit: Double = 1
        switch digits.last {
        case "s": digits = digits.dropLast()
        case "m": unit = 60; digits = digits.dropLast()
        case "h": unit = 3600; digits = digits.dropLast()
        default: break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 6,
              let value = Double(digits), value * unit <= Self.maximumSeconds else { return nil }
        self.init(seconds: value * unit)
    }

    /// The window for a profile: `CREDSTORE_SESSION_REFRESH_WINDOW` when set, else the profile's
    /// `credstore_session_refresh_window` setting, else 15 minutes.
    ///
    /// - Throws: `SecureStoreError.invalidArgument` naming the variable or the setting when its value is not a
    ///   whole number of seconds (optionally with `s`, `m` or `h`) of at most 12 hours.
    package static func resolve(environment: [String: String], profileSettings: [String: String]) throws
        -> SessionRefreshWindow {
        if let value = environment[environmentVariable], !value.isEmpty {
            guard let window = SessionRefreshWindow(parsing: value) else {
                throw SecureStoreError(.invalidArgument,
                                       "\(environmentVariable)=\(value.debugDescription) is not a refresh window",
                                       hint: "give whole seconds, or minutes or hours such as 15m or 1h, at most 12h")
            }
            return window
        }
        if let value = profileSettings[ReservedSetting.sessionRefreshWindow], !value.isEmpty {
            guard let window = SessionRefreshWindow(parsing: value) else {
                throw SecureStoreError(.invalidArgument,
                                       "the profile's \(ReservedSetting.sessionRefreshWindow) "
                                       + "\(value.debugDescription) is not a refresh window",
                                       hint: "give whole seconds, or minutes or hours such as 15m or 1h, at most 12h")
            }
            return window
        }
        return .standard
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
