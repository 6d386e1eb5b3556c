import SecureStore

/// A profile as a step of a role chain names it: its name and the place that holds it (for messages and provenance),
/// and its non-secret settings (an executor reads `sts_regional_endpoints`, `endpoint_url`, `mfa_process` there).
package struct ProfileReference: Equatable, Sendable, CustomStringConvertible {
    /// The profile name.
    package var name: String
    /// The kind of place that holds it: the encrypted store, or a shared file (the credentials file's and the config
    /// file's definitions of one name are merged as the SDKs merge them; this is the file that decided).
    package var storeType: StoreType
    /// The store or file path.
    package var location: String
    /// The profile's non-secret settings (merged over the shared files).
    package var settings: [String: String]

    /// Creates a reference.
    ///
    /// - Parameters:
    ///   - name: The profile name.
    ///   - storeType: The kind of place that holds it.
    ///   - location: The store or file path.
    ///   - settings: The non-secret settings.
    package init(name: String, storeType: StoreType, location: String, settings: [String: String] = [:]) {
        self.name = name
        self.storeType = storeType
        self.location = location
        self.settings = settings
    }

    /// "the shared config file (/home/u/.aws/config)".
    package var place: String { "the \(storeType.displayName) (\(location))" }

    /// "'prod' in the encrypted store (/home/u/.local/share/credstore/store)".
    package var description: String { "'\(name)' in \(place)" }
}

/// The `credential_source` values a role profile may name (the SDKs' three).
package enum NamedCredentialSource: String, CaseIterable, Sendable {
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    case environment = "Environment"
    /// The EC2 instance metadata service (IMDSv2).
    case ec2InstanceMetadata = "Ec2InstanceMetadata"
    /// The ECS/EKS container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`/`_FULL_URI`).
    case ecsContainer = "EcsContainer"
}

/// Where the first credentials of a chain come from, before any role is assumed.
package enum RoleChainBase: Sendable {
    /// Static keys (`aws_access_key_id`, `aws_secret_access_key`, optional `aws_session_token`) of `profile`;
    /// `accountID` is its `aws_account_id`, if any.
    case staticKeys(profile: ProfileReference, credentials: Credentials, accountID: String?)
    /// The `credential_process` command line of `profile` (run it as `ProfileCredentials` does: split, no shell).
    case credentialProcess(profile: ProfileReference, command: String)
    /// The `credential_source` of `profile`.
    case namedSource(NamedCredentialSource, profile: ProfileReference)
    /// AssumeRoleWithWebIdentity (`web_identity_token_file` + `role_arn`): recognised, not supported.
    case webIdentity(profile: ProfileReference, roleARN: String, tokenFile: String, sessionName: String?)
    /// IAM Identity Center (`sso_*`, with the `sso-session` settings merged in): recognised, not supported.
    case sso(profile: ProfileReference, settings: [String: String])

    /// The profile the base comes from.
    package var profile: ProfileReference {
        switch self {
        case .staticKeys(let profile, _, _), .credentialProcess(let profile, _), .namedSource(_, let profile),
             .webIdentity(let profile, _, _, _), .sso(let profile, _):
            return profile
        }
    }

    /// E.g. "the keys of 'prod' in the encrypted store (…)"; never a secret.
    package var description: String {
        switch self {
        case .staticKeys(let profile, let credentials, _):
            return "access key \(credentials.accessKeyID) of \(profile)"
        case .credentialProcess(let profile, _):
            return "the credential_process of \(profile)"
        case .namedSource(let source, let profile):
            return "credential_source \(source.rawValue) of \(profile)"
        case .webIdentity(let profile, let roleARN, _, _):
            return "the web identity role \(roleARN) of \(profile)"
        case .sso(let profile, _):
            return "IAM Identity Center (sso_*) of \(profile)"
        }
    }
}

/// One AssumeRole call of a chain, with the settings of the profile that asks for it.
package struct AssumeRoleStep: Equatable, Sendable {
    /// `role_arn`.
    package var roleARN: String
    /// `external_id`, if set.
    package var externalID: String?
    /// `mfa_serial`, if set (the MFA device whose code the call needs).
    package var mfaSerial: String?
    /// `role_session_name`, if set (else the executor picks one).
    package var roleSessionName: String?
    /// `duration_seconds`, if set (a positive whole number; STS checks the range).
    package var durationSeconds: Int?
    /// The profile that holds `role_arn`.
    package var profile: ProfileReference
    /// The region of that profile (its own `region`, else the same-named profile's in another place), if any.
    package var region: String?

    /// Creates a step.
    ///
    /// - Parameters:
    ///   - roleARN: `role_arn`.
    ///   - externalID: `external_id`.
    ///   - mfaSerial: `mfa_serial`.
    ///   - roleSessionName: `role_session_name`.
    ///   - durationSeconds: `duration_seconds`.
    ///   - profile: The profile that holds `role_arn`.
    ///   - region: That profile's region.
    package init(roleARN: String, externalID: String? = nil, mfaSerial: String? = nil, roleSessionName: String? = nil,
                 durationSeconds: Int? = nil, profile: ProfileReference, region: String? = nil) {
        self.roleARN = roleARN
        self.externalID = externalID
        self.mfaSerial = mfaSerial
        self.roleSessionName = roleSessionName
        self.durationSeconds = durationSeconds
        self.profile = profile
        self.region = region
    }
}

/// What credentials for a profile take: a base, then zero or more roles assumed in order (`roles[0]` with the base's
/// credentials, each next one with the credentials of the one before). Made by `RoleChainPlanner`; carries no secret
/// other than static keys of the base (in `SecretBytes`).
package struct RoleChain: Sendable {
    /// The profile asked for.
    package var profileName: String
    /// Where the first credentials come from.
    package var base: RoleChainBase
    /// The roles to assume, in order; empty when the profile's credentials are the base itself.
    package var roles: [AssumeRoleStep]

    /// Creates a chain.
    ///
    /// - Parameters:
    ///   - profileName: The profile asked for.
    ///   - base: Where the first credentials come from.
    ///   - roles: The roles to assume, in order.
    package init(profileName: String, base: RoleChainBase, roles: [AssumeRoleStep]) {
        self.profileName = profileName
        self.base = base
        self.roles = roles
    }

    /// E.g. "access key AKIA… of 'prod' in the encrypted store (…) -> arn:aws:iam::123456789012:role/admin
    /// ('admin')"; never a secret.
    package var description: String {
        ([base.description] + roles.map { "\($0.roleARN) ('\($0.profile.name)')" }).joined(separator: " -> ")
    }

    /// Throws when credstore cannot produce the base at all (web identity, IAM Identity Center), naming the profile;
    /// returns otherwise.
    ///
    /// - Throws: `CredentialLookupError` with code `webIdentityNotSupported` or `ssoNotSupported`.
    package func requireSupportedBase() throws {
        switch base {
        case .webIdentity(let profile, _, _, _):
            throw CredentialLookupError(.webIdentityNotSupported(profile: profile.name, place: profile.place))
        case .sso(let profile, _):
            throw CredentialLookupError(.ssoNotSupported(profile: profile.name, place: profile.place))
        case .staticKeys, .credentialProcess, .namedSource:
            return
        }
    }
}
