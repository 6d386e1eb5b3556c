import FoundationEssentials
import SecureStore

/// Runs a `RoleChain` (from `RoleChainPlanner`): resolves the base credentials, then assumes each role in order with
/// the credentials of the one before, reusing every session the cache holds until its refresh window, and caching
/// every session it makes (encrypted, beside the store; never anywhere else). Also makes the session of a profile
/// whose long-lived key stays home (`sessionCredentials`).
///
/// MFA, as aws-vault does it: a role with `mfa_serial` whose source credentials are a long-lived key first gets an
/// MFA session (`GetSessionToken` with the code, keyed by source profile + `mfa_serial`), and assumes the role with
/// it, so every role sharing that source and device shares one code until the MFA session ends. A role further down a
/// chain (its source credentials are already temporary) sends `SerialNumber`/`TokenCode` with `AssumeRole` itself.
///
/// Reuse: a cached session is handed out while it expires more than the refresh window from now (15 minutes, or
/// `CREDSTORE_SESSION_REFRESH_WINDOW` / the profile's `credstore_session_refresh_window`), the window capped at half
/// the session's lifetime so a short session (`duration_seconds = 900`) is still reused for a while.
package struct RoleChainExecutor {
    /// The lifetime asked for an MFA or plain session (`GetSessionToken`), as aws-vault's default.
    package static let sessionDuration = 3600
    /// The prefix of the role session name credstore picks when a profile sets none (botocore's is
    /// `botocore-session-<epoch seconds>`).
    package static let sessionNamePrefix = "credstore-session-"

    let context: TemporaryCredentialsContext
    /// Resolves `credential_process` bases the way the profile steps do.
    let profiles: ProfileCredentials

    /// Creates an executor.
    package init(context: TemporaryCredentialsContext) {
        self.context = context
        profiles = ProfileCredentials(environment: context.environment, options: context.options)
    }

    // MARK: - Role chains

    /// The credentials of `chain`'s last role (or of its base when it has no role, e.g. `credential_source` alone).
    ///
    /// - Parameters:
    ///   - chain: The plan.
    ///   - step: The search step resolving it, for the origin.
    /// - Returns: The credentials, an origin naming the role (`AssumedRole`) and notes saying whether the session
    ///   was reused.
    /// - Throws: `CredentialLookupError` (`stsRequestFailed`, `mfaCodeUnavailable`, `invalidMFACode`,
    ///   `mfaProcessFailed`, `sourceCredentialsUnavailable`, `containerCredentialsFailed`,
    ///   `invalidTemporaryCredentials`, the base's own errors), `SecureStoreError` for an unusable refresh window.
    package func resolve(_ chain: RoleChain, step: SearchStep) throws -> Resolution {
        try chain.requireSupportedBase()
        guard let last = chain.roles.last else {
            let (credentials, origin) = try baseCredentials(chain.base, step: step)
            return Resolution(credentials: credentials, origin: origin)
        }
        let window = try SessionRefreshWindow.resolve(environment: context.environment,
                                                      profileSettings: last.profile.settings)
        var run = Run(context: context)
        let baseIdentity = chain.base.longLivedKeyID
        let keys = chain.roles.indices.map { index -> (key: SessionKey, identity: String?) in
            let role = chain.roles[index]
            let identity = index == 0 ? baseIdentity : chain.roles[index - 1].roleARN
            let key = SessionKey.role(profile: role.profile.name, roleARN: role.roleARN,
                                      sessionName: role.roleSessionName, externalID: role.externalID,
                                      sourceIdentity: identity)
            return (key, identity)
        }

        // The latest role whose session is still live: nothing before it needs to run (no program, no request).
        var start = 0
        var current: Credentials?
        var assumedRoleARN: String?
        for index in chain.roles.indices.reversed() {
            if let session = try run.live(keys[index].key, identity: keys[index].identity, window: window) {
                current = session.credentials
                assumedRoleARN = session.assumedRoleARN
                start = index + 1
                break
            }
        }
        if start == chain.roles.count, let current {
            let expires = current.expiration.map(RFC3339.format) ?? "?"
            return resolution(current, chain: chain, step: step, notes: [
                "role session reused from the session cache (expires \(expires))"
                    + (assumedRoleARN.map { "; assumed role \($0)" } ?? ""),
            ])
        }

        var credentials: Credentials
        let baseIsLongLived: Bool
        if let current {
            credentials = current
            baseIsLongLived = false
        } else {
            credentials = try baseCredentials(chain.base, step: step).credentials
            baseIsLongLived = credentials.sessionToken == nil
        }
        for index in start..<chain.roles.count {
            let role = chain.roles[index]
            var serialNumber: String?
            var tokenCode: String?
            if let serial = role.mfaSerial {
                if index == 0 && baseIsLongLived {
                    credentials = try run.mfaSession(source: chain.base.profile, asking: role.profile, serial: serial,
                                                     using: credentials, window: window, region: role.region)
                } else {
                    serialNumber = serial
                    tokenCode = try context.mfaSource.code(for: MFARequest(profile: role.profile.name, serial: serial),
                                                           mfaProcess: role.profile.settings["mfa_process"],
                                                           place: role.profile.place).digits
                }
            }
            let sessionName = role.roleSessionName ?? Self.sessionNamePrefix + String(Int(context.now()
                .timeIntervalSince1970))
            let caller = try run.caller(for: role.profile, region: role.region, operation: "AssumeRole",
                                        roleARN: role.roleARN)
            let signing = credentials
            let assumed = try run.call(caller, "AssumeRole", profile: role.profile.name, roleARN: role.roleARN) {
                try caller.assumeRole(using: signing, roleARN: role.roleARN, sessionName: sessionName,
                                      durationSeconds: role.durationSeconds, externalID: role.externalID,
                                      serialNumber: serialNumber, tokenCode: tokenCode)
            }
            try run.checkUsable(assumed.credentials, what: "AssumeRole of \(role.roleARN) at "
                + caller.endpointDescription)
            credentials = assumed.credentials
            assumedRoleARN = assumed.assumedRoleARN
            run.save(CachedSession(
                kind: .roleSession, profile: role.profile.name, accessKeyID: credentials.accessKeyID,
                secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken ?? SecretBytes([]),
                expiration: credentials.expiration ?? context.now(), created: context.now(),
                sourceProfile: index == 0 ? chain.base.profile.name : chain.roles[index - 1].profile.name,
                roleARN: role.roleARN, roleSessionName: role.roleSessionName, externalID: role.externalID,
                mfaSerial: role.mfaSerial, sourceIdentity: keys[index].identity,
                assumedRoleARN: assumed.assumedRoleARN))
        }
        let expires = credentials.expiration.map(RFC3339.format) ?? "?"
        return resolution(credentials, chain: chain, step: step, notes: run.notes + [
            "new role session (expires \(expires))" + (assumedRoleARN.map { "; assumed role \($0)" } ?? "")
                + (run.cacheUsable ? ", cached encrypted" : ", not cached (no store to keep it in)"),
        ])
    }

    private func resolution(_ credentials: Credentials, chain: RoleChain, step: SearchStep,
                            notes: [String]) -> Resolution {
        let last = chain.roles.last!
        let origin = CredentialOrigin(step: step, storeType: .assumedRole, location: last.roleARN,
                                      profileName: chain.profileName, profileStoreType: last.profile.storeType)
        return Resolution(credentials: credentials, origin: origin, region: last.region,
                          regionSource: last.region.map { _ in
                              .profile(storeType: last.profile.storeType, location: last.profile.location,
                                       profileName: last.profile.name)
                          },
                          notes: notes)
    }

    // MARK: - Sessions of profiles whose long-lived key stays home

    /// Temporary credentials instead of `resolution`'s long-lived key: `GetSessionToken` (with the profile's
    /// `mfa_serial`, when set, as an MFA session shared with its roles), reused from the cache until its refresh
    /// window.
    ///
    /// - Parameters:
    ///   - resolution: The long-lived key found for the profile.
    ///   - profile: The profile, with its settings (`mfa_serial`, `mfa_process`, `region`, endpoint settings).
    /// - Throws: as `resolve`.
    package func sessionCredentials(for resolution: Resolution, profile: ProfileReference) throws -> Resolution {
        let window = try SessionRefreshWindow.resolve(environment: context.environment,
                                                      profileSettings: profile.settings)
        var run = Run(context: context)
        let longLived = resolution.credentials
        let credentials: Credentials
        if let serial = profile.settings["mfa_serial"]?.trimmingWhitespace(), !serial.isEmpty {
            credentials = try run.mfaSession(source: profile, asking: profile, serial: serial, using: longLived,
                                             window: window, region: resolution.region)
        } else {
            credentials = try run.plainSession(profile: profile, using: longLived, window: window,
                                               region: resolution.region)
        }
        var result = resolution
        result.credentials = credentials
        result.origin = CredentialOrigin(step: resolution.origin.step, storeType: .stsSession,
                                         location: resolution.origin.location, profileName: profile.name,
                                         profileStoreType: resolution.origin.storeType)
        result.notes += run.notes
        result.longLivedKeyStaysHome = false
        result.sessionProfile = nil
        return result
    }

    // MARK: - Base credentials

    /// The base credentials of a chain, with their origin.
    func baseCredentials(_ base: RoleChainBase, step: SearchStep) throws -> (credentials: Credentials,
                                                                           origin: CredentialOrigin) {
        let profile = base.profile
        switch base {
        case .staticKeys(_, let credentials, _):
            return (credentials, CredentialOrigin(step: step, storeType: profile.storeType, location: profile.location,
                                                  profileName: profile.name))
        case .credentialProcess(_, let command):
            switch profiles.runCredentialProcess(command, profile: profile.name, storeType: profile.storeType,
                                                 location: profile.location, step: step) {
            case .found(let resolution):
                if resolution.credentials.isExpired(at: context.now()),
                   let expiration = resolution.credentials.expiration {
                    throw CredentialLookupError(.expired(what: resolution.origin.description, expiration: expiration))
                }
                return (resolution.credentials, resolution.origin)
            case .failed(let error): throw error
            case .notHere: throw CredentialLookupError(.sourceCredentialsUnavailable(
                profile: profile.name, source: "credential_process", reason: "it returned nothing"))
            }
        case .namedSource(let source, _):
            let credentials = try namedSourceCredentials(source, profile: profile, step: step)
            return (credentials, CredentialOrigin(step: step, storeType: profile.storeType, location: profile.location,
                                                  profileName: profile.name))
        case .webIdentity, .sso:
            throw CredentialLookupError(.sourceCredentialsUnavailable(
                profile: profile.name, source: base.description, reason: "credstore cannot use it"))
        }
    }

    private func namedSourceCredentials(_ source: NamedCredentialSource, profile: ProfileReference,
                                        step: SearchStep) throws -> Credentials {
        let environment = context.environment
        switch source {
        case .environment:
            func value(_ name: String) -> String? {
                guard let text = environment[name]?.trimmingWhitespace(), !text.isEmpty else { return nil }
                return text
            }
            guard let keyID = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
                throw CredentialLookupError(.sourceCredentialsUnavailable(
                    profile: profile.name, source: "credential_source Environment",
                    reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"))
            }
            let token = value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN")
            return Credentials(accessKeyID: keyID, secretAccessKey: SecretBytes(utf8: secret),
                               sessionToken: token.map { SecretBytes(utf8: $0) })
        case .ec2InstanceMetadata:
            switch try InstanceMetadataSource(environment: environment, options: context.options)
                .resolve(LookupRequest()) {
            case .found(let resolution): return resolution.credentials
            case .failed(let error): throw error
            case .notHere(let searched):
                throw CredentialLookupError(.sourceCredentialsUnavailable(
                    profile: profile.name, source: "credential_source Ec2InstanceMetadata",
                    reason: searched.joined(separator: "; ")))
            }
        case .ecsContainer:
            return try ContainerCredentials(environment: environment, transport: context.transport())
                .credentials(profile: profile.name)
        }
    }
}

extension RoleChainBase {
    /// The access key id of a long-lived base key (static keys without a session token), which identifies who made a
    /// cached session; `nil` for other bases (their sessions are keyed by profile alone).
    var longLivedKeyID: String? {
        guard case .staticKeys(_, let credentials, _) = self, credentials.sessionToken == nil else { return nil }
        return credentials.accessKeyID
    }
}

extension CachedSession {
    /// The session as credentials.
    var credentials: Credentials {
        Credentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken,
                    expiration: expiration)
    }
}

