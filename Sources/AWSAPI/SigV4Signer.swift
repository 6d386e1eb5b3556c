import FoundationEssentials
import HTTPClient
import SecureStore

/// The credentials a request is signed with: a long-lived key, or a temporary one with its session token.
package struct SigningCredentials: Sendable {
    /// The access key id (`AKIA…` or `ASIA…`); not secret, it names the key.
    package var accessKeyID: String
    /// The secret access key.
    package var secretAccessKey: SecretBytes
    /// The session token of temporary credentials, nil for a long-lived key.
    package var sessionToken: SecretBytes?

    /// Creates signing credentials.
    package init(accessKeyID: String, secretAccessKey: SecretBytes, sessionToken: SecretBytes? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`): the one implementation every request credstore sends is signed with.
///
/// It follows the published algorithm as botocore's `SigV4Auth` and aws-c-auth implement it, and passes the
/// aws-c-auth signing suite byte for byte (canonical request, string to sign, signature, signed request) in both
/// placements. The request path is taken as it appears in the URL and percent-encoded once more (as botocore does for
/// every service but S3); query parameters are decoded and re-encoded, so a raw or an encoded query signs the same.
package struct SigV4Signer: Sendable {
    /// Where the signature goes.
    package enum Placement: Sendable, Equatable {
        /// The `Authorization` header (with `X-Amz-Date` and, for temporary credentials, `X-Amz-Security-Token`).
        case header
        /// The query string (a presigned URL), valid for `expiresIn` seconds from the signing date.
        case query(expiresIn: Int)
    }

    /// What signing produced: the intermediate texts (for tests and diagnostics; they may hold the session token, so
    /// never log them) and the signed request.
    package struct Signed: Sendable {
        /// The canonical request that was hashed.
        package var canonicalRequest: String
        /// The string that was signed.
        package var stringToSign: String
        /// The signature, 64 lowercase hex digits.
        package var signature: String
        /// The semicolon-separated lowercase names of the signed headers.
        package var signedHeaders: String
        /// The request with the signature in place.
        package var request: HTTPRequest
    }

    /// The signing name of the service (`sts`, `iam`, `kms`).
    package var service: String
    /// The signing region (`us-east-1`, …).
    package var region: String
    /// Adds `x-amz-content-sha256` (the payload hash) as a signed header in the header placement, as S3 and
    /// aws-c-auth do; STS, IAM and KMS requests (and botocore for them) do not.
    package var signBody: Bool
    /// Sends the session token without signing it (the `omit_session_token` option of aws-c-auth, for services that
    /// want the token added after signing).
    package var omitSessionToken: Bool
    /// Removes `.`/`..` segments and repeated slashes from the path before encoding it (every service but S3).
    package var normalizePath: Bool

    /// Creates a signer for `service` in `region`; the defaults are those of STS, IAM and KMS.
    package init(service: String, region: String, signBody: Bool = false, omitSessionToken: Bool = false,
                 normalizePath: Bool = true) {
        self.service = service
        self.region = region
        self.signBody = signBody
        self.omitSessionToken = omitSessionToken
        self.normalizePath = normalizePath
    }

    /// The headers botocore never signs: proxies and HTTP libraries may change or add them.
    static let unsignedHeaders: Set<String> = ["expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"]
    /// The headers a previous signature added; they are replaced, so re-signing a request (a retry) is clean.
    static let signatureHeaders: Set<String> = [
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    ]

    /// Signs `request` with `credentials` as of `date`.
    package func sign(_ request: HTTPRequest, credentials: SigningCredentials, date: Date,
                      placement: Placement = .header) throws -> Signed {
        guard let url = SplitURL(request.url) else {
            throw AWSServiceError(.endpointInvalid, "cannot sign a request for \(SplitURL.redacted(request.url)): "
                                  + "it is not an absolute http:// or https:// URL")
        }
        let amzDate = AWSDate.amzDate(date)
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let payloadHash = Hex.encode(try SHA256Digest.hash(request.body))
        let token = credentials.sessionToken.map { $0.unsafeUTF8String() ?? "" }

        var headers = request.headers.filter { !Self.signatureHeaders.contains($0.name.lowercased()) }
        var canonicalHeaderList = headers.filter { !Self.unsignedHeaders.contains($0.name.lowercased()) }
        if !canonicalHeaderList.contains(where: { $0.name.lowercased() == "host" }) {
            canonicalHeaderList.append(HTTPHeader("host", url.hostHeader))
        }
        var query = url.queryPairs
        var appendedQuery: [(String, String)] = []

        switch placement {
        case .header:
            if let token {
                headers.append(HTTPHeader("X-Amz-Security-Token", token))
                if !omitSessionToken { canonicalHeaderList.append(HTTPHeader("x-amz-security-token", token)) }
            }
            headers.append(HTTPHeader("X-Amz-Date", amzDate))
            canonicalHeaderList.append(HTTPHeader("x-amz-date", amzDate))
            if signBody {
                headers.append(HTTPHeader("x-amz-content-sha256", payloadHash))
                canonicalHeaderList.append(HTTPHeader("x-amz-content-sha256", payloadHash))
            }
        case .query:
            break
        }
        let canonicalHeaders = Self.canonicalHeaders(canonicalHeaderList)
        let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")

        if case .query(let expiresIn) = placement {
            appendedQuery = [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
                ("X-Amz-Date", amzDate),
                ("X-Amz-SignedHeaders", signedHeaders),
                ("X-Amz-Expires", String(expiresIn)),
            ]
            query += appendedQuery.map { (Array($0.0.utf8), Array($0.1.utf8)) }
            if let token {
                appendedQuery.append(("X-Amz-Security-Token", token))
                if !omitSessionToken { query.append((Array("X-Amz-Security-Token".utf8), Array(token.utf8))) }
            }
        }

        let canonicalRequest = [
            request.method,
            canonicalPath(url.path),
            Self.canonicalQuery(query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n"
            + Hex.encode(try SHA256Digest.hash(Array(canonicalRequest.utf8)))
        let mac = try HMACSHA256.authenticationCode(key: try signingKey(credentials.secretAccessKey, day: day),
                                                    message: Array(stringToSign.utf8))
        let signature = Hex.encode(mac.withUnsafeBytes { Array($0) })

        var signed = request
        switch placement {
        case .header:
            headers.append(HTTPHeader(
                "Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
                    + "SignedHeaders=\(signedHeaders), Signature=\(signature)"))
            signed.headers = headers
        case .query:
            appendedQuery.append(("X-Amz-Signature", signature))
            let added = appendedQuery
                .map { URIEncoding.encode(Array($0.0.utf8)) + "=" + URIEncoding.encode(Array($0.1.utf8)) }
                .joined(separator: "&")
            signed.url = url.withQuery(url.rawQuery.isEmpty ? added : url.rawQuery + "&" + added)
            signed.headers = headers
        }
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                      signedHeaders: signedHeaders, request: signed)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    func signingKey(_ secret: SecretBytes, day: String) throws -> SecretBytes {
        var key = SecretBytes(Array("AWS4".utf8)).appending(secret)
        for part in [day, region, service, "aws4_request"] {
            key = try HMACSHA256.authenticationCode(key: key, message: Array(part.utf8))
        }
        return key
    }

    /// The canonical URI: the path (normalised unless turned off) percent-encoded, slashes kept.
    func canonicalPath(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if normalizePath { path = Self.removeDotSegments(path) }
        return URIEncoding.encode(Array(path.utf8), keepSlash: true)
    }

    /// botocore's `remove_dot_segments`: drops empty and `.` segments, `..` removes the one before; the leading slash
    /// stays, a trailing one stays when something is left.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Lowercase names, sorted; the values of a repeated name joined with commas in order; each value trimmed and
    /// its runs of white space (folded lines included) collapsed to one space.
    static func canonicalHeaders(_ headers: [HTTPHeader]) -> [HTTPHeader] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(collapseWhiteSpace(header.value))
        }
        return order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { HTTPHeader($0, values[$0]!.joined(separator: ",")) }
    }

    static func collapseWhiteSpace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }

    /// Each key and value percent-encoded (unreserved characters kept), sorted by key then value, joined with `&`.
    static func canonicalQuery(_ pairs: [([UInt8], [UInt8])]) -> String {
        pairs.map { (URIEncoding.encode($0.0), URIEncoding.encode($0.1)) }
            .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8)
                                   : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }
}
