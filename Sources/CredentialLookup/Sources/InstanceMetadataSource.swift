import HTTPClient
import SecureStore
import SystemLayer

extension SearchStep {
    /// IMDSv2 instance-role credentials.
    package static let instanceMetadata = SearchStep(rawValue: "instanceMetadata")
}

/// Instance-role credentials from the EC2 instance metadata service, IMDSv2 only (session token first).
///
/// Off when `AWS_EC2_METADATA_DISABLED=true`. The endpoint is `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else
/// `http://[fd00:ec2::254]` when `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, else `http://169.254.169.254`.
/// An endpoint that does not answer, refuses a token or has no role is "not here"; one that answers with broken
/// credentials stops the search.
package struct InstanceMetadataSource: CredentialSource {
    /// `.instanceMetadata`.
    package static let step = SearchStep.instanceMetadata
    /// The IMDS endpoint on EC2 (IPv4).
    package static let defaultEndpoint = "http://169.254.169.254"
    /// The IMDS endpoint on EC2 (IPv6).
    package static let defaultIPv6Endpoint = "http://[fd00:ec2::254]"
    /// The session-token lifetime requested, in seconds (the maximum IMDS allows).
    static let tokenLifetime = 21_600

    /// The largest response accepted from the metadata service (a token, a role name, a credentials document).
    static let maximumResponseSize = 64 * 1024

    private let environment: [String: String]
    private let options: LookupOptions
    private let clock: any Clock
    private let transport: any HTTPTransport

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - environment: The environment holding the `AWS_EC2_METADATA_*` and `AWS_METADATA_SERVICE_TIMEOUT` settings.
    ///   - options: `instanceMetadataTimeout` bounds the whole exchange.
    ///   - clock: The clock that timeout is measured on.
    ///   - transport: How requests are sent (the system libcurl, loaded only when a request is made).
    package init(environment: [String: String], options: LookupOptions = LookupOptions(),
                 clock: any Clock = MonotonicClock(), transport: any HTTPTransport = CurlTransport()) {
        self.environment = environment
        self.options = options
        self.clock = clock
        self.transport = transport
    }

    /// The source over the lookup's environment; always part of the search (it checks `AWS_EC2_METADATA_DISABLED`
    /// itself, so that the places searched say it was disabled).
    package static func make(for context: SourceContext) -> InstanceMetadataSource? {
        InstanceMetadataSource(environment: context.environment, options: context.options)
    }

    /// The total time the exchange may take: `AWS_METADATA_SERVICE_TIMEOUT` if set and numeric, else the option;
    /// clamped to `LookupOptions.instanceMetadataTimeoutRange`.
    var timeout: Double {
        if let text = environment["AWS_METADATA_SERVICE_TIMEOUT"], let seconds = Double(text.trimmingWhitespace()) {
            return seconds.clamped(to: LookupOptions.instanceMetadataTimeoutRange)
        }
        return options.instanceMetadataTimeout
    }

    /// Asks the metadata service for the instance role's credentials.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        if environment["AWS_EC2_METADATA_DISABLED"]?.trimmingWhitespace().lowercased() == "true" {
            return .notHere(searched: ["instance metadata service (disabled by AWS_EC2_METADATA_DISABLED)"])
        }
        let url: String
        if let configured = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]?.trimmingWhitespace(),
           !configured.isEmpty {
            url = configured
        } else if environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" {
            url = Self.defaultIPv6Endpoint
        } else {
            url = Self.defaultEndpoint
        }
        let endpoint: MetadataEndpoint
        do {
            endpoint = try MetadataEndpoint(parsing: url)
        } catch {
            return .failed(error)
        }
        let client = MetadataRequester(endpoint: endpoint, transport: transport, deadline: clock.now + timeout,
                                       clock: clock)
        let place = "instance metadata service (\(url))"
        func failed(_ reason: String) -> SourceResult {
            .failed(CredentialLookupError(.instanceMetadataFailed(endpoint: url, reason: reason)))
        }

        let tokenResponse: HTTPResponse
        do {
            tokenResponse = try client.request(method: "PUT", path: "/latest/api/token",
                                               headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds",
                                                                    String(Self.tokenLifetime))])
        } catch {
            return .notHere(searched: ["\(place): \(error)"])
        }
        guard tokenResponse.status == 200 else {
            return .notHere(searched: ["\(place): refused a session token (HTTP \(tokenResponse.status))"])
        }
        let token = tokenResponse.body
        guard !token.isEmpty, token.withUnsafeBytes({ $0.allSatisfy { $0 > 0x20 && $0 < 0x7F } }) else {
            return failed("the session token is empty or not printable ASCII")
        }
        // The token was checked to be printable ASCII above. It is short-lived and bound to this host, and
        // HTTPHeader values are strings; the transport's own copy of the header line is wiped.
        let tokenHeader = HTTPHeader("X-aws-ec2-metadata-token", token.unsafeUTF8String() ?? "")

        let credentialsPath = "/latest/meta-data/iam/security-credentials/"
        let roleResponse: HTTPResponse
        do {
            roleResponse = try client.request(method: "GET", path: credentialsPath, headers: [tokenHeader])
        } catch {
            return failed("listing the instance role: \(error)")
        }
        if roleResponse.status == 404 {
            return .notHere(searched: ["\(place): the instance has no IAM role"])
        }
        guard roleResponse.status == 200 else {
            return failed("listing the instance role answered HTTP \(roleResponse.status)")
        }
        // Role names are not secret.
        let roleList = roleResponse.body.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        guard let role = roleList.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first
            .map({ String($0).trimmingWhitespace() }), !role.isEmpty else {
            return .notHere(searched: ["\(place): the instance has no IAM role"])
        }
        guard role.utf8.allSatisfy(Self.isRoleNameByte) else {
            return failed("the role name it returned has characters IAM does not allow")
        }

        let credentialsResponse: HTTPResponse
        do {
            credentialsResponse = try client.request(method: "GET", path: credentialsPath + role,
                                                     headers: [tokenHeader])
        } catch {
            return failed("fetching the credentials of role '\(role)': \(error)")
        }
        guard credentialsResponse.status == 200 else {
            return failed("fetching the credentials of role '\(role)' answered HTTP \(credentialsResponse.status)")
        }
        do {
            let credentials = try credentialsResponse.body.withUnsafeBytes { bytes -> Credentials in
                let object = try SecretJSONObject.parse(bytes)
                if case .string(let code)? = object["Code"], code.unsafeUTF8String() != "Success" {
                    // The code is a status word, not a secret, but the server chose it: escaped (`TerminalText`).
                    // The reply is valid JSON, so this is not a syntax error.
                    let shown = TerminalText.escaped(String(code.unsafeUTF8String()?.prefix(200) ?? "?"))
                    throw CredentialLookupError(.instanceMetadataFailed(
                        endpoint: url, reason: "the credentials of role '\(role)' were refused: the reply's Code is "
                            + "'\(shown)', not 'Success'"))
                }
                return try CredentialProcessReply.credentials(from: object, tokenKey: "Token") { reason in
                    CredentialLookupError(.instanceMetadataFailed(endpoint: url, reason: reason))
                }
            }
            let origin = CredentialOrigin(step: Self.step, storeType: .instanceMetadata, location: url)
            return .found(Resolution(credentials: credentials, origin: origin,
                                     notes: ["instance role '\(role)'"]))
        } catch let error as JSONSyntaxError {
            return failed("the credentials of role '\(role)' are not valid JSON: \(error.reason)")
        } catch {
            return .failed(error)
        }
    }

    /// IAM role names use letters, digits and `+=,.@_-`.
    private static func isRoleNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "@"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): return true
        default: return false
        }
    }
}

