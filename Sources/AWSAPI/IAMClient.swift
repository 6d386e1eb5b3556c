import FoundationEssentials
import HTTPClient
import SecureStore

/// Whether an access key can sign requests.
package enum AccessKeyStatus: String, Sendable, Equatable {
    /// The key works.
    case active = "Active"
    /// The key is refused until activated again.
    case inactive = "Inactive"
}

/// One access key of an IAM user, as `ListAccessKeys` describes it (never the secret).
package struct AccessKeyMetadata: Sendable, Equatable {
    /// The access key id.
    package var accessKeyID: String
    /// Active or inactive.
    package var status: AccessKeyStatus
    /// When the key was created.
    package var createDate: Date

    /// Creates key metadata.
    package init(accessKeyID: String, status: AccessKeyStatus, createDate: Date) {
        self.accessKeyID = accessKeyID
        self.status = status
        self.createDate = createDate
    }
}

/// A key just made by `CreateAccessKey`: the only time its secret is ever available.
package struct NewAccessKey: Sendable {
    /// The access key id.
    package var accessKeyID: String
    /// The secret access key.
    package var secretAccessKey: SecretBytes
    /// When the key was created.
    package var createDate: Date

    /// Creates a new-key result.
    package init(accessKeyID: String, secretAccessKey: SecretBytes, createDate: Date) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.createDate = createDate
    }
}

/// The IAM calls `credstore rotate` makes (query protocol, version 2010-05-08), over any transport.
package struct IAMClient: Sendable {
    static let version = "2010-05-08"
    let caller: ServiceCaller

    /// Creates a client for `endpoint` (see `ServiceEndpoint.resolve`).
    package init(transport: any HTTPTransport, endpoint: ServiceEndpoint, settings: HTTPSettings = HTTPSettings(),
                 retry: RetryPolicy = RetryPolicy(), clock: any WallClock = SystemWallClock()) {
        caller = ServiceCaller(transport: transport, endpoint: endpoint, settings: settings, retry: retry,
                               clock: clock, displayName: "IAM", errorFormat: .xml)
    }

    /// `ListAccessKeys` for `userName` (nil: the caller's own user), every page.
    package func listAccessKeys(using credentials: SigningCredentials, userName: String? = nil) throws
        -> [AccessKeyMetadata] {
        let action = "ListAccessKeys"
        var keys: [AccessKeyMetadata] = []
        var marker: String?
        for _ in 0..<100 {
            var parameters: [(String, String)] = []
            if let userName { parameters.append(("UserName", userName)) }
            if let marker { parameters.append(("Marker", marker)) }
            let result = try call(action, parameters, credentials)
            for member in result.child("AccessKeyMetadata")?.children("member") ?? [] {
                let id = try caller.required(member.child("AccessKeyId"), "AccessKeyId", action: action)
                let statusText = try caller.required(member.child("Status"), "Status", action: action)
                guard let status = AccessKeyStatus(rawValue: statusText) else {
                    throw caller.malformed(action, "Status is neither Active nor Inactive")
                }
                keys.append(AccessKeyMetadata(accessKeyID: id, status: status,
                                              createDate: try date(member.child("CreateDate"), action: action)))
            }
            guard result.child("IsTruncated")?.string.map(Text.trimmed) == "true" else { return keys }
            marker = try caller.required(result.child("Marker"), "Marker", action: action)
        }
        throw caller.malformed(action, "more than 100 pages of keys")
    }

    /// `CreateAccessKey` for `userName` (nil: the caller's own user).
    package func createAccessKey(using credentials: SigningCredentials, userName: String? = nil) throws
        -> NewAccessKey {
        let action = "CreateAccessKey"
        let result = try call(action, userName.map { [("UserName", $0)] } ?? [], credentials)
        guard let key = result.child("AccessKey") else { throw caller.malformed(action, "AccessKey is missing") }
        return NewAccessKey(
            accessKeyID: try caller.required(key.child("AccessKeyId"), "AccessKeyId", action: action),
            secretAccessKey: try caller.requiredSecret(key.child("SecretAccessKey"), "SecretAccessKey",
                                                       action: action),
            createDate: try date(key.child("CreateDate"), action: action))
    }

    /// `UpdateAccessKey`: makes a key active or inactive.
    package func updateAccessKey(using credentials: SigningCredentials, accessKeyID: String,
                                 status: AccessKeyStatus, userName: String? = nil) throws {
        // Members in the service model's order, as botocore's serializer writes them.
        let parameters = (userName.map { [("UserName", $0)] } ?? []) + [("AccessKeyId", accessKeyID),
                                                                         ("Status", status.rawValue)]
        _ = try call("UpdateAccessKey", parameters, credentials)
    }

    /// `DeleteAccessKey`.
    package func deleteAccessKey(using credentials: SigningCredentials, accessKeyID: String,
                                 userName: String? = nil) throws {
        let parameters = (userName.map { [("UserName", $0)] } ?? []) + [("AccessKeyId", accessKeyID)]
        _ = try call("DeleteAccessKey", parameters, credentials)
    }

    func date(_ element: XMLElement?, action: String) throws -> Date {
        let text = try caller.required(element, "CreateDate", action: action)
        guard let date = AWSDate.parseISO8601(text) else {
            throw caller.malformed(action, "CreateDate is not an ISO 8601 time")
        }
        return date
    }

    func call(_ action: String, _ parameters: [(String, String)], _ credentials: SigningCredentials) throws
        -> XMLElement {
        let endpoint = caller.endpoint
        let response = try caller.send(action: action, credentials: credentials) {
            QueryProtocol.request(endpoint: endpoint, action: action, version: Self.version, parameters: parameters)
        }
        return try caller.queryResult(response, action: action)
    }
}
