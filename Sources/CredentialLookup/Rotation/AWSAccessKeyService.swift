import AWSAPI
import FoundationEssentials
import HTTPClient
import SecureStore

/// The real `AccessKeyService`: `AWSAPI`'s `IAMClient` and `STSClient` over an `HTTPTransport`, each at the endpoint
/// `ServiceEndpoint.resolve` finds (`AWS_ENDPOINT_URL_IAM`/`_STS`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`,
/// the region), retried by the standard policy (`AWS_MAX_ATTEMPTS`/`max_attempts`).
package struct AWSAccessKeyService: AccessKeyService {
    private let iam: IAMClient
    private let sts: STSClient

    /// Clients for the profile with `profileSettings`, over `transport` with `settings`.
    ///
    /// - Throws: `AWSServiceError` `.endpointInvalid` for a malformed endpoint, region or `max_attempts`.
    package init(transport: any HTTPTransport, settings: HTTPSettings, environment: [String: String],
                 profileSettings: [String: String]) throws {
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? profileSettings["region"]
        let retry = try RetryPolicy.standard(environment: environment, profileSettings: profileSettings)
        iam = IAMClient(transport: transport,
                        endpoint: try ServiceEndpoint.resolve(service: "iam", region: region, environment: environment,
                                                              profileSettings: profileSettings),
                        settings: settings, retry: retry)
        sts = STSClient(transport: transport,
                        endpoint: try ServiceEndpoint.resolve(service: "sts", region: region, environment: environment,
                                                              profileSettings: profileSettings),
                        settings: settings, retry: retry)
    }

    /// The service over libcurl (`CurlTransport`, loaded at first use), with proxy and CA bundle from the
    /// environment (`AWS_CA_BUNDLE`, `HTTPS_PROXY`, …) or the profile's `ca_bundle`.
    package static func standard(environment: [String: String], profileSettings: [String: String]) throws
        -> AWSAccessKeyService {
        var settings = HTTPSettings.fromEnvironment(environment)
        if settings.caBundle == nil, let bundle = profileSettings["ca_bundle"] { settings.caBundle = bundle }
        return try AWSAccessKeyService(transport: CurlTransport(), settings: settings, environment: environment,
                                       profileSettings: profileSettings)
    }

    /// `GetCallerIdentity`'s ARN.
    package func callerARN(using credentials: SigningCredentials) throws -> String {
        try sts.getCallerIdentity(using: credentials).arn
    }

    /// `ListAccessKeys`, every page.
    package func listAccessKeys(using credentials: SigningCredentials, userName: String) throws
        -> [AccessKeySummary] {
        try iam.listAccessKeys(using: credentials, userName: userName).map {
            AccessKeySummary(accessKeyID: $0.accessKeyID, isActive: $0.status == .active, createDate: $0.createDate)
        }
    }

    /// `CreateAccessKey`.
    package func createAccessKey(using credentials: SigningCredentials, userName: String) throws
        -> NewAccessKey {
        try iam.createAccessKey(using: credentials, userName: userName)
    }

    /// `UpdateAccessKey`.
    package func updateAccessKey(using credentials: SigningCredentials, accessKeyID: String, active: Bool,
                                 userName: String) throws {
        try iam.updateAccessKey(using: credentials, accessKeyID: accessKeyID,
                                status: active ? .active : .inactive, userName: userName)
    }

    /// `DeleteAccessKey`.
    package func deleteAccessKey(using credentials: SigningCredentials, accessKeyID: String,
                                 userName: String) throws {
        try iam.deleteAccessKey(using: credentials, accessKeyID: accessKeyID, userName: userName)
    }

    /// `GetSessionToken` with the MFA device.
    package func mfaSession(using credentials: SigningCredentials, serialNumber: String,
                            tokenCode: String) throws -> SigningCredentials {
        let session = try sts.getSessionToken(using: credentials, serialNumber: serialNumber,
                                              tokenCode: tokenCode)
        return SigningCredentials(accessKeyID: session.accessKeyID, secretAccessKey: session.secretAccessKey,
                                  sessionToken: session.sessionToken)
    }

    /// The endpoint answered "no": the request or the credentials were refused.
    package func isRefusal(_ error: Error) -> Bool {
        guard let error = error as? AWSServiceError else { return false }
        switch error.code {
        case .accessDenied, .expiredToken, .invalidClientTokenID, .signatureDoesNotMatch, .regionDisabled,
             .credentialsExpired, .noSuchEntity, .limitExceeded, .invalidRequest, .clockSkew:
            return true
        default:
            return false
        }
    }

    /// `access-denied: <the service's message>`.
    package func describe(_ error: Error) -> String {
        guard let error = error as? AWSServiceError else { return "\(error)" }
        return "\(error.code.rawValue): \(error.message)"
    }
}
