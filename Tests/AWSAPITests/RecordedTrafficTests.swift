import Foundation
import XCTest
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

/// Parsing against real STS traffic recorded by smithy-rs (`../shared/conformance/profile/smithy-rs/*/*/
/// http-traffic.json`), replayed by a scripted transport: every AssumeRole exchange in the suites is sent by
/// `STSClient` (same form parameters as recorded, retried after the recorded 503) and its reply parsed to the
/// credentials the case expects. Pure parsing: the real-peer tests are the moto ones.
final class RecordedTrafficTests: XCTestCase {
    struct Exchange {
        var uri: String
        var body: String
        var responses: [HTTPResponse]
    }

    /// The STS AssumeRole exchanges of one traffic file, requests grouped with the responses that follow them.
    static func exchanges(_ file: URL) throws -> [Exchange] {
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var result: [Exchange] = []
        var pendingURI: String?
        var pendingBody = ""
        var response: HTTPResponse?
        func flushResponse() {
            if let done = response, !result.isEmpty { result[result.count - 1].responses.append(done) }
            response = nil
        }
        for event in try XCTUnwrap(root["events"] as? [[String: Any]]) {
            let action = try XCTUnwrap(event["action"] as? [String: Any])
            if let request = (action["Request"] as? [String: Any])?["request"] as? [String: Any] {
                flushResponse()
                pendingURI = request["uri"] as? String
                pendingBody = ""
            } else if let data = action["Data"] as? [String: Any] {
                let text = (data["data"] as? [String: Any])?["Utf8"] as? String ?? ""
                if data["direction"] as? String == "Request" {
                    pendingBody += text
                } else if response != nil {
                    response!.body = SecretBytes(utf8: (response!.body.unsafeUTF8String() ?? "") + text)
                }
            } else if let reply = ((action["Response"] as? [String: Any])?["response"] as? [String: Any])?["Ok"]
                        as? [String: Any] {
                flushResponse()
                if let uri = pendingURI {
                    if pendingBody.hasPrefix("Action=AssumeRole&") {
                        if result.last.map({ $0.uri == uri && $0.body == pendingBody }) != true {
                            result.append(Exchange(uri: uri, body: pendingBody, responses: []))
                        }
                    } else {
                        pendingURI = nil
                    }
                }
                guard pendingURI != nil else { continue }
                let headers = (reply["headers"] as? [String: [String]] ?? [:])
                    .flatMap { name, values in values.map { HTTPHeader(name, $0) } }
                response = HTTPResponse(status: reply["status"] as? Int ?? 0, headers: headers, body: SecretBytes([]))
            }
        }
        flushResponse()
        return result
    }

