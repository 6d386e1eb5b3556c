import FoundationEssentials
import HTTPClient
import SecureStore

extension StoreType {
    /// Credentials of a role credstore assumed through STS (`AssumeRole`); the location is the role ARN.
    public static let assumedRole = StoreType(rawValue: "AssumedRole", displayName: "assumed role")
    /// Temporary credentials of a profile whose long-lived key stays home (`GetSessionToken`).
    public static let stsSession = StoreType(rawValue: "STSSession", displayName: "STS session")
}

/// The session cache as the executor uses it: SecureStore's `SessionCache` (sealed under the store's data key, beside
/// the store); a pure-logic test hands in a dictionary.
package protocol SessionCaching {
    /// The session for `key` expiring more than `refreshWindow` from now and made by `sourceIdentity` (any, if nil).
    func liveSession(for key: SessionKey, refreshWindow: SessionRefreshWindow, sourceIdentity: String?) throws
        -> CachedSession?
    /// Stores `session`, replacing the one with its key.
    func store(_ session: CachedSession) throws
}

extension SessionCache: SessionCaching {}

/// What making temporary credentials needs from outside the lookup: STS, the session cache, the clock, where MFA
/// codes come from, and the transport for the container endpoint. `CredentialSearch` builds the real one
/// (`TemporaryCredentialsContext.standard`); tests build theirs.
package struct TemporaryCredentialsContext {
    /// The lookup's environment (regions, endpoints, CA bundle, proxies, `credential_source = Environment`).
    package var environment: [String: String]
    /// Timeouts (`mfa_process` runs under `credentialProcessTimeout`).
    package var options: LookupOptions
    /// Makes STS callers for a profile's settings.
    package var sts: any STSCallingFactory
    /// The session cache, opened on first use; `nil` when there is no store to keep sessions in (then nothing is
    /// cached: temporary credentials are never written anywhere else).
    package var openCache: () throws -> (any SessionCaching)?
    /// The wall clock (expiry, refresh window, default role session names).
    package var now: @Sendable () -> Date
    /// The person at the terminal, if any (the CLI's prompt).
    package var mfaPrompt: MFAPrompt?
    /// The HTTP transport for the container credentials endpoint.
    package var transport: () -> any HTTPTransport

    /// Creates a context.
    package init(environment: [String: String], options: LookupOptions = LookupOptions(),
                 sts: any STSCallingFactory, openCache: @escaping () throws -> (any SessionCaching)?,
                 now: @escaping @Sendable () -> Date = { Date() }, mfaPrompt: MFAPrompt? = nil,
                 transport: @escaping () -> any HTTPTransport) {
        self.environment = environment
        self.options = options
        self.sts = sts
        self.openCache = openCache
        self.now = now
        self.mfaPrompt = mfaPrompt
        self.transport = transport
    }

    /// Where MFA codes come from.
    var mfaSource: MFACodeSource {
        MFACodeSource(environment: environment, timeout: options.credentialProcessTimeout, prompt: mfaPrompt)
    }
}
