import FoundationEssentials
import AWSAPI
import HTTPClient
import SecureStore
import UnlockAgent

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
    var mfaSource: MFACodeChain {
        MFACodeChain(environment: environment, timeout: options.credentialProcessTimeout, prompt: mfaPrompt)
    }
}

extension TemporaryCredentialsContext {
    #if DEBUG
    /// Test seam (DEBUG builds only): seconds added to the clock that decides whether a cached session is still live
    /// (never to the clock that signs requests), so a CLI test can age a session without waiting.
    package static let sessionClockOffsetVariable = "CREDSTORE_TEST_SESSION_CLOCK_OFFSET"
    #endif

    /// The context `CredentialSearch` uses: STS through `STSClient` over the system libcurl (loaded only when a
    /// request is sent), the session cache of the store at `storePath` opened through `openStore` (only when the
    /// store exists: temporary credentials are never written anywhere else), the real clock.
    ///
    /// - Parameters:
    ///   - environment: The lookup's environment.
    ///   - options: Timeouts.
    ///   - storePath: The encrypted store file.
    ///   - openStore: Unlocks the store (the lookup's own, so it is unlocked at most once).
    ///   - mfaPrompt: The person at the terminal, if any.
    package static func standard(environment: [String: String], options: LookupOptions, storePath: String,
                                 openStore: @escaping () throws -> EncryptedStore,
                                 mfaPrompt: MFAPrompt?) -> TemporaryCredentialsContext {
        #if DEBUG
        let offset = environment[sessionClockOffsetVariable].flatMap(Double.init) ?? 0
        #else
        let offset: Double = 0
        #endif
        let now: @Sendable () -> Date = { Date() + offset }
        let transport = CurlTransport()
        return TemporaryCredentialsContext(
            environment: environment, options: options,
            sts: StandardSTSCallingFactory(environment: environment, transport: transport, clock: SystemWallClock(),
                                           timeout: options.stsTimeout(environment: environment)),
            openCache: {
                guard EncryptedStore.exists(at: storePath) else { return nil }
                do {
                    return SessionCache(store: try openStore(), now: now)
                } catch let error as UnlockAgentError where error.code == .noSecretSource {
                    // Nothing can open the store here (no agent, key file or terminal): the session is made but not
                    // kept, rather than failing a lookup whose credentials do not need the store.
                    return nil
                }
            },
            now: now, mfaPrompt: mfaPrompt, transport: { transport })
    }
}