    static func formPairs(_ body: String) -> [(String, String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(decoding: URIEncoding.decode(Substring(text.replacingOccurrences(of: "+", with: " "))),
                       as: UTF8.self)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    func testEveryRecordedAssumeRoleExchange() throws {
        let root = try TestPaths.requireConformance("profile/smithy-rs", area: "the recorded STS traffic tests")
        var checked = 0
        for group in ["profile-provider", "default-credential-provider-chain"] {
            let directory = root.appendingPathComponent(group)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
                let caseDirectory = directory.appendingPathComponent(name)
                let traffic = caseDirectory.appendingPathComponent("http-traffic.json")
                guard FileManager.default.fileExists(atPath: traffic.path) else { continue }
                let exchanges = try Self.exchanges(traffic)
                guard let last = exchanges.last else { continue }
                for exchange in exchanges {
                    let parameters = Self.formPairs(exchange.body)
                    let value = { (key: String) in parameters.first { $0.0 == key }?.1 }
                    let final = try XCTUnwrap(exchange.responses.last)
                    // Some recordings reuse a reply whose Date is after its Expiration: sign as of ten minutes
                    // before the recorded Expiration, when the credentials were valid.
                    let finalText = final.body.unsafeUTF8String() ?? ""
                    let expiration = try XCTUnwrap(finalText.components(separatedBy: "<Expiration>").last?
                        .components(separatedBy: "</Expiration>").first.flatMap(AWSDate.parseISO8601), name)
                    let serverDate = expiration.addingTimeInterval(-600)
                    let transport = ScriptedTransport(exchange.responses.map { .response($0) })
                    let base = String(exchange.uri.reversed().drop { $0 == "/" }.reversed())
                    let endpoint = ServiceEndpoint(service: "sts", url: base,
                                                   signingRegion: "us-east-1")
                    let sleeps = RecordedSleeps()
                    let client = STSClient(transport: transport, endpoint: endpoint, retry: sleeps.policy(),
                                           clock: FixedClock(now: serverDate))
                    let role = try client.assumeRole(
                        using: exampleCredentials, roleARN: try XCTUnwrap(value("RoleArn")),
                        sessionName: try XCTUnwrap(value("RoleSessionName")),
                        durationSeconds: value("DurationSeconds").flatMap(Int.init), externalID: value("ExternalId"))
                    XCTAssertEqual(transport.sent.count, exchange.responses.count, "\(name): attempts")
                    XCTAssertEqual(sleeps.delays.count, exchange.responses.count - 1, "\(name): retries")
                    let sent = try XCTUnwrap(transport.sent.last)
                    XCTAssertEqual(Self.formPairs(sent.bodyText).map { "\($0.0)=\($0.1)" },
                                   parameters.map { "\($0.0)=\($0.1)" }, "\(name): the form we send")
                    XCTAssertTrue(role.assumedRoleARN.hasPrefix("arn:aws:sts::"), "\(name): assumed-role ARN")
                    guard exchange.uri == last.uri && exchange.body == last.body else { continue }
                    let testCaseData = try Data(contentsOf: caseDirectory.appendingPathComponent("test-case.json"))
                    let testCase = try XCTUnwrap(JSONSerialization.jsonObject(with: testCaseData) as? [String: Any])
                    let expected = try XCTUnwrap((testCase["result"] as? [String: Any])?["Ok"] as? [String: Any])
                    XCTAssertEqual(role.credentials.accessKeyID, expected["access_key_id"] as? String, name)
                    XCTAssertEqual(role.credentials.secretAccessKey.unsafeUTF8String(),
                                   expected["secret_access_key"] as? String, name)
                    XCTAssertEqual(role.credentials.sessionToken.unsafeUTF8String(),
                                   expected["session_token"] as? String, name)
                    XCTAssertEqual(role.credentials.expiration.timeIntervalSince1970,
                                   Double(try XCTUnwrap(expected["expiry"] as? Int)), name)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 11, "every recorded AssumeRole case")
    }

    /// The same recorded reply read with today's clock: its Expiration (2021) is in the past, so it is refused.
    func testRecordedReplyWithExpiredCredentialsIsRefused() throws {
        let root = try TestPaths.requireConformance("profile/smithy-rs", area: "the recorded STS traffic tests")
        let exchange = try XCTUnwrap(Self.exchanges(root.appendingPathComponent(
            "profile-provider/e2e_assume_role/http-traffic.json")).first)
        let transport = ScriptedTransport(exchange.responses.map { .response($0) })
        XCTAssertNotNil(try XCTUnwrap(exchange.responses.last).header("date"))
        let client = STSClient(transport: transport,
                               endpoint: ServiceEndpoint(service: "sts", url: "https://sts.us-east-1.amazonaws.com",
                                                         signingRegion: "us-east-1"),
                               retry: RecordedSleeps().policy(), clock: SystemWallClock())
        XCTAssertThrowsError(try client.assumeRole(using: exampleCredentials, roleARN: "arn:aws:iam::1:role/r",
                                                   sessionName: "s")) { error in
            let error = error as? AWSServiceError
            XCTAssertEqual(error?.code, .credentialsExpired)
            XCTAssertFalse(error?.message.contains("TESTSESSIONTOKEN") ?? true)
            XCTAssertFalse(error?.message.contains("TESTSECRETKEY") ?? true)
        }
    }
}
