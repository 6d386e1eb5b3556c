import FoundationEssentials
import Glibc
import SecureStore
import SharedFileStore
import TPM2
import UnlockAgent

/// The front door of the `CredentialLookup` library: credentials for a profile, found by the documented search order
/// (README, "The search order") with the encrypted store opened by the same unlock rules as the `credstore` CLI: the
/// unlock agent, the key file (`keyFile`, else `CREDSTORE_KEY_FILE`), the systemd credential
/// `$CREDENTIALS_DIRECTORY/credstore.key`, the passphrase file or descriptor, the store's TPM2 slot (the TPM named by
/// `CREDSTORE_TPM2_DEVICE`, else `/dev/tpmrm0`), then `prompt`. The CLI opens the store through this type too.
///
/// ```swift
/// let search = CredentialSearch(keyFile: "/etc/myjob/store.key")
/// let resolution = try search.resolve(profile: "prod")
/// print(resolution.credentials.accessKeyID)
/// ```
///
/// The store is unlocked at most once per `CredentialSearch`, and only when the profile searched for is in it (a
/// name it does not hold never costs a secret or the KDF). One value serves one thread at a time (it caches the
/// unlocked store); its results (`Resolution`, `Credentials`) and errors are `Sendable`.
///
/// Role profiles (`role_arn`, `credential_source`) are assumed through STS and profiles whose long-lived key stays home
/// get a `GetSessionToken` session; both are cached encrypted beside the store and reused until their refresh window.
/// An MFA code comes from the profile's `mfa_process`; this library never prompts for one itself.
///
/// Errors have stable codes and no advice for a particular program: `CredentialLookupError` (nothing found, expired,
/// a profile, `credential_process`, MFA or STS problem — `serviceErrorCode` says which), `SecureStoreError` (the
/// store: wrong secret, unsafe or damaged file),
/// `UnlockAgentError` (no secret source at hand, an unreadable passphrase) and `SharedFileError` (a malformed or
/// unreadable AWS file).
public final class CredentialSearch {
    /// The environment the search reads: `AWS_*` variables, the shared file locations, credstore's own variables.
    public let environment: [String: String]
    /// Timeouts of the sources that wait (`credential_process`, instance metadata).
    public let options: LookupOptions
    /// The unlock rules of the encrypted store.
    package let unlocker: StoreUnlocker
    /// The encrypted store as a catalog, unlocked on first use.
    package let storeCatalog: EncryptedStoreCatalog
    /// Where the shared credentials and config files are.
    package let locations: SharedFileLocations
    /// The catalogs in search order and the `profileLocation` opener.
    package let catalogs: ProfileCatalogs
    /// Asks the person at the terminal for an MFA code (the CLI sets its prompt); `nil`: nobody to ask, so a role or
    /// session that needs a code fails at once unless the profile has `mfa_process` or a live session is cached.
    package var mfaPrompt: MFAPrompt?

    /// A search with the CLI's unlock rules for the store.
    ///
    /// - Parameters:
    ///   - storePath: The store file; `nil` for `CREDSTORE_STORE`, else `$XDG_DATA_HOME/credstore/store`, else
    ///     `~/.local/share/credstore/store`.
    ///   - keyFile: A key file that unlocks the store; `nil` for `CREDSTORE_KEY_FILE`, if set.
    ///   - passphraseFile: A file holding the passphrase; `nil` for `CREDSTORE_PASSPHRASE_FILE`, if set.
    ///   - passphraseDescriptor: An open descriptor to read the passphrase from (made close-on-exec, so that nothing
    ///     a lookup starts, such as a `credential_process`, inherits it).
    ///   - environment: The process environment, or a chosen one; secrets are never read from it, only paths.
    ///   - options: Timeouts of the sources that wait.
    ///   - prompt: Asks for the passphrase (with the text given) when nothing else unlocks the store; `nil` when
    ///     there is nobody to ask, and a store that needs a secret then fails with `no-secret-source`.
    public convenience init(storePath: String? = nil, keyFile: String? = nil, passphraseFile: String? = nil,
                            passphraseDescriptor: Int32? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            options: LookupOptions = LookupOptions(),
                            prompt: ((String) throws -> SecretBytes)? = nil) {
        var unlocker = StoreUnlocker(storePath: storePath, keyFile: keyFile, passphraseFile: passphraseFile,
                                     passphraseDescriptor: passphraseDescriptor, environment: environment,
                                     prompt: prompt)
        // A store's KMS slot opens with AWS credentials from outside the store (nothing is sent without one).
        unlocker.machineMaterials.append(KMSKeyService(storePath: unlocker.storePath, environment: environment,
                                                       options: options))
        self.init(unlocker: unlocker, options: options)
    }

