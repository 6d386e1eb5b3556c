import FoundationEssentials
import HTTPClient
import SecureStore

/// What the three clients share: sign each attempt with the clock's date, send it, retry by the policy, and turn
/// anything but a 2xx into an `AWSServiceError`.
struct ServiceCaller: Sendable {
    /// How an error body is read.
    enum ErrorFormat: Sendable {
        case xml
        case json
    }

    var transport: any HTTPTransport
    var endpoint: ServiceEndpoint
    var settings: HTTPSettings
    var retry: RetryPolicy
    var clock: any WallClock
    /// The service as users know it: `STS`, `IAM`, `KMS`.
    var displayName: String
    var errorFormat: ErrorFormat

    /// "STS AssumeRole at sts.amazonaws.com", the start of every message.
    func context(_ action: String) -> String {
        "\(displayName) \(action) at \(endpoint.host)"
    }

    /// Sends the request `make()` builds for `action`, signed with `credentials`, and returns the 2xx response.
    func send(action: String, credentials: SigningCredentials, make: () -> HTTPRequest) throws -> HTTPResponse {
        let signer = SigV4Signer(service: endpoint.service, region: endpoint.signingRegion)
        return try retry.run { _ in
            let date = clock.now
            let signed = try signer.sign(make(), credentials: credentials, date: date)
            let response: HTTPResponse
            do {
                response = try transport.send(signed.request, settings: settings)
            } catch let error as HTTPClientError {
                throw transportError(error, action: action)
            }
            if (200..<300).contains(response.status) { return response }
            if (300..<400).contains(response.status) {
                let target = response.header("Location").map { SplitURL($0)?.authority ?? SplitURL.redacted($0) }
                throw AWSServiceError(
                    .redirected, "\(context(action)) failed: the endpoint answered with a redirect (HTTP "
                        + "\(response.status))" + (target.map { " to \($0.prefix(200))" } ?? "")
                        + "; a signed request is never sent on to another address",
                    status: response.status)
            }
            let parsed: (code: String, message: String?, requestID: String?)?
            // The other format is the fallback: a proxy or an emulator in front of a JSON service may answer an
            // authentication failure in the query protocol's XML, and the reverse.
            switch errorFormat {
            case .xml: parsed = QueryProtocol.error(in: response.body) ?? JSONProtocol.error(in: response)
            case .json: parsed = JSONProtocol.error(in: response) ?? QueryProtocol.error(in: response.body)
            }
            var offset: Int?
            if let header = response.header("Date"), let serverDate = AWSDate.parseHTTPDate(header) {
                offset = Int((date.timeIntervalSince1970 - serverDate.timeIntervalSince1970).rounded())
            }
            if parsed == nil && response.status < 500 && response.status != 429 {
                throw AWSServiceError(.malformedResponse, "\(context(action)) failed: HTTP \(response.status) with a "
                                      + "body that is not an AWS error response", status: response.status)
            }
            throw ServiceErrorMapping.map(
                serviceCode: parsed?.code,
                serviceMessage: ServiceErrorMapping.scrub(
                    parsed?.message, code: parsed?.code,
                    // Only on this error path do the secrets become (unwipeable) text, to be cut out of the message.
                    secrets: [credentials.secretAccessKey.unsafeUTF8String(),
                              credentials.sessionToken?.unsafeUTF8String()].compactMap { $0 }),
                status: response.status, context: context(action), requestID: parsed?.requestID, clockOffset: offset)
        }
    }

    func transportError(_ error: HTTPClientError, action: String) -> AWSServiceError {
        switch error.code {
        case .responseTooLarge, .protocolError:
            return AWSServiceError(.malformedResponse, "\(context(action)) failed: \(error.message)",
                                   transportCode: error.code)
        default:
            return AWSServiceError(.transport, "\(context(action)) failed: \(error.message)", transportCode: error.code)
        }
    }

    /// A malformed-response error for `action`.
    func malformed(_ action: String, _ why: String) -> AWSServiceError {
        AWSServiceError(.malformedResponse, "\(context(action)) failed: the response is not what \(displayName) "
                        + "sends (\(why))")
    }

    /// Parses a query-protocol success body, mapping syntax errors to `malformed-response`.
    func queryResult(_ response: HTTPResponse, action: String) throws -> XMLElement {
        do {
            return try QueryProtocol.result(of: response, action: action)
        } catch let error as ResponseSyntaxError {
            throw malformed(action, error.reason)
        }
    }

    /// The non-empty text of `element`, or a malformed-response error naming `field`.
    func required(_ element: XMLElement?, _ field: String, action: String) throws -> String {
        guard let text = element?.string.map(Text.trimmed), !text.isEmpty else {
            throw malformed(action, "\(field) is missing or empty")
        }
        return text
    }

    /// The non-empty secret text of `element` (trimmed), or a malformed-response error naming `field`.
    func requiredSecret(_ element: XMLElement?, _ field: String, action: String) throws -> SecretBytes {
        guard let element else { throw malformed(action, "\(field) is missing") }
        let trimmed = element.text.withUnsafeBytes { bytes -> SecretBytes in
            var start = 0
            var end = bytes.count
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            return SecretBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
        guard !trimmed.isEmpty else { throw malformed(action, "\(field) is empty") }
        return trimmed
    }
}
