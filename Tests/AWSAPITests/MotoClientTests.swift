import Foundation
import XCTest
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

/// The clients over the real transport (`CurlTransport`, the system libcurl) against the real moto server on
/// 127.0.0.1 with signature checking on, and against a local endpoint that fails the way AWS endpoints fail.
final class MotoClientTests: XCTestCase {
    static let setUp = """
        user = create_user("alice")
        create_role("admin", user["Arn"])
        create_kms_key("slot")
        """

    var moto: MotoServer!
    var alice: SigningCredentials!

    override func setUpWithError() throws {
        moto = try MotoServer(setUp: Self.setUp)
        let user = try moto.resources.user("alice")
        alice = SigningCredentials(accessKeyID: user.accessKeyID,
                                   secretAccessKey: SecretBytes(utf8: user.secretAccessKey))
    }

    override func tearDown() {
        moto?.stop()
        moto = nil
    }

    func endpoint(_ service: String) throws -> ServiceEndpoint {
        // As a user configures it: AWS_ENDPOINT_URL_<SERVICE> through the resolver.
        try ServiceEndpoint.resolve(service: service, region: "us-east-1",
                                    environment: ["AWS_ENDPOINT_URL_\(service.uppercased())": moto.endpoint],
                                    profileSettings: [:])
    }

    var sts: STSClient { STSClient(transport: CurlTransport(), endpoint: try! endpoint("sts")) }

    func code(_ body: () throws -> Void) -> AWSServiceError.Code? {
        do {
            try body()
            return nil
        } catch let error as AWSServiceError {
            XCTAssertFalse(error.message.contains(ExampleKeys.secretAccessKey), "a secret in the message")
            return error.code
        } catch {
            XCTFail("not an AWSServiceError: \(type(of: error))")
            return nil
        }
    }

    func testGetCallerIdentityAndAuthenticationFailures() throws {
        let identity = try sts.getCallerIdentity(using: alice)
        XCTAssertEqual(identity.arn, try moto.resources.user("alice").arn)
        XCTAssertEqual(identity.account, MotoServer.accountID)
        var wrongSecret = alice!
        wrongSecret.secretAccessKey = SecretBytes(utf8: ExampleKeys.secretAccessKey)
        XCTAssertEqual(code { _ = try sts.getCallerIdentity(using: wrongSecret) }, .signatureDoesNotMatch)
        XCTAssertEqual(code { _ = try sts.getCallerIdentity(using: exampleCredentials) }, .invalidClientTokenID)
    }

    func testAssumeRoleCredentialsWork() throws {
        let roleARN = try moto.resources.roleARN("admin")
        let role = try sts.assumeRole(using: alice, roleARN: roleARN, sessionName: "credstore-test",
                                      durationSeconds: 900, externalID: "ext id/+=")
        XCTAssertEqual(role.assumedRoleARN, "arn:aws:sts::\(MotoServer.accountID):assumed-role/admin/credstore-test")
        XCTAssertTrue(role.credentials.accessKeyID.hasPrefix("ASIA"))
        XCTAssertGreaterThan(role.credentials.expiration, Date())
        let identity = try sts.getCallerIdentity(using: role.credentials.signing)
        XCTAssertEqual(identity.arn, role.assumedRoleARN)
        // The session token is checked: without it the temporary key is refused.
        var tokenless = role.credentials.signing
        tokenless.sessionToken = nil
        XCTAssertNotNil(code { _ = try sts.getCallerIdentity(using: tokenless) })
        // Session tokens and MFA parameters go through (moto never checks MFA codes).
        let session = try sts.getSessionToken(using: alice, durationSeconds: 900,
                                              serialNumber: "arn:aws:iam::123456789012:mfa/alice", tokenCode: "123456")
        XCTAssertGreaterThan(session.expiration, Date())
        XCTAssertFalse(session.sessionToken.isEmpty)
    }