    /// A search that opens the store with `unlocker` (the CLI builds one from its options) and reads `environment`
    /// (the unlocker's when `nil`).
    package init(unlocker: StoreUnlocker, environment: [String: String]? = nil,
                 options: LookupOptions = LookupOptions()) {
        // A passphrase descriptor must not reach what a lookup starts (`exec`'s command, a credential_process): they
        // could seek back and read it. Standard input/output/error are left alone.
        if let fd = unlocker.passphraseDescriptor, fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        self.unlocker = unlocker
        self.options = options
        self.environment = environment ?? unlocker.environment
        // Names the store does not list are believed only after a secret at hand without asking anyone has
        // verified the file (EncryptedStoreCatalog, SECURITY.md).
        storeCatalog = EncryptedStoreCatalog(path: unlocker.storePath, unlock: { try unlocker.open() },
                                             verify: { try unlocker.openWithoutAsking() })
        locations = SharedFileLocations(environment: self.environment)
        catalogs = ProfileCatalogs.standard(store: storeCatalog, locations: locations)
    }

    /// The encrypted store file this search reads.
    public var storePath: String { unlocker.storePath }

    /// Resolves `request` with the full search order: literal credentials, the named profile (encrypted store, then
    /// the shared credentials file, then the shared config file), programmatic credentials, the `AWS_*` variables,
    /// `AWS_PROFILE`, the default profile chain, instance metadata.
    ///
    /// - Parameter request: The profile, profile file, credentials and region asked for; all optional.
    /// - Returns: The credentials, where they came from, the region and its source, notes and the places searched.
    /// - Throws: `CredentialLookupError`, `SecureStoreError`, `UnlockAgentError` or `SharedFileError` (see above).
    public func resolve(_ request: LookupRequest) throws -> Resolution {
        try CredentialResolver.standard(for: request, environment: environment, catalogs: catalogs, options: options,
                                        temporary: temporaryCredentialsContext)
            .resolve(request)
    }

    /// Resolves the credentials of the profile `profile` (or, when `nil`, those the environment and the default
    /// profile chain give) with the full search order.
    ///
    /// - Parameters:
    ///   - profile: The profile name, searched in the encrypted store, then the shared files; `nil` for none.
    ///   - region: A region that beats every other region source; `nil` for the usual ones.
    /// - Returns: The credentials, where they came from, the region and its source.
    /// - Throws: `CredentialLookupError`, `SecureStoreError`, `UnlockAgentError`, `SharedFileError` (see above), or
    ///   `TPM2Error` when the store's TPM2 slot was tried and the TPM did not open it.
    public func resolve(profile: String?, region: String? = nil) throws -> Resolution {
        try resolve(LookupRequest(profileName: profile, region: region))
    }

    /// What role profiles and sessions need: STS over the system libcurl, the store's encrypted session cache (the
    /// store unlocked at most once per search), the MFA prompt.
    package var temporaryCredentialsContext: TemporaryCredentialsContext {
        let catalog = storeCatalog
        return .standard(environment: environment, options: options, storePath: storePath,
                         openStore: { try catalog.unlockedStore() }, mfaPrompt: mfaPrompt)
    }

    /// The shared credentials and config catalogs, in search order.
    package var sharedCatalogs: [SharedFileCatalog] {
        catalogs.searchOrder.compactMap { $0 as? SharedFileCatalog }
    }
}

// The few types of the storage and unlock modules a caller of the front door names, re-exported one by one (the
// modules themselves stay out of the library's public surface).

/// Secret bytes (a secret access key, a session token, a passphrase): wiped when the last copy goes away, never
/// printed. See SecureStore's `SecretBytes`.
public typealias SecretBytes = SecureStore.SecretBytes
/// The error of the encrypted store, with a stable `code`. See SecureStore's `SecureStoreError`.
public typealias SecureStoreError = SecureStore.SecureStoreError
/// The error of the AWS shared files, with a stable `code`. See SharedFileStore's `SharedFileError`.
public typealias SharedFileError = SharedFileStore.SharedFileError
/// The error of the unlock agent and the secret sources, with a stable `code`. See UnlockAgent's `UnlockAgentError`.
public typealias UnlockAgentError = UnlockAgent.UnlockAgentError
/// The error of a store's TPM2 key slot (no TPM, lockout, changed PCRs, another TPM), with a stable `code`. See the
/// TPM2 module's `TPM2Error`.
public typealias TPM2Error = TPM2.TPM2Error