/// One execution: the cache opened at most once, notes for the user, and the STS calls with their errors mapped.
private struct Run {
    let context: TemporaryCredentialsContext
    var notes: [String] = []
    private var cache: (any SessionCaching)??
    /// Whether a session can be cached (there is a store).
    var cacheUsable: Bool { (cache ?? nil) != nil }

    init(context: TemporaryCredentialsContext) {
        self.context = context
    }

    /// The cache, opened once; `nil` when there is no store. A store that cannot be opened fails the lookup (a wrong
    /// passphrase must not silently mean "no cache").
    mutating func openedCache() throws -> (any SessionCaching)? {
        if let cache { return cache }
        let opened = try context.openCache()
        cache = .some(opened)
        return opened
    }

    /// A live session for `key`, made by `identity` (any when nil). The window is capped at half the session's
    /// lifetime. A cache that cannot be read counts as empty (every session can be made again), with a note.
    mutating func live(_ key: SessionKey, identity: String?, window: SessionRefreshWindow) throws -> CachedSession? {
        guard let cache = try openedCache() else { return nil }
        let session: CachedSession?
        do {
            session = try cache.liveSession(for: key, refreshWindow: SessionRefreshWindow(seconds: 0),
                                            sourceIdentity: identity)
        } catch {
            notes.append("the session cache could not be read (\(error)); a new session is made")
            return nil
        }
        guard let session else { return nil }
        let lifetime = session.expiration.timeIntervalSince(session.created)
        let effective = Swift.min(window.seconds, Swift.max(0, lifetime / 2))
        return session.expiration.timeIntervalSince(context.now()) > effective ? session : nil
    }