    func testIAMAccessKeyLifecycle() throws {
        let iam = IAMClient(transport: CurlTransport(), endpoint: try endpoint("iam"))
        let original = try iam.listAccessKeys(using: alice, userName: "alice")
        XCTAssertEqual(original.map(\.accessKeyID), [alice.accessKeyID])
        XCTAssertEqual(original.first?.status, .active)
        let created = try iam.createAccessKey(using: alice, userName: "alice")
        XCTAssertEqual(created.secretAccessKey.count, 40)
        XCTAssertLessThan(abs(created.createDate.timeIntervalSinceNow), 300)
        let newKey = SigningCredentials(accessKeyID: created.accessKeyID, secretAccessKey: created.secretAccessKey)
        XCTAssertEqual(try sts.getCallerIdentity(using: newKey).arn, try moto.resources.user("alice").arn)
        XCTAssertEqual(Set(try iam.listAccessKeys(using: newKey).map(\.accessKeyID)),
                       [alice.accessKeyID, created.accessKeyID])
        try iam.updateAccessKey(using: newKey, accessKeyID: alice.accessKeyID, status: .inactive, userName: "alice")
        XCTAssertEqual(try iam.listAccessKeys(using: newKey, userName: "alice")
            .first { $0.accessKeyID == alice.accessKeyID }?.status, .inactive)
        try iam.deleteAccessKey(using: newKey, accessKeyID: alice.accessKeyID, userName: "alice")
        XCTAssertEqual(try iam.listAccessKeys(using: newKey, userName: "alice").map(\.accessKeyID),
                       [created.accessKeyID])
        XCTAssertEqual(code { _ = try sts.getCallerIdentity(using: alice) }, .invalidClientTokenID,
                       "the deleted key is refused")
        XCTAssertEqual(code { try iam.deleteAccessKey(using: newKey, accessKeyID: "AKIANOSUCHKEYEXAMPLE",
                                                      userName: "alice") }, .noSuchEntity)
    }

    func testKMSWithEncryptionContext() throws {
        let kms = KMSClient(transport: CurlTransport(), endpoint: try endpoint("kms"))
        let keyID = try moto.resources.kmsKeyID("slot")
        let context = ["credstore-store": "0123abcd", "credstore-slot": "2"]
        let secret = SecretBytes((0..<32).map { UInt8($0 * 7 & 0xff) })
        let blob = try kms.encrypt(using: alice, keyID: keyID, plaintext: secret, context: context)
        XCTAssertFalse(blob.isEmpty)
        XCTAssertEqual(try kms.decrypt(using: alice, ciphertext: blob, context: context), secret)
        XCTAssertNotNil(code { _ = try kms.decrypt(using: alice, ciphertext: blob,
                                                   context: ["credstore-store": "other", "credstore-slot": "2"]) },
                        "a wrong encryption context is refused")
        XCTAssertNotNil(code { _ = try kms.decrypt(using: alice, ciphertext: blob, context: [:]) })
        let dataKey = try kms.generateDataKey(using: alice, keyID: keyID, context: context, byteCount: 32)
        XCTAssertEqual(dataKey.plaintext.count, 32)
        XCTAssertEqual(try kms.decrypt(using: alice, ciphertext: dataKey.ciphertext, context: context, keyID: keyID),
                       dataKey.plaintext)
        XCTAssertEqual(code { _ = try kms.encrypt(using: alice, keyID: "alias/no-such-key", plaintext: secret,
                                                  context: context) }, .keyNotFound)
        XCTAssertEqual(code { _ = try kms.encrypt(using: exampleCredentials, keyID: keyID, plaintext: secret,
                                                  context: context) }, .invalidClientTokenID)
    }
}

/// STS over TLS: moto behind a certificate from a throwaway CA, trusted only through the CA bundle setting.
final class MotoTLSTests: XCTestCase {
    func testTheCABundleIsTheTrustAndOtherwiseTheCertificateIsRefused() throws {
        let authority = try LocalCA()
        let moto = try MotoServer(tls: authority, setUp: "create_user(\"alice\")")
        defer { moto.stop() }
        let user = try moto.resources.user("alice")
        let alice = SigningCredentials(accessKeyID: user.accessKeyID,
                                       secretAccessKey: SecretBytes(utf8: user.secretAccessKey))
        let endpoint = try ServiceEndpoint.resolve(service: "sts", region: "us-east-1",
                                                   environment: ["AWS_ENDPOINT_URL": moto.endpoint],
                                                   profileSettings: [:])
        let trusted = STSClient(transport: CurlTransport(), endpoint: endpoint,
                                settings: HTTPSettings(caBundle: authority.caCertificate))
        XCTAssertEqual(try trusted.getCallerIdentity(using: alice).arn, user.arn)
        for bundle in [nil, authority.otherCACertificate] {
            let untrusted = STSClient(transport: CurlTransport(), endpoint: endpoint,
                                      settings: HTTPSettings(caBundle: bundle), retry: RecordedSleeps().policy())
            do {
                _ = try untrusted.getCallerIdentity(using: alice)
                XCTFail("a certificate from an untrusted CA was accepted (bundle \(bundle ?? "none"))")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, .transport)
                XCTAssertEqual(error.transportCode, .certificateUntrusted, error.message)
            }
        }
    }
}

