import SecureStore

/// Plans the credentials of a profile that assumes a role (or names a `credential_source`, a web identity or IAM
/// Identity Center): a base, then the roles to assume in order. Pure: it reads profiles (the store's and the shared
/// files', by the search order, store first) and runs nothing — no program, no network. Executing the chain is the
/// caller's (`RoleChainResolution`).
///
/// The rules are smithy-rs's profile chain (`aws-config` `profile/credentials/repr.rs`), which the conformance suite
/// `profile/smithy-rs/assume-role-tests.json` encodes (`RoleChainPlannerConformanceTests` runs all 28 cases):
/// - a profile with `role_arn` (and no `web_identity_token_file`) is a role step; it needs exactly one of
///   `source_profile` and `credential_source`;
/// - after the first profile, a source profile's complete static keys win over anything else it says (its own role
///   is then not assumed), so `source_profile` ends at the first profile with keys;
/// - `source_profile` naming the profile itself uses the profile's own keys as the base (as botocore allows);
/// - a profile seen twice is a loop, refused with the chain named (`a -> b -> a`);
/// - the base is, in this order: `credential_source`, a web identity (`web_identity_token_file` + `role_arn`),
///   IAM Identity Center (`sso_*`, with its `sso-session`), `credential_process`, static keys.
package struct RoleChainPlanner {
    private let view: RoleProfileView

    /// A planner over catalogs in search order (normally the store, the shared credentials file, the config file).
    ///
    /// - Parameter catalogs: The catalogs, in search order.
    package init(catalogs: [ProfileCatalog]) {
        view = RoleProfileView(CatalogReader(catalogs))
    }

    /// A planner sharing a lookup's reader (so a store is unlocked at most once per lookup).
    init(reader: CatalogReader) {
        view = RoleProfileView(reader)
    }

    /// Whether a profile's credentials need a plan: it has `role_arn`, `credential_source`, `web_identity_token_file`
    /// or an `sso_*` setting. Other profiles (keys, `credential_process`, settings only) are read as they are.
    ///
    /// - Parameter entry: The profile's (merged) definition.
    package static func needsPlan(_ entry: ProfileEntry) -> Bool {
        (["role_arn", "credential_source", "web_identity_token_file"] + RoleProfileView.ssoSettings)
            .contains { RoleProfileView.value($0, in: entry) != nil }
    }

    /// The chain of the profile `name`.
    ///
    /// - Parameter name: The profile asked for.
    /// - Returns: The base and the roles to assume, in order (no roles for a profile that is its own base).
    /// - Throws: `CredentialLookupError`: `profileNotFound` (no such profile anywhere), `roleChainLoop`,
    ///   `invalidProfileConfiguration` (both or neither of `source_profile` and `credential_source`, an unknown
    ///   `credential_source`, a missing source profile or `sso-session`, a bad `duration_seconds`, inconsistent
    ///   `sso_*` settings), `incompleteProfile` (a base without credentials or with half a key pair); whatever a
    ///   catalog throws (a store that cannot be unlocked, a malformed file).
    package func plan(profile name: String) throws -> RoleChain {
        guard let profile = try view.profile(name) else {
            throw CredentialLookupError(.profileNotFound(profile: name, selection: .profileName,
                                                         searched: view.searched(name)))
        }
        return try plan(from: profile)
    }

    /// The chain of `name` when the profile found in the places holding one of `indices` needs a plan, else `nil`
    /// (the caller reads it as keys or `credential_process`). Source profiles are looked up in every place.
    func planIfNeeded(_ name: String, restrictedTo indices: [Int]) throws -> RoleChain? {
        guard let profile = try view.profile(name, restrictedTo: indices), Self.needsPlan(profile.entry) else {
            return nil
        }
        return try plan(from: profile)
    }

    private func plan(from first: RoleProfileView.Profile) throws -> RoleChain {
        var visited: [String] = []
        var roles: [AssumeRoleStep] = []
        var current = first
        let base: RoleChainBase
        while true {
            let name = current.entry.name
            if visited.contains(name) {
                throw CredentialLookupError(.roleChainLoop(chain: visited + [name]))
            }
            visited.append(name)
            // After the first profile, complete static keys win over anything else the source profile says.
            if visited.count > 1, let keys = staticKeys(current) {
                base = keys
                break
            }
            guard let role = try roleStep(current) else {
                do {
                    base = try baseOf(current)
                } catch let error as CredentialLookupError where visited.count > 1 {
                    throw sourceError(error, of: current, referencedFrom: visited[visited.count - 2])
                }
                break
            }
            let source = value("source_profile", current)
            let credentialSource = value("credential_source", current)
            switch (source, credentialSource) {
            case (.some, .some):
                throw invalid(current, "has both source_profile and credential_source; only one may be set")
            case (nil, nil):
                throw invalid(current, "has role_arn but neither source_profile nor credential_source")
            case (nil, let named?):
                roles.append(role)
                base = .namedSource(try namedSource(named, current), profile: current.reference)
            case (let sourceName?, nil) where sourceName == name:
                // Self reference: the profile's own keys (or other base) are the source, as botocore allows.
                roles.append(role)
                base = try baseOf(current)
            case (let sourceName?, nil):
                roles.append(role)
                guard let next = try view.profile(sourceName) else {
                    throw invalid(current, "names source_profile '\(sourceName)', which is in none of: "
                        + view.searched(sourceName).joined(separator: "; "))
                }
                current = next
                continue
            }
            break
        }
        return RoleChain(profileName: first.entry.name, base: base, roles: roles.reversed())
    }

    private func value(_ name: String, _ profile: RoleProfileView.Profile) -> String? {
        RoleProfileView.value(name, in: profile.entry)
    }

    private func invalid(_ profile: RoleProfileView.Profile, _ reason: String) -> CredentialLookupError {
        CredentialLookupError(.invalidProfileConfiguration(profile: profile.entry.name,
                                                           place: profile.reference.place, reason: reason))
    }

    /// A source profile that has no usable base: say which profile pointed at it.
    private func sourceError(_ error: CredentialLookupError, of profile: RoleProfileView.Profile,
                             referencedFrom parent: String) -> CredentialLookupError {
        switch error.kind {
        case .profileHasNoCredentials:
            return invalid(profile, "is the source_profile of '\(parent)' but holds no credentials (no key pair, "
                + "credential_process, role or credential_source)")
        default:
            return error
        }
    }

    /// The role step of a profile with `role_arn` (and no web identity, which is a base of its own).
    private func roleStep(_ profile: RoleProfileView.Profile) throws -> AssumeRoleStep? {
        guard value("web_identity_token_file", profile) == nil, let roleARN = value("role_arn", profile) else {
            return nil
        }
        var duration: Int?
        if let text = value("duration_seconds", profile) {
            guard let seconds = Int(text), seconds > 0 else {
                throw invalid(profile, "has duration_seconds '\(text)', which is not a positive whole number")
            }
            duration = seconds
        }
        return AssumeRoleStep(roleARN: roleARN, externalID: value("external_id", profile),
                              mfaSerial: value("mfa_serial", profile),
                              roleSessionName: value("role_session_name", profile), durationSeconds: duration,
                              profile: profile.reference,
                              region: try profile.entry.region ?? view.region(of: profile.entry.name))
    }

    private func namedSource(_ text: String, _ profile: RoleProfileView.Profile) throws -> NamedCredentialSource {
        guard let source = NamedCredentialSource(rawValue: text) else {
            throw invalid(profile, "has credential_source '\(text)'; it must be one of "
                + NamedCredentialSource.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return source
    }

    /// The base a profile without a role step gives, in the SDKs' order.
    private func baseOf(_ profile: RoleProfileView.Profile) throws -> RoleChainBase {
        if let named = value("credential_source", profile) {
            return .namedSource(try namedSource(named, profile), profile: profile.reference)
        }
        if let tokenFile = value("web_identity_token_file", profile) {
            guard let roleARN = value("role_arn", profile) else {
                throw invalid(profile, "has web_identity_token_file but role_arn is missing")
            }
            return .webIdentity(profile: profile.reference, roleARN: roleARN, tokenFile: tokenFile,
                                sessionName: value("role_session_name", profile))
        }
        if let sso = try ssoBase(profile) { return sso }
        if let command = value("credential_process", profile) {
            return .credentialProcess(profile: profile.reference, command: command)
        }
        if let keys = staticKeys(profile) { return keys }
        let name = profile.entry.name
        let place = profile.reference.place
        if (profile.entry.accessKeyID?.trimmingWhitespace() ?? "").isEmpty {
            guard !(profile.entry.secretAccessKey?.isEmpty ?? true) else {
                throw CredentialLookupError(.profileHasNoCredentials(profile: name, places: [place]))
            }
            throw CredentialLookupError(.incompleteProfile(profile: name, place: place, missing: "aws_access_key_id"))
        }
        throw CredentialLookupError(.incompleteProfile(profile: name, place: place, missing: "aws_secret_access_key"))
    }

    /// The complete static keys of a profile, or `nil` (none, or half a pair).
    private func staticKeys(_ profile: RoleProfileView.Profile) -> RoleChainBase? {
        let entry = profile.entry
        let keyID = entry.accessKeyID?.trimmingWhitespace() ?? ""
        let secret = entry.secretAccessKey.flatMap { $0.isEmpty ? nil : $0 }
        guard !keyID.isEmpty, let secret else { return nil }
        let token = entry.sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        return .staticKeys(profile: profile.reference,
                           credentials: Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token,
                                                    expiration: entry.expiration),
                           accountID: value("aws_account_id", profile))
    }

    /// The IAM Identity Center base, when the profile has any `sso_*` setting; checked as smithy-rs checks it.
    private func ssoBase(_ profile: RoleProfileView.Profile) throws -> RoleChainBase? {
        let keys = RoleProfileView.ssoSettings
        guard keys.contains(where: { value($0, profile) != nil }) else { return nil }
        var settings: [String: String] = [:]
        for key in keys { settings[key] = value(key, profile) }
        if let sessionName = settings["sso_session"] {
            guard let session = try view.ssoSession(sessionName) else {
                throw invalid(profile, "names sso-session '\(sessionName)', which is not in the config file")
            }
            // With a session, the region and start URL are the session's; the profile may repeat the same start URL.
            let own = (region: settings["sso_region"], startURL: settings["sso_start_url"])
            settings["sso_region"] = session["sso_region"].flatMap { $0.isEmpty ? nil : $0 }
            settings["sso_start_url"] = session["sso_start_url"].flatMap { $0.isEmpty ? nil : $0 }
            if own.region != nil || (own.startURL != nil && own.startURL != settings["sso_start_url"]) {
                let key = own.region != nil ? "sso_region" : "sso_start_url"
                throw invalid(profile, "sets \(key), which belongs in its [sso-session \(sessionName)] section "
                    + "when sso_session is set")
            }
        }
        for key in ["sso_region", "sso_start_url"] where settings[key] == nil {
            throw invalid(profile, "uses IAM Identity Center but \(key) is missing")
        }
        if settings["sso_account_id"] != nil, settings["sso_role_name"] == nil {
            throw invalid(profile, "sets sso_account_id but not sso_role_name")
        }
        if settings["sso_role_name"] != nil, settings["sso_account_id"] == nil {
            throw invalid(profile, "sets sso_role_name but not sso_account_id")
        }
        return .sso(profile: profile.reference, settings: settings)
    }
}
