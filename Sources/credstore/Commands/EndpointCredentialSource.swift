import ArgumentParser
import CredentialLookup
import CredentialServer
import FoundationEssentials
import Glibc
import UnlockAgent

/// What `exec --ecs-server` and `serve` hand to their endpoint: the profile's credentials, resolved again on every
/// request (so a key rotated or removed in the store, or a profile edited in the shared files, is seen by the next
/// request), with the start-up resolution as the fallback when the store needs a secret nobody can give now.
///
/// Start-up resolves once with the command's full unlock rules (agent, key file, systemd credential, passphrase file
/// or descriptor, then a prompt on the terminal), before the endpoint or the command starts: a profile that does not
/// resolve fails the command at once, with the usual error and exit code. Each request then resolves with the same
/// rules minus everything that needs a person or a descriptor read once (no prompt, no passphrase descriptor); when
/// that finds no secret at hand (`no-secret-source`: the store was opened by a prompt or a descriptor), the start-up
/// credentials are served, and the endpoint still never serves them past their expiry. Resolutions run one at a time
/// (concurrent requests wait for each other here): with a passphrase file each one costs a KDF run (~0.5 s, 128 MiB),
/// which must not be multiplied by the number of clients asking at once.
///
/// **What it serves** (`resolve(with:)`, the one place that turns a lookup into served credentials): what the search
/// order gives, which for a role profile is the assumed-role session and for a session-only profile (the reserved
/// `credstore_session_only`) a `GetSessionToken` session — both from the encrypted session cache, made again once
/// the refresh window is reached, and served with their real `Expiration` — and for any other profile with a
/// long-lived key that key, served with a short stand-in `Expiration` (`CredentialServer`'s lease). The endpoint never
/// hands out a session-only profile's long-lived key: `--no-session` is refused with `--ecs-server` and `serve`. A
/// refresh that fails (STS unreachable, the key gone) fails the request, which the server answers with a 500 and the
/// error; the server itself refuses anything past its expiry, so nothing stale is ever served.
final class EndpointCredentialSource: @unchecked Sendable {
    // @unchecked: the stored properties are constants; `serialization` is only used through pthread calls.
    private let storePath: String
    private let keyFile: String?
    private let passphraseFile: String?
    private let environment: [String: String]
    private let request: LookupRequest
    /// The start-up resolution (what the endpoint serves when no secret is at hand for a fresh one).
    let initial: Resolution
    private let serialization: UnsafeMutablePointer<pthread_mutex_t>

    /// Resolves `request` once with `store`'s full unlock rules (this may prompt on the terminal).
    ///
    /// - Throws: The lookup's errors (`CredentialLookupError`, `SecureStoreError`, `UnlockAgentError`,
    ///   `SharedFileError`), which the CLI reports as `get` and `exec` do.
    init(store: StoreOptions, request: LookupRequest) throws {
        guard !request.allowsLongLivedKey else {
            // The endpoint hands its credentials to whatever holds the token; a key that stays home must not go there.
            throw ValidationError("--no-session cannot be used with the credential endpoint: it serves a session-only "
                                  + "profile's temporary credentials only.")
        }
        let environment = ProcessEnvironment.current
        storePath = store.storePath()
        keyFile = store.keyFile
        passphraseFile = store.passphraseFile
        self.environment = environment
        self.request = request
        initial = try Self.resolve(with: LookupContext(store: store), request: request)
        serialization = UnsafeMutablePointer.allocate(capacity: 1)
        pthread_mutex_init(serialization, nil)
    }

    deinit {
        pthread_mutex_destroy(serialization)
        serialization.deallocate()
    }

    /// The provider the endpoint calls per request.
    var provider: CredentialProvider {
        { [self] in try self.current() }
    }

    /// A fresh resolution with the unlock rules that need nobody, else the start-up one when no secret is at hand.
    func current() throws -> Credentials {
        pthread_mutex_lock(serialization)
        defer { pthread_mutex_unlock(serialization) }
        let unlocker = StoreUnlocker(storePath: storePath, keyFile: keyFile, passphraseFile: passphraseFile,
                                     passphraseDescriptor: nil, environment: environment, prompt: nil)
        do {
            return try Self.resolve(with: CredentialSearch(unlocker: unlocker, environment: environment),
                                    request: request).credentials
        } catch let error as UnlockAgentError where error.code == .noSecretSource {
            return initial.credentials
        }
    }

    /// The seam (see the type's documentation): the credentials the endpoint serves for `request`.
    static func resolve(with search: CredentialSearch, request: LookupRequest) throws -> Resolution {
        try search.resolve(request)
    }
}