    /// Caches `session`; a failure only costs the reuse (noted), never the command.
    mutating func save(_ session: CachedSession) {
        guard let cache = (try? openedCache()) ?? nil else { return }
        do {
            try cache.store(session)
        } catch {
            notes.append("the new session was not cached: \(error)")
        }
    }

    /// The STS caller for a profile, its endpoint errors reported as the call's.
    func caller(for profile: ProfileReference, region: String?, operation: String,
                roleARN: String?) throws -> any STSCalling {
        let region = region ?? ["AWS_REGION", "AWS_DEFAULT_REGION"].lazy
            .compactMap { self.context.environment[$0]?.trimmingWhitespace() }.first { !$0.isEmpty }
        do {
            return try context.sts.caller(region: region, profileSettings: profile.settings)
        } catch {
            throw Self.mapped(error, operation: operation, profile: profile.name, roleARN: roleARN,
                              endpoint: "the configured STS endpoint")
        }
    }

    /// Runs one STS call, mapping its error into `stsRequestFailed`.
    func call<T>(_ caller: any STSCalling, _ operation: String, profile: String, roleARN: String?,
                 _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.mapped(error, operation: operation, profile: profile, roleARN: roleARN,
                              endpoint: caller.endpointDescription)
        }
    }

    static func mapped(_ error: Error, operation: String, profile: String, roleARN: String?,
                       endpoint: String) -> Error {
        guard let failure = error as? STSFailureDescribing else { return error }
        // AWSAPI's messages start "STS AssumeRole at HOST failed: …"; this message names the call and endpoint itself.
        var detail = failure.failureMessage
        if detail.hasPrefix("STS "), let range = detail.firstRange(of: " failed: ") {
            detail = String(detail[range.upperBound...])
        }
        return CredentialLookupError(.stsRequestFailed(.init(
            operation: operation, profile: profile, roleARN: roleARN, endpoint: endpoint,
            serviceCode: failure.failureCode, detail: detail)))
    }

    /// Refuses credentials STS returned already expired (or without a token): they would fail at once, and must
    /// never be cached.
    func checkUsable(_ credentials: Credentials, what: String) throws {
        guard credentials.sessionToken.map({ !$0.isEmpty }) == true else {
            throw CredentialLookupError(.invalidTemporaryCredentials(what: what,
                                                                     reason: "it returned no session token"))
        }
        guard let expiration = credentials.expiration else {
            throw CredentialLookupError(.invalidTemporaryCredentials(what: what, reason: "it returned no Expiration"))
        }
        guard expiration > context.now() else {
            throw CredentialLookupError(.invalidTemporaryCredentials(
                what: what, reason: "their Expiration \(RFC3339.format(expiration)) is already past"))
        }
    }

    /// The MFA session of `source` (the profile with the long-lived key) and `serial`: reused while live (one code
    /// for every role sharing them), else made with a code (`mfa_process` of `asking`, else of `source`, else the
    /// prompt) and cached.
    mutating func mfaSession(source: ProfileReference, asking: ProfileReference, serial: String,
                             using longLived: Credentials, window: SessionRefreshWindow,
                             region: String?) throws -> Credentials {
        let key = SessionKey.mfa(sourceProfile: source.name, mfaSerial: serial)
        if let session = try live(key, identity: longLived.accessKeyID, window: window) {
            notes.append("MFA session of '\(source.name)' reused from the session cache (expires "
                + "\(RFC3339.format(session.expiration)))")
            return session.credentials
        }
        let mfaProcess = asking.settings["mfa_process"] ?? source.settings["mfa_process"]
        let code = try context.mfaSource.code(for: MFARequest(profile: asking.name, serial: serial),
                                              mfaProcess: mfaProcess, place: asking.place)
        return try newSession(.mfaSession, profile: source, serial: serial, code: code, using: longLived,
                              region: region)
    }

    /// The plain session (`GetSessionToken` without MFA) of `profile`: reused while live, else made and cached.
    mutating func plainSession(profile: ProfileReference, using longLived: Credentials,
                               window: SessionRefreshWindow, region: String?) throws -> Credentials {
        let key = SessionKey.plain(sourceProfile: profile.name)
        if let session = try live(key, identity: longLived.accessKeyID, window: window) {
            notes.append("session of '\(profile.name)' reused from the session cache (expires "
                + "\(RFC3339.format(session.expiration)))")
            return session.credentials
        }
        return try newSession(.plainSession, profile: profile, serial: nil, code: nil, using: longLived,
                              region: region)
    }

    private mutating func newSession(_ kind: CachedSession.Kind, profile: ProfileReference, serial: String?,
                                     code: MFACode?, using longLived: Credentials, region: String?) throws
        -> Credentials {
        let caller = try caller(for: profile, region: region, operation: "GetSessionToken", roleARN: nil)
        let credentials = try call(caller, "GetSessionToken", profile: profile.name, roleARN: nil) {
            try caller.getSessionToken(using: longLived, durationSeconds: RoleChainExecutor.sessionDuration,
                                       serialNumber: serial, tokenCode: code?.digits)
        }
        try checkUsable(credentials, what: "GetSessionToken at \(caller.endpointDescription)")
        save(CachedSession(kind: kind, profile: profile.name, accessKeyID: credentials.accessKeyID,
                           secretAccessKey: credentials.secretAccessKey,
                           sessionToken: credentials.sessionToken ?? SecretBytes([]),
                           expiration: credentials.expiration ?? context.now(), created: context.now(),
                           mfaSerial: serial, sourceIdentity: longLived.accessKeyID))
        notes.append((kind == .mfaSession ? "new MFA session" : "new session") + " of '\(profile.name)' (expires "
            + "\(credentials.expiration.map(RFC3339.format) ?? "?"))"
            + (cacheUsable ? ", cached encrypted" : ", not cached (no store to keep it in)"))
        return credentials
    }
}
