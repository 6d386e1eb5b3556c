import CredentialLookup
import FoundationEssentials
import SecureStore

/// What the endpoint answers to one request, decided from the method, the path and the `Authorization` header only
/// (no body is ever read). Shared by all worker threads: its state is immutable, and the provider is `@Sendable`.
final class EndpointResponder: Sendable {
    /// A status code and a JSON body (credentials only with 200).
    struct Answer {
        let status: Int
        let body: SecretBytes
    }

    private let secrets: EndpointSecrets
    private let provider: CredentialProvider
    private let now: @Sendable () -> Date
    private let lease: Double

    init(secrets: EndpointSecrets, provider: @escaping CredentialProvider, now: @escaping @Sendable () -> Date,
         lease: Double) {
        self.secrets = secrets
        self.provider = provider
        self.now = now
        self.lease = lease
    }

    /// The answer, checked in this order so that nothing about the endpoint (not even which paths exist) is told to
    /// a client without the token: the token (401 missing, 403 wrong), the path (404), the method (405), then the
    /// provider (500 on failure or expired credentials, else 200 with the credentials).
    func answer(method: String, path: String, authorization: UnsafePointer<CChar>?) -> Answer {
        guard let authorization else {
            return failure(401, "MissingAuthorization", "the request has no Authorization header")
        }
        guard secrets.accepts(authorization) else {
            return failure(403, "InvalidAuthorization", "the Authorization header is not this endpoint's token")
        }
        guard path == secrets.path else { return failure(404, "NotFound", "nothing is served at this path") }
        guard method == "GET" else { return failure(405, "MethodNotAllowed", "only GET is served") }
        let credentials: Credentials
        do {
            credentials = try provider()
        } catch {
            return failure(500, "CredentialsUnavailable", "credstore could not get the credentials: \(error)")
        }
        let current = now()
        let expiration = credentials.expiration ?? current.addingTimeInterval(lease)
        guard expiration > current else {
            return failure(500, "CredentialsExpired",
                           "the credentials expired at \(RFC3339.format(expiration)) and were not refreshed")
        }
        return Answer(status: 200, body: ContainerCredentialsJSON.credentials(credentials, expiration: expiration))
    }

    private func failure(_ status: Int, _ code: String, _ message: String) -> Answer {
        Answer(status: status, body: ContainerCredentialsJSON.error(code: code, message: message))
    }
}
