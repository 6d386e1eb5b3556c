import AWSAPI
import FoundationEssentials
import HTTPClient
import SecureStore

/// The real STS caller: AWSAPI's `STSClient` over the system libcurl (`CurlTransport`, loaded at first use).
struct STSClientCaller: STSCalling {
    let client: STSClient
    let endpoint: ServiceEndpoint

    var endpointDescription: String { endpoint.url }

    func assumeRole(using credentials: Credentials, roleARN: String, sessionName: String, durationSeconds: Int?,
                    externalID: String?, serialNumber: String?, tokenCode: String?) throws
        -> (credentials: Credentials, assumedRoleARN: String) {
        let assumed = try client.assumeRole(using: credentials.signing, roleARN: roleARN, sessionName: sessionName,
                                            durationSeconds: durationSeconds, externalID: externalID,
                                            serialNumber: serialNumber, tokenCode: tokenCode)
        return (assumed.credentials.credentials, assumed.assumedRoleARN)
    }

    func getSessionToken(using credentials: Credentials, durationSeconds: Int?, serialNumber: String?,
                         tokenCode: String?) throws -> Credentials {
        try client.getSessionToken(using: credentials.signing, durationSeconds: durationSeconds,
                                   serialNumber: serialNumber, tokenCode: tokenCode).credentials
    }
}

/// Makes `STSClientCaller`s the way the AWS CLI would reach STS for a profile: the endpoint from
/// `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, `sts_regional_endpoints` and the region
/// (`ServiceEndpoint.resolve`); trust and proxies from `AWS_CA_BUNDLE` (else the profile's `ca_bundle`),
/// `HTTPS_PROXY`/`NO_PROXY` (`HTTPSettings.fromEnvironment`); the SDKs' standard retry mode.
struct StandardSTSCallingFactory: STSCallingFactory {
    let environment: [String: String]
    let transport: any HTTPTransport
    let clock: any WallClock
    /// The whole exchange's time limit per attempt (`LookupOptions.stsTimeout`).
    let timeout: Double

    func caller(region: String?, profileSettings: [String: String]) throws -> any STSCalling {
        let endpoint = try ServiceEndpoint.resolve(service: "sts", region: region, environment: environment,
                                                   profileSettings: profileSettings)
        var settings = HTTPSettings.fromEnvironment(environment)
        settings.totalTimeout = timeout
        settings.connectTimeout = min(settings.connectTimeout, timeout)
        // STS replies are a few KiB; anything much larger is not STS.
        settings.maxResponseBytes = 256 * 1024
        if settings.caBundle == nil, let bundle = profileSettings["ca_bundle"]?.trimmingWhitespace(),
           !bundle.isEmpty {
            settings.caBundle = bundle
        }
        let retry = try RetryPolicy.standard(environment: environment, profileSettings: profileSettings)
        return STSClientCaller(client: STSClient(transport: transport, endpoint: endpoint, settings: settings,
                                                 retry: retry, clock: clock),
                               endpoint: endpoint)
    }
}

extension AWSServiceError: STSFailureDescribing {
    /// The service's code, or the transport's for a request that got no response (`connection-failed`, …).
    package var failureCode: String { code == .transport ? transportCode?.rawValue ?? code.rawValue : code.rawValue }
    /// The message.
    package var failureMessage: String { message }
}

extension HTTPClientError: STSFailureDescribing {
    /// The transport's code.
    package var failureCode: String { code.rawValue }
    /// The message.
    package var failureMessage: String { message }
}

extension Credentials {
    /// The credentials for signing a request.
    var signing: SigningCredentials {
        SigningCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }
}

extension TemporaryCredentials {
    /// As lookup credentials.
    var credentials: Credentials {
        Credentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken,
                    expiration: expiration)
    }
}
