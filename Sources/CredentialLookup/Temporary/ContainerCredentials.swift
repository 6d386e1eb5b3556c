import FoundationEssentials
import Glibc
import HTTPClient
import SecureStore
import SystemLayer

/// The ECS/EKS container credentials endpoint, for `credential_source = EcsContainer`: `GET` on
/// `http://169.254.170.2` + `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, else on `AWS_CONTAINER_CREDENTIALS_FULL_URI`
/// (`https://` anywhere; `http://` only to a loopback address or the ECS/EKS link-local hosts, as the SDKs allow),
/// with `Authorization` from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read each time: EKS rotates it) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`. The reply is the JSON the SDKs read (`AccessKeyId`, `SecretAccessKey`,
/// `Token`, `Expiration`), bounded, in wiped memory.
struct ContainerCredentials {
    /// The ECS task metadata host a relative URI is resolved against.
    static let relativeHost = "http://169.254.170.2"
    /// `http://` hosts a full URI may name besides loopback: the ECS and EKS (Pod Identity) endpoints.
    static let allowedPlainHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]
    /// The largest token file read.
    static let maximumTokenFile = 16 * 1024

    var environment: [String: String]
    var transport: any HTTPTransport
    /// The whole exchange's time limit.
    var timeout: Double = 5

    /// The credentials the endpoint hands out.
    ///
    /// - Parameter profile: The profile whose `credential_source` this is, for messages.
    /// - Throws: `CredentialLookupError` `.sourceCredentialsUnavailable` (no variable set) or
    ///   `.containerCredentialsFailed` (an unusable URL or token, a failed exchange, a reply without credentials).
    func credentials(profile: String) throws -> Credentials {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingWhitespace(), !text.isEmpty else { return nil }
            return text
        }
        let url: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = Self.relativeHost + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            url = full
            try Self.checkFullURI(full)
        } else {
            throw CredentialLookupError(.sourceCredentialsUnavailable(
                profile: profile, source: "credential_source EcsContainer",
                reason: "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"))
        }
        let shownURL = String(url.prefix { $0 != "?" })
        func failed(_ reason: String) -> CredentialLookupError {
            CredentialLookupError(.containerCredentialsFailed(endpoint: shownURL, reason: reason))
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        if let token = try authorizationToken(failed) { headers.append(HTTPHeader("Authorization", token)) }
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPRequest(method: "GET", url: url, headers: headers),
                                          settings: HTTPSettings(totalTimeout: timeout, connectTimeout: min(2, timeout),
                                                                 maxResponseBytes: CredentialProcessReply.maximumSize))
        } catch let error as HTTPClientError {
            throw failed(error.message)
        }
        guard response.status == 200 else { throw failed("it answered HTTP \(response.status)") }
        do {
            return try response.body.withUnsafeBytes { bytes in
                try CredentialProcessReply.credentials(from: try SecretJSONObject.parse(bytes), tokenKey: "Token",
                                                       invalid: failed)
            }
        } catch let error as JSONSyntaxError {
            throw failed("the reply is not valid JSON: \(error.reason)")
        }
    }

    /// The token from the file (preferred) or the variable; one line of printable ASCII.
    private func authorizationToken(_ failed: (String) -> CredentialLookupError) throws -> String? {
        var token: String?
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]?.trimmingWhitespace(), !path.isEmpty {
            var bytes: [UInt8] = []
            defer { Syscalls.wipe(&bytes) }
            do {
                let fd = try Syscalls.open(path, O_RDONLY | O_CLOEXEC)
                defer { try? Syscalls.close(fd) }
                bytes = try Syscalls.readToEnd(fd, capacity: Self.maximumTokenFile + 1, limit: Self.maximumTokenFile,
                                              sensitive: true)
            } catch {
                throw failed("the token file \(path) (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) cannot be read: \(error)")
            }
            guard bytes.count <= Self.maximumTokenFile else {
                throw failed("the token file \(path) is larger than \(Self.maximumTokenFile) bytes")
            }
            token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        } else if let text = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]?.trimmingWhitespace(), !text.isEmpty {
            token = text
        }
        guard let token else { return nil }
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw failed("the authorization token is empty or not one line of printable ASCII")
        }
        return token
    }

    /// A full URI must be `https://`, or `http://` to loopback or the ECS/EKS hosts (botocore's rule): credentials
    /// are never fetched in clear text from elsewhere.
    static func checkFullURI(_ url: String) throws {
        func refuse(_ reason: String) -> CredentialLookupError {
            CredentialLookupError(.containerCredentialsFailed(endpoint: String(url.prefix { $0 != "?" }.prefix(200)),
                                                              reason: reason))
        }
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return }
        guard lower.hasPrefix("http://") else { throw refuse("AWS_CONTAINER_CREDENTIALS_FULL_URI must be http(s)") }
        let rest = lower.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw refuse("AWS_CONTAINER_CREDENTIALS_FULL_URI must not hold a user") }
        var host = String(authority)
        if host.hasPrefix("[") {
            host = String(host.prefix { $0 != "]" }) + "]"
        } else if let colon = host.firstIndex(of: ":") {
            host = String(host[..<colon])
        }
        if host == "localhost" || host == "[::1]" || allowedPlainHosts.contains(host) { return }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }), octets[0] == "127" { return }
        throw refuse("an http:// AWS_CONTAINER_CREDENTIALS_FULL_URI must name a loopback address or the ECS/EKS "
            + "endpoint; use https:// for any other host")
    }
}
