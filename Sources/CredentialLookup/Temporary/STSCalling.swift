import FoundationEssentials

/// The STS calls the executor makes, as it needs them: `AssumeRole` and `GetSessionToken` with `Credentials` in and
/// out. The real one is AWSAPI's `STSClient` (`STSClient+Calling.swift`); a pure-logic test hands in a recording fake
/// beside the tests against the real moto server.
package protocol STSCalling {
    /// The endpoint requests go to, for messages (e.g. `https://sts.eu-west-1.amazonaws.com`).
    var endpointDescription: String { get }

    /// `AssumeRole`: the role session's credentials (with token and expiry) and its assumed-role ARN.
    func assumeRole(using credentials: Credentials, roleARN: String, sessionName: String, durationSeconds: Int?,
                    externalID: String?, serialNumber: String?, tokenCode: String?) throws
        -> (credentials: Credentials, assumedRoleARN: String)

    /// `GetSessionToken` (with `serialNumber` and `tokenCode` for an MFA session).
    func getSessionToken(using credentials: Credentials, durationSeconds: Int?, serialNumber: String?,
                         tokenCode: String?) throws -> Credentials
}

/// Makes the STS caller for one profile's settings: its region, `endpoint_url`, `sts_regional_endpoints` and
/// `ca_bundle`, with the environment's `AWS_ENDPOINT_URL(_STS)`, `AWS_CA_BUNDLE` and proxy variables.
package protocol STSCallingFactory {
    /// The caller for a profile.
    ///
    /// - Parameters:
    ///   - region: The region of the profile (or the environment's), nil for none.
    ///   - profileSettings: The profile's settings.
    /// - Throws: When the endpoint or a setting is unusable (the error is reported as the STS call's).
    func caller(region: String?, profileSettings: [String: String]) throws -> any STSCalling
}

/// An error of the STS layer as the executor reports it: a stable code (the service's, or the transport's when no
/// response came) and a message without secrets. AWSAPI's and HTTPClient's errors conform.
package protocol STSFailureDescribing: Error {
    /// The stable code, e.g. `access-denied`, `clock-skew`, `connection-failed`, `certificate-untrusted`.
    var failureCode: String { get }
    /// What happened, never a secret.
    var failureMessage: String { get }
}