/// The metadata service's requests under one deadline for the whole exchange, through an `HTTPTransport`: never
/// through a proxy (the service is link-local, and its token must not leave the host), bodies bounded to 64 KiB.
struct MetadataRequester {
    var endpoint: MetadataEndpoint
    var transport: any HTTPTransport
    /// The time on `clock` by which every request must be done.
    var deadline: Double
    /// The clock `deadline` is on.
    var clock: any Clock

    /// Sends one request in the time left; a failure is a `MetadataHTTPFailure` whose text the searched list shows.
    func request(method: String, path: String, headers: [HTTPHeader] = []) throws -> HTTPResponse {
        let remaining = deadline - clock.now
        guard remaining > 0 else { throw MetadataHTTPFailure.timedOut }
        let settings = HTTPSettings(totalTimeout: remaining, connectTimeout: remaining,
                                    maxResponseBytes: InstanceMetadataSource.maximumResponseSize)
        let request = HTTPRequest(method: method, url: endpoint.baseURL + path,
                                  headers: [HTTPHeader("User-Agent", "credstore")] + headers)
        do {
            return try transport.send(request, settings: settings)
        } catch let error as HTTPClientError {
            throw MetadataHTTPFailure(error)
        }
    }
}

/// Why an HTTP exchange with the metadata service failed, in the words the searched list has always used.
enum MetadataHTTPFailure: Error, CustomStringConvertible {
    case unreachable(String)
    case timedOut
    case malformed(String)

    init(_ error: HTTPClientError) {
        switch error.code {
        case .timedOut: self = .timedOut
        case .connectionFailed, .hostNotFound, .libraryUnavailable, .proxyFailed: self = .unreachable(error.message)
        default: self = .malformed(error.message)
        }
    }

    var description: String {
        switch self {
        case .unreachable(let reason): return "unreachable: \(reason)"
        case .timedOut: return "no answer in time"
        case .malformed(let reason): return "bad HTTP response: \(reason)"
        }
    }
}
