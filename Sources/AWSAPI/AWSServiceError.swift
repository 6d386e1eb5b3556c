import FoundationEssentials
import HTTPClient

/// The one error type of AWSAPI: why a call to an AWS service (STS, IAM, KMS) failed, with a stable code.
///
/// Messages say what happened, name the service, the action and the host, and quote the service's own explanation
/// only where it helps and cannot carry a secret (a `SignatureDoesNotMatch` explanation echoes the canonical request,
/// session token included, so it is never quoted). They never contain a secret access key or a session token, and give
/// no advice about a particular program's options: a caller maps `code` to its own advice.
public struct AWSServiceError: Error, CustomStringConvertible, Sendable {
    /// A stable classification; the raw value is the stable name (e.g. `access-denied`).
    public enum Code: String, Sendable, CaseIterable {
        /// The credentials are valid but not allowed to do this (`AccessDenied`, `AccessDeniedException`).
        case accessDenied = "access-denied"
        /// The session token has expired (`ExpiredToken`, `ExpiredTokenException`).
        case expiredToken = "expired-token"
        /// The service does not know the access key id or the session token (`InvalidClientTokenId`,
        /// `UnrecognizedClientException`).
        case invalidClientTokenID = "invalid-client-token-id"
        /// The signature does not match: a wrong secret access key (`SignatureDoesNotMatch`,
        /// `InvalidSignatureException`, `IncompleteSignature`).
        case signatureDoesNotMatch = "signature-does-not-match"
        /// STS is not activated in this region for the account (`RegionDisabledException`).
        case regionDisabled = "region-disabled"
        /// The service refused the request's date: this machine's clock is off by the number of seconds the message
        /// states.
        case clockSkew = "clock-skew"
        /// The service asked to slow down, after every retry allowed (`Throttling`, `ThrottlingException`, …).
        case throttled = "throttled"
        /// The service failed or was unavailable (a 5xx), after every retry allowed.
        case serviceUnavailable = "service-unavailable"
        /// The response is not what the service sends: garbage, truncated, too deep, fields missing.
        case malformedResponse = "malformed-response"
        /// The temporary credentials returned have already expired (or expire at once).
        case credentialsExpired = "credentials-expired"
        /// The endpoint URL, region or retry setting is not usable.
        case endpointInvalid = "endpoint-invalid"
        /// The endpoint answered with a redirect; signed requests are never sent on to another host.
        case redirected = "redirected"
        /// The IAM entity (user, access key) does not exist (`NoSuchEntity`).
        case noSuchEntity = "no-such-entity"
        /// An IAM or service limit was reached, e.g. two access keys already (`LimitExceeded`).
        case limitExceeded = "limit-exceeded"
        /// The request was refused as invalid (`ValidationError`, `InvalidParameterValue`, `MalformedPolicyDocument`,
        /// `PackedPolicyTooLarge`, a bad MFA code, …).
        case invalidRequest = "invalid-request"
        /// The KMS key does not exist (`NotFoundException`).
        case keyNotFound = "key-not-found"
        /// The KMS key is disabled or pending deletion (`DisabledException`, `KMSInvalidStateException`).
        case keyUnusable = "key-unusable"
        /// KMS could not decrypt: the ciphertext or the encryption context is not the one it was made with
        /// (`InvalidCiphertextException`, `IncorrectKeyException`).
        case decryptionFailed = "decryption-failed"
        /// Another error the service reported; the message names its code.
        case serviceError = "service-error"
        /// The request did not get a response: `transportCode` says why (HTTPClient's code).
        case transport = "transport"
    }

    /// The classification of this error.
    public let code: Code
    /// What happened. Never contains a secret.
    public let message: String
    /// The service's own error code (`AccessDenied`, …), when the service sent one.
    public let serviceCode: String?
    /// HTTPClient's code when `code` is `.transport`.
    public let transportCode: HTTPClientError.Code?
    /// The HTTP status, when a response arrived.
    public let status: Int?
    /// The service's request id, for a support case.
    public let requestID: String?
    /// For `.clockSkew`: how many seconds this machine's clock is ahead of the service's (negative: behind).
    public let clockOffset: Int?

    /// Creates an error.
    package init(_ code: Code, _ message: String, serviceCode: String? = nil,
                 transportCode: HTTPClientError.Code? = nil, status: Int? = nil, requestID: String? = nil,
                 clockOffset: Int? = nil) {
        self.code = code
        self.message = message
        self.serviceCode = serviceCode
        self.transportCode = transportCode
        self.status = status
        self.requestID = requestID
        self.clockOffset = clockOffset
    }

    /// The message. Never contains a secret.
    public var description: String { message }

    /// Whether the standard retry mode sends the request again after this error.
    package var isRetryable: Bool {
        switch code {
        case .throttled, .serviceUnavailable: return true
        case .transport:
            return transportCode == .connectionFailed || transportCode == .timedOut || transportCode == .protocolError
        default: return false
        }
    }
}