/// The failure paths over the real transport against `Scripts/aws-failure-server.py`.
final class FailingEndpointTests: XCTestCase {
    func client(_ server: AWSFailureServer, _ mode: String, sleeps: RecordedSleeps) -> STSClient {
        STSClient(transport: CurlTransport(),
                  endpoint: ServiceEndpoint(service: "sts", url: "\(server.endpoint)/\(mode)",
                                            signingRegion: "us-east-1"),
                  settings: HTTPSettings(totalTimeout: 10), retry: sleeps.policy(), clock: SystemWallClock())
    }

    func failure(_ body: () throws -> Void) -> AWSServiceError? {
        do {
            try body()
        } catch let error as AWSServiceError {
            return error
        } catch {
            XCTFail("not an AWSServiceError: \(type(of: error))")
        }
        return nil
    }

    func testThrottlingAnd5xxAreRetriedThenReported() throws {
        let server = try AWSFailureServer()
        for (mode, code) in [("throttle", AWSServiceError.Code.throttled), ("unavailable", .serviceUnavailable)] {
            let sleeps = RecordedSleeps()
            let error = failure {
                _ = try client(server, mode, sleeps: sleeps).getCallerIdentity(using: exampleCredentials)
            }
            XCTAssertEqual(error?.code, code, mode)
            XCTAssertEqual(server.dates(mode).count, 3, "\(mode): three attempts in all")
            XCTAssertEqual(sleeps.delays.count, 2, mode)
        }
        let sleeps = RecordedSleeps()
        let identity = try client(server, "flaky", sleeps: sleeps).getCallerIdentity(using: exampleCredentials)
        XCTAssertEqual(identity.userID, "AIDAFLAKY")
        XCTAssertEqual(server.dates("flaky").count, 3)
        let kms = KMSClient(transport: CurlTransport(),
                            endpoint: ServiceEndpoint(service: "kms", url: "\(server.endpoint)/kms-throttle",
                                                      signingRegion: "us-east-1"),
                            retry: RecordedSleeps().policy(maxAttempts: 2))
        XCTAssertEqual(failure { _ = try kms.decrypt(using: exampleCredentials, ciphertext: [1], context: [:]) }?.code,
                       .throttled)
        XCTAssertEqual(server.dates("kms-throttle").count, 2, "AWS_MAX_ATTEMPTS-style limit of 2")
    }

    func testHostileRepliesGiveClearErrors() throws {
        let server = try AWSFailureServer()
        let cases: [(String, AWSServiceError.Code)] = [
            ("redirect", .redirected), ("garbage", .malformedResponse), ("truncated", .malformedResponse),
            ("doctype", .malformedResponse), ("skew", .clockSkew),
        ]
        for (mode, code) in cases {
            let error = failure {
                _ = try client(server, mode, sleeps: RecordedSleeps()).getCallerIdentity(using: exampleCredentials)
            }
            XCTAssertEqual(error?.code, code, "\(mode): \(error?.message ?? "no error")")
            if mode == "redirect" {
                XCTAssertTrue(error?.message.contains("elsewhere.example:8443") ?? false)
                XCTAssertEqual(server.dates(mode).count, 1, "a redirect is not followed")
            }
            if mode == "skew" {
                // The HTTP date has whole seconds: 3600 ± 1.
                XCTAssertTrue((3599...3601).contains(error?.clockOffset ?? 0), error?.message ?? "")
                XCTAssertTrue(error?.message.contains("your clock is 36") ?? false, error?.message ?? "")
            }
        }
        // A huge body is refused whole; a slow drip ends at the time limit, on every attempt.
        XCTAssertEqual(failure { _ = try client(server, "huge", sleeps: RecordedSleeps())
                           .getCallerIdentity(using: exampleCredentials) }?.code, .malformedResponse)
        let sleeps = RecordedSleeps()
        let drip = STSClient(transport: CurlTransport(),
                             endpoint: ServiceEndpoint(service: "sts", url: "\(server.endpoint)/drip",
                                                       signingRegion: "us-east-1"),
                             settings: HTTPSettings(totalTimeout: 1), retry: sleeps.policy(), clock: SystemWallClock())
        let started = Date()
        let timedOut = failure { _ = try drip.getCallerIdentity(using: exampleCredentials) }
        XCTAssertEqual(timedOut?.code, .transport)
        XCTAssertEqual(timedOut?.transportCode, .timedOut)
        XCTAssertEqual(server.dates("drip").count, 3, "a time-out is retried")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8, "each attempt ends at the 1 s limit")
        let refused = failure {
            _ = try STSClient(transport: CurlTransport(),
                              endpoint: ServiceEndpoint(service: "sts", url: "http://127.0.0.1:1",
                                                        signingRegion: "us-east-1"),
                              retry: RecordedSleeps().policy())
                .getCallerIdentity(using: exampleCredentials)
        }
        XCTAssertEqual(refused?.code, .transport)
        XCTAssertEqual(refused?.transportCode, .connectionFailed)
    }
}
