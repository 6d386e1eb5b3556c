import AWSAPI
import HTTPClient
import SecureStore
import Synchronization

/// AWS KMS access for a store's KMS slots (SecureStore's `KMSAccess`), over AWSAPI's `KMSClient`, with credentials
/// from outside the store (`KMSCredentialChain`). Making one costs nothing: no library is loaded, no file read, no
/// request sent until a KMS slot is actually opened or made.
package struct KMSKeyService: KMSAccess {
    /// The store whose slots this opens: the credentials must never come from it.
    package let storePath: String
    /// The environment: `AWS_*` credentials, endpoints, proxies, the shared file locations.
    package let environment: [String: String]
    /// For a new slot: the key to wrap its KEK under.
    package let newSlotKey: KMSKey?
    private let options: LookupOptions
    private let transport: any HTTPTransport
    /// Why slots were passed over, kept across copies.
    private let passedOver = PassedOver()

    /// KMS access for the slots of the store at `storePath`.
    ///
    /// - Parameters:
    ///   - storePath: The store (already resolved).
    ///   - environment: The process environment.
    ///   - newSlotKey: The key for a new slot (`keyslot add --kms-key`); `nil` to open existing slots only.
    ///   - options: The instance-metadata and `credential_process` timeouts of the credential chain.
    ///   - transport: How requests are sent (the system libcurl, loaded at the first request).
    package init(storePath: String, environment: [String: String], newSlotKey: KMSKey? = nil,
                 options: LookupOptions = LookupOptions(), transport: any HTTPTransport = CurlTransport()) {
        self.storePath = storePath
        self.environment = environment
        self.newSlotKey = newSlotKey
        self.options = options
        self.transport = transport
    }

    /// It opens KMS slots only.
    package var slotKind: KeySlotInfo.Kind? { .kms }

    package func generateDataKey(_ key: KMSKey, context: [String: String]) throws
        -> (plaintext: SecretBytes, ciphertext: [UInt8]) {
        let (client, credentials) = try client(for: key)
        do {
            return try client.generateDataKey(using: credentials, keyID: key.keyID, context: context, byteCount: 32)
        } catch let error as AWSServiceError {
            throw Self.failure(error, key: key)
        }
    }

    package func decrypt(_ ciphertext: [UInt8], key: KMSKey, context: [String: String]) throws -> SecretBytes {
        let (client, credentials) = try client(for: key)
        do {
            return try client.decrypt(using: credentials, ciphertext: ciphertext, context: context, keyID: key.keyID)
        } catch let error as AWSServiceError {
            throw Self.failure(error, key: key)
        }
    }

    /// KMS refused this slot (denied, disabled, another context or key): another KMS slot may still open.
    package func passesOver(_ error: any Error) -> Bool {
        guard let error = error as? CredentialLookupError else { return false }
        return [.kmsAccessDenied, .kmsKeyUnusable, .kmsDecryptionFailed].contains(error.code)
    }

    package func record(_ reason: any Error) {
        passedOver.append(reason)
    }

    package func noSlotOpens(storeAt path: String) -> any Error {
        if let reason = passedOver.first { return reason }
        return CredentialLookupError(.kms(.decryptionFailed, key: "of the store \(path)",
                                          detail: "no KMS key slot of the store opened"))
    }

    /// The client for `key`'s region and endpoint, and the credentials to sign with.
    private func client(for key: KMSKey) throws -> (KMSClient, SigningCredentials) {
        let chain = KMSCredentialChain(storePath: storePath, environment: environment, options: options,
                                       transport: transport)
        let found = try chain.credentials(profile: key.profile, key: key.keyID)
        let endpoint: ServiceEndpoint
        do {
            endpoint = try ServiceEndpoint.resolve(service: "kms", region: key.region, environment: environment,
                                                   profileSettings: found.profileSettings)
        } catch let error as AWSServiceError {
            throw Self.failure(error, key: key)
        }
        let client = KMSClient(transport: transport, endpoint: endpoint,
                               settings: HTTPSettings.fromEnvironment(environment))
        let credentials = SigningCredentials(accessKeyID: found.credentials.accessKeyID,
                                             secretAccessKey: found.credentials.secretAccessKey,
                                             sessionToken: found.credentials.sessionToken)
        return (client, credentials)
    }

    /// The CredentialLookup error for a KMS call that failed: KMS's refusals by kind, anything else as a failed
    /// request (its message names the service, action and host, never a secret).
    static func failure(_ error: AWSServiceError, key: KMSKey) -> CredentialLookupError {
        let failure: CredentialLookupError.KMSFailure
        switch error.code {
        case .accessDenied, .invalidClientTokenID, .signatureDoesNotMatch, .expiredToken: failure = .accessDenied
        case .keyUnusable: failure = .keyUnusable
        case .decryptionFailed, .keyNotFound: failure = .decryptionFailed
        default: failure = .requestFailed
        }
        return CredentialLookupError(.kms(failure, key: key.keyID, detail: error.message))
    }

    /// The reasons, kept across the copies of one value.
    private final class PassedOver: Sendable {
        private let reasons = Mutex<[any Error]>([])

        var first: (any Error)? { reasons.withLock { $0.first } }

        func append(_ reason: any Error) {
            reasons.withLock { $0.append(reason) }
        }
    }
}

extension KMSKey {
    /// The key named on the command line: the region is `region` when given, else the one in an ARN
    /// (`arn:PARTITION:kms:REGION:ACCOUNT:key/…` or `…:alias/…`), else `AWS_REGION`/`AWS_DEFAULT_REGION`.
    ///
    /// - Returns: `nil` when no region can be found.
    package static func named(_ keyID: String, region: String?, profile: String?,
                              environment: [String: String]) -> KMSKey? {
        let given = [region, regionInARN(keyID), environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]]
            .compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty }
        guard let given else { return nil }
        let profile = profile?.trimmingWhitespace()
        return KMSKey(keyID: keyID.trimmingWhitespace(), region: given,
                      profile: profile?.isEmpty == false ? profile : nil)
    }

    /// The region field of a KMS key or alias ARN, else `nil`.
    static func regionInARN(_ keyID: String) -> String? {
        let fields = keyID.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count >= 6, fields[0] == "arn", fields[2] == "kms", !fields[3].isEmpty else { return nil }
        return String(fields[3])
    }
}