/// Turns an error response (XML from STS and IAM, JSON from KMS) into an `AWSServiceError`.
enum ServiceErrorMapping {
    /// The service error codes SDKs' standard retry mode treats as throttling.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "EC2ThrottledException",
    ]
    /// The service error codes the standard retry mode treats as transient.
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "ServiceUnavailable", "IDPCommunicationError", "KMSInternalException", "DependencyTimeoutException",
    ]
    /// Errors whose cause may be this machine's clock: checked against the response's `Date`.
    static let clockSensitiveCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidSignatureException", "RequestExpired", "ExpiredToken",
        "ExpiredTokenException", "RequestTimeTooSkewed", "InvalidClientTokenId", "AuthFailure",
    ]

    /// Maps a parsed error.
    ///
    /// - Parameters:
    ///   - serviceCode: The service's code (`AccessDenied`), or nil when the body had none.
    ///   - serviceMessage: The service's explanation (already free of secrets, see `scrub`), or nil.
    ///   - context: What was called ("STS AssumeRole at sts.amazonaws.com").
    ///   - clockOffset: Our clock minus the response's `Date`, in seconds, when known.
    static func map(serviceCode: String?, serviceMessage: String?, status: Int, context: String,
                    requestID: String?, clockOffset: Int?) -> AWSServiceError {
        let named = serviceCode ?? "HTTP \(status)"
        let detail = serviceMessage.map { $0.isEmpty ? "" : ": \($0)" } ?? ""
        func error(_ code: AWSServiceError.Code, _ text: String, offset: Int? = nil) -> AWSServiceError {
            AWSServiceError(code, "\(context) failed: \(text)", serviceCode: serviceCode, status: status,
                            requestID: requestID, clockOffset: offset)
        }
        if let serviceCode, clockSensitiveCodes.contains(serviceCode), let clockOffset {
            let limit = serviceCode == "RequestExpired" || serviceCode == "RequestTimeTooSkewed" ? 60 : 300
            if abs(clockOffset) > limit {
                let direction = clockOffset > 0 ? "ahead of" : "behind"
                return error(.clockSkew, "the service refused the request's date (\(serviceCode)); your clock is "
                             + "\(abs(clockOffset)) s off (\(direction) the service's clock)", offset: clockOffset)
            }
        }
        switch serviceCode {
        case "AccessDeniedException" where context.hasPrefix("KMS"):
            return error(.accessDenied, "access to the KMS key was denied (\(named))\(detail)")
        case "AccessDenied", "AccessDeniedException":
            return error(.accessDenied, "access denied (\(named))\(detail)")
        case "ExpiredToken", "ExpiredTokenException":
            return error(.expiredToken, "the session token has expired (\(named))")
        case "InvalidClientTokenId", "UnrecognizedClientException":
            return error(.invalidClientTokenID, "the service does not recognise the access key id or session token "
                         + "(\(named))")
        case "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature":
            return error(.signatureDoesNotMatch, "the request signature does not match (\(named)): the secret access "
                         + "key does not belong to the access key id")
        case "RegionDisabledException":
            return error(.regionDisabled, "STS is not activated for this account in the endpoint's region "
                         + "(\(named))\(detail)")
        case "RequestExpired", "RequestTimeTooSkewed":
            return error(.clockSkew, "the service refused the request's date (\(named))")
        case "NoSuchEntity", "NoSuchEntityException":
            return error(.noSuchEntity, "no such entity (\(named))\(detail)")
        case "LimitExceeded":
            return error(.limitExceeded, "a limit was reached (\(named))\(detail)")
        case "NotFoundException":
            return error(.keyNotFound, "the KMS key was not found (\(named))\(detail)")
        case "DisabledException", "KMSInvalidStateException", "KeyUnavailableException":
            return error(.keyUnusable, "the KMS key cannot be used (\(named))\(detail)")
        case "InvalidCiphertextException", "IncorrectKeyException":
            return error(.decryptionFailed, "KMS could not decrypt: the ciphertext or the encryption context does "
                         + "not match (\(named))")
        case "ValidationError", "ValidationException", "InvalidParameterValue", "InvalidParameterCombination",
             "MissingParameter", "InvalidAction", "MalformedPolicyDocument", "PackedPolicyTooLarge",
             "InvalidInput", "InvalidKeyUsageException", "InvalidAuthenticationCode", "InvalidIdentityToken":
            return error(.invalidRequest, "the request was refused as invalid (\(named))\(detail)")
        default:
            break
        }
        if let serviceCode, throttlingCodes.contains(serviceCode) || status == 429 {
            return error(.throttled, "the service is throttling requests (\(named))")
        }
        if let serviceCode, transientCodes.contains(serviceCode) {
            return error(.serviceUnavailable, "the service failed (\(named), HTTP \(status))")
        }
        if status == 429 { return error(.throttled, "the service is throttling requests (HTTP 429)") }
        if status >= 500 { return error(.serviceUnavailable, "the service failed (\(named), HTTP \(status))") }
        return error(.serviceError, "the service reported an error (\(named), HTTP \(status))\(detail)")
    }

    /// The service's explanation made safe to show: only for codes whose explanation names principals and actions,
    /// without control characters, with every occurrence of `secrets` removed, at most 400 characters.
    static func scrub(_ message: String?, code: String?, secrets: [String]) -> String? {
        guard let message, let code else { return nil }
        let quoted: Set<String> = [
            "AccessDenied", "AccessDeniedException", "RegionDisabledException", "NoSuchEntity", "LimitExceeded",
            "NotFoundException", "DisabledException", "KMSInvalidStateException", "ValidationError",
            "ValidationException", "InvalidParameterValue", "MissingParameter", "InvalidInput",
            "MalformedPolicyDocument", "InvalidParameterCombination", "InvalidKeyUsageException",
        ]
        guard quoted.contains(code) else { return nil }
        var text = String(message.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        for secret in secrets where secret.count >= 4 {
            text = text.replacing(secret, with: "<redacted>")
        }
        if text.count > 400 { text = String(text.prefix(400)) + "…" }
        return text
    }
}
