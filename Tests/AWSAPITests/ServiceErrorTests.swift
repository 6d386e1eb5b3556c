import Foundation
import XCTest
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

/// How replies become `AWSServiceError`s and when they are retried (scripted replies: pure mapping logic; the same
/// paths run against moto and a failing Python server in MotoClientTests).
final class ServiceErrorTests: XCTestCase {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let token = "IQoJb3JpZ2luX2VjEXAMPLETOKENxyz"
    static let temporary = SigningCredentials(accessKeyID: "ASIAIOSFODNN7EXAMPLE",
                                              secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey),
                                              sessionToken: SecretBytes(utf8: token))

    static func errorXML(_ code: String, _ message: String = "") -> String {
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>\(code)"
            + "</Code><Message>\(message)</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    func sts(_ replies: [ScriptedTransport.Reply], sleeps: RecordedSleeps = RecordedSleeps(),
             clock: any WallClock = FixedClock(now: now)) -> (STSClient, ScriptedTransport) {
        let transport = ScriptedTransport(replies)
        let endpoint = ServiceEndpoint(service: "sts", url: "https://sts.eu-west-1.amazonaws.com",
                                       signingRegion: "eu-west-1")
        return (STSClient(transport: transport, endpoint: endpoint, retry: sleeps.policy(), clock: clock), transport)
    }

    func error(_ body: () throws -> Void) -> AWSServiceError? {
        do {
            try body()
        } catch let error as AWSServiceError {
            // The message itself is not printed: it is what must not hold a secret.
            XCTAssertFalse(error.message.contains(Self.token), "a session token in the \(error.code) message")
            XCTAssertFalse(error.message.contains(ExampleKeys.secretAccessKey),
                           "the secret in the \(error.code) message")
            return error
        } catch {
            XCTFail("not an AWSServiceError: \(error)")
        }
        return nil
    }

    func testXMLErrorCodesMapToStableCodes() {
        let cases: [(String, AWSServiceError.Code)] = [
            ("AccessDenied", .accessDenied), ("ExpiredToken", .expiredToken),
            ("InvalidClientTokenId", .invalidClientTokenID), ("SignatureDoesNotMatch", .signatureDoesNotMatch),
            ("RegionDisabledException", .regionDisabled), ("NoSuchEntity", .noSuchEntity),
            ("LimitExceeded", .limitExceeded), ("ValidationError", .invalidRequest),
            ("InvalidAuthenticationCode", .invalidRequest), ("SomethingNew", .serviceError),
        ]
        for (code, expected) in cases {
            let (client, transport) = sts([ScriptedTransport.xml(403, Self.errorXML(code, "User: arn:x is not"))])
            let failure = error { _ = try client.getCallerIdentity(using: Self.temporary) }
            XCTAssertEqual(failure?.code, expected, code)
            XCTAssertEqual(failure?.serviceCode, code)
            XCTAssertEqual(failure?.requestID, "req-1")
            XCTAssertEqual(transport.sent.count, 1, "\(code) is not retried")
            XCTAssertTrue(failure?.message.hasPrefix("STS GetCallerIdentity at sts.eu-west-1.amazonaws.com failed")
                          ?? false, failure?.message ?? "")
        }
        let denied = Self.errorXML("AccessDenied", "User: arn:aws:iam::1:user/u is not authorized")
        let (client, _) = sts([ScriptedTransport.xml(403, denied)])
        XCTAssertTrue(error { _ = try client.getCallerIdentity(using: Self.temporary) }?.message
            .contains("is not authorized") ?? false, "AccessDenied quotes who was denied")
    }

    func testSecretsEchoedByTheServiceNeverReachTheMessage() {
        // AWS's SignatureDoesNotMatch explanation echoes the canonical request, session token included.
        let echo = "The Canonical String for this request should have been 'x-amz-security-token:\(Self.token)'"
        for code in ["SignatureDoesNotMatch", "AccessDenied", "ValidationError"] {
            let body = Self.errorXML(code, echo + " " + ExampleKeys.secretAccessKey)
            let (client, _) = sts([ScriptedTransport.xml(403, body)])
            XCTAssertNotNil(error { _ = try client.getCallerIdentity(using: Self.temporary) })
        }
    }

    func testClockSkewIsReportedFromTheDateHeader() {
        for (offset, code) in [(-3600.0, "SignatureDoesNotMatch"), (1200, "InvalidSignatureException"),
                               (900, "ExpiredToken"), (120, "RequestExpired")] {
            let serverDate = Self.now.addingTimeInterval(-offset)
            let (client, _) = sts([ScriptedTransport.xml(403, Self.errorXML(code, "Signature expired"),
                                                         headers: [HTTPHeader("Date", Self.httpDate(serverDate))])])
            let failure = error { _ = try client.getCallerIdentity(using: Self.temporary) }
            XCTAssertEqual(failure?.code, .clockSkew, code)
            XCTAssertEqual(failure?.clockOffset, Int(offset), code)
            XCTAssertTrue(failure?.message.contains("your clock is \(Int(abs(offset))) s off") ?? false,
                          failure?.message ?? "")
        }
        // A small difference is not blamed on the clock.
        let nearly = HTTPHeader("Date", Self.httpDate(Self.now.addingTimeInterval(-5)))
        let (client, _) = sts([ScriptedTransport.xml(403, Self.errorXML("SignatureDoesNotMatch"), headers: [nearly])])
        XCTAssertEqual(error { _ = try client.getCallerIdentity(using: Self.temporary) }?.code, .signatureDoesNotMatch)
    }

    func testRedirectIsAnErrorNamingTheTarget() {
        let reply = HTTPResponse(status: 307, headers: [HTTPHeader("Location", "https://evil.example:8443/x?sig=abc")],
                                 body: SecretBytes([]))
        let (client, transport) = sts([.response(reply)])
        let failure = error { _ = try client.getCallerIdentity(using: Self.temporary) }
        XCTAssertEqual(failure?.code, .redirected)
        XCTAssertTrue(failure?.message.contains("evil.example:8443") ?? false, failure?.message ?? "")
        XCTAssertFalse(failure?.message.contains("sig=abc") ?? true)
        XCTAssertEqual(transport.sent.count, 1)
    }

    func testGarbageHugeAndTruncatedRepliesAreMalformed() {
        let replies: [ScriptedTransport.Reply] = [
            ScriptedTransport.xml(200, "garbage"),
            ScriptedTransport.xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>x</Arn>"),
            ScriptedTransport.xml(200, "<Other/>"),
            ScriptedTransport.xml(200,
                                  "<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>"),
            ScriptedTransport.xml(200, "<!DOCTYPE x [<!ENTITY a \"b\">]><GetCallerIdentityResponse/>"),
            ScriptedTransport.xml(400, "not xml at all"),
            .failure(HTTPClientError(.responseTooLarge, url: "https://sts.eu-west-1.amazonaws.com/", "too large")),
        ]
        for reply in replies {
            let (client, _) = sts([reply])
            XCTAssertEqual(error { _ = try client.getCallerIdentity(using: Self.temporary) }?.code, .malformedResponse)
        }
    }

    func testExpirationInThePastOrUnparseableIsRefused() {
        func reply(_ expiration: String) -> ScriptedTransport.Reply {
            ScriptedTransport.xml(200, """
                <GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>
                <SecretAccessKey>\(ExampleKeys.secretAccessKey)</SecretAccessKey>
                <SessionToken>\(Self.token)</SessionToken>
                <Expiration>\(expiration)</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>
                """)
        }
        let past = AWSDate.iso8601(Self.now.addingTimeInterval(-1))
        let (expired, _) = sts([reply(past)])
        XCTAssertEqual(error { _ = try expired.getSessionToken(using: exampleCredentials) }?.code, .credentialsExpired)
        for bad in ["tomorrow", "2030-13-01T00:00:00Z", "2030-01-01 00:00:00", ""] {
            let (client, _) = sts([reply(bad)])
            XCTAssertEqual(error { _ = try client.getSessionToken(using: exampleCredentials) }?.code,
                           .malformedResponse, bad)
        }
        let future = AWSDate.iso8601(Self.now.addingTimeInterval(3600))
        let (good, _) = sts([reply(future)])
        let credentials = try? good.getSessionToken(using: exampleCredentials)
        XCTAssertEqual(credentials?.sessionToken.unsafeUTF8String(), Self.token)
        XCTAssertEqual(credentials?.expiration, Self.now.addingTimeInterval(3600))
    }

    func testTransportErrorsCarryTheHTTPClientCode() {
        for code in [HTTPClientError.Code.certificateUntrusted, .hostNotFound, .hostNameMismatch, .proxyFailed] {
            let (client, transport) = sts([.failure(HTTPClientError(code, url: "https://sts.eu-west-1.amazonaws.com/",
                                                                   "boom"))])
            let failure = error { _ = try client.getCallerIdentity(using: Self.temporary) }
            XCTAssertEqual(failure?.code, .transport)
            XCTAssertEqual(failure?.transportCode, code)
            XCTAssertEqual(transport.sent.count, 1, "\(code) is not retried")
        }
    }

    func testThrottlingAnd5xxAreRetriedWithBackoffAndFreshSignatures() throws {
        final class TickingClock: WallClock, @unchecked Sendable {
            var tick = 0.0
            var now: Date { tick += 1; return ServiceErrorTests.now.addingTimeInterval(tick) }
        }
        let ok = ScriptedTransport.xml(200, """
            <GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn>
            <UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>
            """)
        let sleeps = RecordedSleeps()
        let (client, transport) = sts([ScriptedTransport.xml(400, Self.errorXML("Throttling")),
                                       ScriptedTransport.xml(503, ""), ok], sleeps: sleeps, clock: TickingClock())
        XCTAssertEqual(try client.getCallerIdentity(using: Self.temporary).account, "123456789012")
        XCTAssertEqual(transport.sent.count, 3)
        XCTAssertEqual(sleeps.delays, [0.5, 1.0])
        XCTAssertEqual(Set(transport.sent.compactMap { $0.header("X-Amz-Date") }).count, 3, "each attempt re-signed")

        let exhausted = RecordedSleeps()
        let (busy, busyTransport) = sts([ScriptedTransport.xml(400, Self.errorXML("Throttling")),
                                         ScriptedTransport.xml(400, Self.errorXML("ThrottlingException")),
                                         ScriptedTransport.xml(429, "")], sleeps: exhausted)
        XCTAssertEqual(error { _ = try busy.getCallerIdentity(using: Self.temporary) }?.code, .throttled)
        XCTAssertEqual(busyTransport.sent.count, 3)
        XCTAssertEqual(exhausted.delays.count, 2)

        let (down, downTransport) = sts([ScriptedTransport.xml(500, Self.errorXML("InternalError")),
                                         .failure(HTTPClientError(.timedOut, url: "https://x/", "timed out")),
                                         ScriptedTransport.xml(502, "")])
        XCTAssertEqual(error { _ = try down.getCallerIdentity(using: Self.temporary) }?.code, .serviceUnavailable)
        XCTAssertEqual(downTransport.sent.count, 3)
    }

    func testKMSJSONErrors() {
        let cases: [(String, [HTTPHeader], AWSServiceError.Code)] = [
            ("{\"__type\":\"AccessDeniedException\",\"message\":\"denied\"}", [], .accessDenied),
            ("{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"x\"}", [], .keyNotFound),
            ("{\"__type\":\"DisabledException\"}", [], .keyUnusable),
            ("{\"__type\":\"InvalidCiphertextException\"}", [], .decryptionFailed),
            ("{}", [HTTPHeader("X-Amzn-ErrorType", "UnrecognizedClientException:http://internal")],
             .invalidClientTokenID),
            ("{\"__type\":\"ThrottlingException\"}", [], .throttled),
        ]
        for (body, headers, code) in cases {
            let transport = ScriptedTransport(Array(repeating: ScriptedTransport.json(400, body, headers: headers),
                                                    count: 3))
            let client = KMSClient(transport: transport,
                                   endpoint: ServiceEndpoint(service: "kms", url: "https://kms.eu-west-1.amazonaws.com",
                                                             signingRegion: "eu-west-1"),
                                   retry: RecordedSleeps().policy(), clock: FixedClock(now: Self.now))
            let failure = error { _ = try client.decrypt(using: exampleCredentials, ciphertext: [1, 2, 3],
                                                         context: ["a": "b"]) }
            XCTAssertEqual(failure?.code, code, body)
            if code == .accessDenied {
                XCTAssertTrue(failure?.message.contains("access to the KMS key was denied") ?? false)
            }
        }
    }

    func testKMSRequestShape() throws {
        let reply = ScriptedTransport.json(200, "{\"CiphertextBlob\":\"AQID\",\"KeyId\":\"k\"}")
        let transport = ScriptedTransport([reply])
        let client = KMSClient(transport: transport,
                               endpoint: ServiceEndpoint(service: "kms", url: "https://kms.eu-west-1.amazonaws.com",
                                                         signingRegion: "eu-west-1"),
                               retry: RecordedSleeps().policy(), clock: FixedClock(now: Self.now))
        let blob = try client.encrypt(using: exampleCredentials, keyID: "alias/k", plaintext: SecretBytes([0, 1, 0xff]),
                                      context: ["store": "a\"b", "slot": "1"])
        XCTAssertEqual(blob, [1, 2, 3])
        let sent = try XCTUnwrap(transport.sent.first)
        XCTAssertEqual(sent.header("X-Amz-Target"), "TrentService.Encrypt")
        XCTAssertEqual(sent.header("Content-Type"), "application/x-amz-json-1.1")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sent.bodyText.utf8)) as? [String: Any])
        XCTAssertEqual(json["Plaintext"] as? String, "AAH/")
        XCTAssertEqual(json["EncryptionContext"] as? [String: String], ["store": "a\"b", "slot": "1"])
        XCTAssertTrue(sent.header("Authorization")?.contains("/eu-west-1/kms/aws4_request") ?? false)
    }
}
