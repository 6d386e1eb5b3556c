import Foundation
import XCTest
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

/// Differential test: 240 random STS, IAM and KMS requests (actions, parameters with unicode and reserved
/// characters, regions, endpoints, session tokens, dates) signed by our signer and by botocore's own `SigV4Auth`
/// must carry the same `Authorization` header; the query protocol's form body must be the bytes botocore's own
/// serializer writes for the same operation and parameters, and decode (urllib) to the same pairs.
/// The example secret reaches Python on stdin; nothing secret is printed.
final class BotocoreDifferentialTests: XCTestCase {
    /// SplitMix64: a seeded generator, so a failure is reproducible from the seed in its message.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet: [String] = Array("abcXYZ019-._~") .map(String.init)
        + [" ", "&", "=", "+", "/", "?", "%", "#", "*", "'", "!", "(", ")", ":", "@", ",", ";", "$", "\"", "<",
           ">", "é", "ß", "ሴ", "日本", "😀", "\u{7f}", "\t"]
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "eu-central-1", "us-gov-west-1", "cn-north-1",
                          "me-south-1", "af-south-1"]

    func randomText(_ generator: inout SeededGenerator, maxLength: Int = 24) -> String {
        (0..<Int.random(in: 0...maxLength, using: &generator))
            .map { _ in Self.alphabet.randomElement(using: &generator)! }.joined()
    }

    func testSignaturesMatchBotocoreSigV4Auth() throws {
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error("the botocore differential SigV4 test", needs: "python3 (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        let probe = try ProcessRunner.run(python, ["-c", "import botocore.auth"],
                                          environment: ProcessInfo.processInfo.environment)
        guard probe.status == 0 else {
            throw MissingPeer.error("the botocore differential SigV4 test",
                                    needs: "botocore (python3 cannot import it)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        let seed = ProcessInfo.processInfo.environment["AWSAPI_DIFF_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max >> 1)
        var generator = SeededGenerator(state: seed)
        var cases: [[String: Any]] = []
        var bodies: [String?] = []
        var ours: [(authorization: String, date: String, token: Bool, form: [(String, String)]?, label: String)] = []
        for index in 0..<240 {
            let service = ["sts", "iam", "kms"][index % 3]
            let region = Self.regions.randomElement(using: &generator)!
            let endpoint: ServiceEndpoint
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let port = Int.random(in: 1024...65535, using: &generator)
                endpoint = ServiceEndpoint(service: service, url: "http://127.0.0.1:\(port)", signingRegion: region)
            case 1:
                endpoint = ServiceEndpoint(service: service, url: "https://\(service).\(region).amazonaws.com:443",
                                           signingRegion: region)
            default:
                endpoint = try ServiceEndpoint.resolve(service: service, region: region, environment: [:],
                                                       profileSettings: [:])
            }
            var parameters: [(String, String)] = []
            let request: HTTPRequest
            let action: String
            switch service {
            case "sts":
                action = ["AssumeRole", "GetSessionToken", "GetCallerIdentity"].randomElement(using: &generator)!
                if action == "AssumeRole" {
                    parameters = [("RoleArn", "arn:aws:iam::123456789012:role/" + randomText(&generator)),
                                  ("RoleSessionName", randomText(&generator)),
                                  ("ExternalId", randomText(&generator))]
                }
                if action != "GetCallerIdentity", Bool.random(using: &generator) {
                    parameters += [("SerialNumber", "arn:aws:iam::123456789012:mfa/" + randomText(&generator)),
                                   ("TokenCode", String(Int.random(in: 0...999_999, using: &generator))),
                                   ("DurationSeconds", String(Int.random(in: 900...43200, using: &generator)))]
                }
                request = QueryProtocol.request(endpoint: endpoint, action: action, version: STSClient.version,
                                                parameters: parameters)
            case "iam":
                action = ["ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"]
                    .randomElement(using: &generator)!
                parameters = [("UserName", randomText(&generator))]
                if action == "UpdateAccessKey" || action == "DeleteAccessKey" {
                    parameters.append(("AccessKeyId", "AKIA" + randomText(&generator, maxLength: 16)))
                }
                if action == "UpdateAccessKey" { parameters.append(("Status", "Inactive")) }
                if action == "ListAccessKeys", Bool.random(using: &generator) {
                    parameters.append(("Marker", randomText(&generator)))
                }
                request = QueryProtocol.request(endpoint: endpoint, action: action, version: IAMClient.version,
                                                parameters: parameters)
            default:
                action = ["Encrypt", "Decrypt", "GenerateDataKey"].randomElement(using: &generator)!
                var context: [String: String] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &generator) {
                    context[randomText(&generator)] = randomText(&generator)
                }
                let body = JSONProtocol.body([("KeyId", .string("alias/" + randomText(&generator))),
                                              ("Plaintext", .secret(SecretBytes(utf8: "AAEC"))),
                                              ("EncryptionContext", .map(context))])
                request = JSONProtocol.request(endpoint: endpoint, targetPrefix: KMSClient.targetPrefix,
                                               action: action, body: body)
            }
            let token: String? = Bool.random(using: &generator)
                ? "IQoJb3JpZ2luX2VjE"
                    + randomText(&generator, maxLength: 40).filter { $0.isASCII && !$0.isWhitespace && $0 != "\u{7f}" }
                    + "=="
                : nil
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 1_400_000_000...2_000_000_000,
                                                                     using: &generator)))
            let credentials = SigningCredentials(accessKeyID: token == nil ? ExampleKeys.accessKeyID
                                                                           : "ASIAIOSFODNN7EXAMPLE",
                                                 secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey),
                                                 sessionToken: token.map { SecretBytes(utf8: $0) })
            let signer = SigV4Signer(service: endpoint.service, region: endpoint.signingRegion)
            let signed = try signer.sign(request, credentials: credentials, date: date)
            cases.append([
                "service": endpoint.service, "region": endpoint.signingRegion, "method": request.method,
                "url": request.url, "headers": request.headers.map { [$0.name, $0.value] },
                "body_b64": request.body.withUnsafeBytes { Data($0).base64EncodedString() },
                "access_key": credentials.accessKeyID, "secret_key": ExampleKeys.secretAccessKey,
                "token": token as Any? ?? NSNull(), "timestamp": AWSDate.amzDate(date),
                "operation": service == "kms" ? "" : action, "params": parameters.map { [$0.0, $0.1] },
            ])
            bodies.append(service == "kms" ? nil : request.bodyText)
            let authorization = try XCTUnwrap(signed.request.header("Authorization"))
            let version = service == "sts" ? STSClient.version : IAMClient.version
            ours.append((authorization, try XCTUnwrap(signed.request.header("X-Amz-Date")),
                         signed.request.header("X-Amz-Security-Token") != nil,
                         service == "kms" ? nil : [("Action", action), ("Version", version)] + parameters,
                         "case \(index) \(service) \(action) region \(endpoint.signingRegion) seed \(seed)"))
        }
        let input = try JSONSerialization.data(withJSONObject: ["cases": cases])
        // A private, empty HOME: botocore must not read anyone's ~/.aws.
        let home = try TemporaryDirectory(prefix: "credstore-sigv4-diff")
        let result = try ProcessRunner.run(
            python, [TestPaths.packageRoot.appendingPathComponent("Scripts/botocore-sigv4.py").path],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path]
                .merging(ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("PYENV") }) { old, _ in old },
            stdin: input)
        XCTAssertEqual(result.status, 0, "botocore-sigv4.py failed: \(result.stderr.prefix(2000))")
        XCTAssertFalse(result.stdout.contains(ExampleKeys.secretAccessKey), "the script printed the secret")
        let theirs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(theirs.count, ours.count)
        var matched = 0
        for (index, (mine, botocore)) in zip(ours, theirs).enumerated() {
            if let body = bodies[index] {
                XCTAssertEqual(body, botocore["botocore_body"] as? String,
                               "the form body botocore writes, \(mine.label)")
            }
            XCTAssertEqual(mine.authorization, botocore["authorization"] as? String, "Authorization, \(mine.label)")
            XCTAssertEqual(mine.date, botocore["amz_date"] as? String, "X-Amz-Date, \(mine.label)")
            XCTAssertEqual(mine.token, botocore["has_token_header"] as? Bool, "X-Amz-Security-Token, \(mine.label)")
            if let form = mine.form {
                let decoded = (botocore["form"] as? [[String]])?.map { ($0[0], $0[1]) } ?? []
                XCTAssertEqual(decoded.map { "\($0.0)=\($0.1)" }, form.map { "\($0.0)=\($0.1)" },
                               "form body, \(mine.label)")
            }
            if mine.authorization == botocore["authorization"] as? String { matched += 1 }
        }
        XCTAssertEqual(matched, 240, "seed \(seed)")
    }
}
