import FoundationEssentials
import HTTPClient
import SecureStore

/// Temporary credentials from STS: a key, its secret, its session token and when they stop working.
package struct TemporaryCredentials: Sendable {
    /// The temporary access key id (`ASIA…`).
    package var accessKeyID: String
    /// The secret access key.
    package var secretAccessKey: SecretBytes
    /// The session token.
    package var sessionToken: SecretBytes
    /// When the credentials expire.
    package var expiration: Date

    /// Creates temporary credentials.
    package init(accessKeyID: String, secretAccessKey: SecretBytes, sessionToken: SecretBytes, expiration: Date) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The credentials to sign further requests with.
    package var signing: SigningCredentials {
        SigningCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }
}

/// The result of `AssumeRole`: the role session's credentials and its ARN
/// (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
package struct AssumedRole: Sendable {
    /// The role session's credentials.
    package var credentials: TemporaryCredentials
    /// The assumed-role ARN.
    package var assumedRoleARN: String

    /// Creates a result.
    package init(credentials: TemporaryCredentials, assumedRoleARN: String) {
        self.credentials = credentials
        self.assumedRoleARN = assumedRoleARN
    }
}

/// The result of `GetCallerIdentity`.
package struct CallerIdentity: Sendable, Equatable {
    /// The 12-digit account id.
    package var account: String
    /// The caller's ARN (a user, or an assumed role session).
    package var arn: String
    /// The unique id (`AIDA…`, or `AROA…:session`).
    package var userID: String

    /// Creates an identity.
    package init(account: String, arn: String, userID: String) {
        self.account = account
        self.arn = arn
        self.userID = userID
    }
}

/// The STS calls credstore makes (query protocol, version 2011-06-15), over any transport.
package struct STSClient: Sendable {
    static let version = "2011-06-15"
    let caller: ServiceCaller

    /// Creates a client for `endpoint` (see `ServiceEndpoint.resolve`).
    package init(transport: any HTTPTransport, endpoint: ServiceEndpoint, settings: HTTPSettings = HTTPSettings(),
                 retry: RetryPolicy = RetryPolicy(), clock: any WallClock = SystemWallClock()) {
        caller = ServiceCaller(transport: transport, endpoint: endpoint, settings: settings, retry: retry,
                               clock: clock, displayName: "STS", errorFormat: .xml)
    }

    /// `GetSessionToken`, with `serialNumber` and `tokenCode` for an MFA session.
    package func getSessionToken(using credentials: SigningCredentials, durationSeconds: Int? = nil,
                                 serialNumber: String? = nil, tokenCode: String? = nil) throws
        -> TemporaryCredentials {
        var parameters: [(String, String)] = []
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        if let serialNumber { parameters.append(("SerialNumber", serialNumber)) }
        if let tokenCode { parameters.append(("TokenCode", tokenCode)) }
        let result = try call("GetSessionToken", parameters, credentials)
        return try temporaryCredentials(result.child("Credentials"), action: "GetSessionToken")
    }

    /// `AssumeRole`.
    package func assumeRole(using credentials: SigningCredentials, roleARN: String, sessionName: String,
                            durationSeconds: Int? = nil, externalID: String? = nil, serialNumber: String? = nil,
                            tokenCode: String? = nil) throws -> AssumedRole {
        var parameters: [(String, String)] = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let serialNumber { parameters.append(("SerialNumber", serialNumber)) }
        if let tokenCode { parameters.append(("TokenCode", tokenCode)) }
        let result = try call("AssumeRole", parameters, credentials)
        let temporary = try temporaryCredentials(result.child("Credentials"), action: "AssumeRole")
        let arn = try caller.required(result.descendant(["AssumedRoleUser", "Arn"]), "AssumedRoleUser/Arn",
                                      action: "AssumeRole")
        return AssumedRole(credentials: temporary, assumedRoleARN: arn)
    }

    /// `GetCallerIdentity`: who the credentials belong to (needs no permission).
    package func getCallerIdentity(using credentials: SigningCredentials) throws -> CallerIdentity {
        let action = "GetCallerIdentity"
        let result = try call(action, [], credentials)
        return CallerIdentity(account: try caller.required(result.child("Account"), "Account", action: action),
                              arn: try caller.required(result.child("Arn"), "Arn", action: action),
                              userID: try caller.required(result.child("UserId"), "UserId", action: action))
    }

    func call(_ action: String, _ parameters: [(String, String)], _ credentials: SigningCredentials) throws
        -> XMLElement {
        let endpoint = caller.endpoint
        let response = try caller.send(action: action, credentials: credentials) {
            QueryProtocol.request(endpoint: endpoint, action: action, version: Self.version, parameters: parameters)
        }
        return try caller.queryResult(response, action: action)
    }

    /// A `<Credentials>` element, refused when a field is missing or `Expiration` is unparseable or already past.
    func temporaryCredentials(_ element: XMLElement?, action: String) throws -> TemporaryCredentials {
        guard let element else { throw caller.malformed(action, "Credentials is missing") }
        let keyID = try caller.required(element.child("AccessKeyId"), "AccessKeyId", action: action)
        let secret = try caller.requiredSecret(element.child("SecretAccessKey"), "SecretAccessKey", action: action)
        let token = try caller.requiredSecret(element.child("SessionToken"), "SessionToken", action: action)
        let expirationText = try caller.required(element.child("Expiration"), "Expiration", action: action)
        guard let expiration = AWSDate.parseISO8601(expirationText) else {
            throw caller.malformed(action, "Expiration is not an ISO 8601 time")
        }
        let now = caller.clock.now
        guard expiration > now else {
            throw AWSServiceError(
                .credentialsExpired, "\(caller.context(action)) failed: the credentials returned expired at "
                    + "\(AWSDate.iso8601(expiration)), which is not after this machine's time "
                    + "\(AWSDate.iso8601(now))")
        }
        return TemporaryCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token,
                                    expiration: expiration)
    }
}
