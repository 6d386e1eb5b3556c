import Foundation
import XCTest
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

/// The aws-c-auth SigV4 signing suite (`../shared/conformance/sigv4/aws-c-auth-v4/`), read in place: for every case
/// and both placements, the canonical request, string to sign, signature and signed request must match byte for byte.
final class SigV4ConformanceTests: XCTestCase {
    /// One case directory, parsed.
    struct Case {
        var name: String
        var directory: URL
        var request: HTTPRequest
        var requestTarget: String
        var credentials: SigningCredentials
        var signer: SigV4Signer
        var date: Date
        var expiresIn: Int
    }

    static func suiteDirectory() throws -> URL {
        try TestPaths.requireConformance("sigv4/aws-c-auth-v4", area: "the SigV4 conformance tests")
    }

    /// Parses `request.txt`: the request line, headers (folded lines kept in the value, as sent), a blank line, the
    /// body.
    static func parseRequest(_ text: String) throws -> (method: String, target: String, headers: [HTTPHeader],
                                                       body: [UInt8]) {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst().split(separator: " ", maxSplits: 1)
        let method = String(requestLine[0])
        let rest = String(requestLine[1])
        let target = String(rest.dropLast(" HTTP/1.1".count))
        var headers: [HTTPHeader] = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t" {
                headers[headers.count - 1].value += "\n" + line
            } else {
                let colon = try XCTUnwrap(line.firstIndex(of: ":"))
                headers.append(HTTPHeader(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        if !lines.isEmpty { lines.removeFirst() }
        return (method, target, headers, Array(lines.joined(separator: "\n").utf8))
    }

    static func loadCases() throws -> [Case] {
        let root = try suiteDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        return try names.map { name in
            let directory = root.appendingPathComponent(name)
            let context = try XCTUnwrap(JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("context.json"))) as? [String: Any])
            let credentials = try XCTUnwrap(context["credentials"] as? [String: Any])
            let text = try String(contentsOf: directory.appendingPathComponent("request.txt"), encoding: .utf8)
            let parsed = try parseRequest(text)
            let host = try XCTUnwrap(parsed.headers.first { $0.name.lowercased() == "host" }?.value)
            let request = HTTPRequest(method: parsed.method, url: "https://\(host)\(parsed.target)",
                                      headers: parsed.headers, body: SecretBytes(parsed.body))
            let signer = SigV4Signer(service: try XCTUnwrap(context["service"] as? String),
                                     region: try XCTUnwrap(context["region"] as? String),
                                     signBody: context["sign_body"] as? Bool ?? false,
                                     omitSessionToken: context["omit_session_token"] as? Bool ?? false,
                                     normalizePath: context["normalize"] as? Bool ?? true)
            let signing = SigningCredentials(
                accessKeyID: try XCTUnwrap(credentials["access_key_id"] as? String),
                secretAccessKey: SecretBytes(utf8: try XCTUnwrap(credentials["secret_access_key"] as? String)),
                sessionToken: (credentials["token"] as? String).map { SecretBytes(utf8: $0) })
            let date = try XCTUnwrap(AWSDate.parseISO8601(try XCTUnwrap(context["timestamp"] as? String)))
            return Case(name: name, directory: directory, request: request, requestTarget: parsed.target,
                        credentials: signing, signer: signer, date: date,
                        expiresIn: context["expiration_in_seconds"] as? Int ?? 3600)
        }
    }

    /// The signed request in the suite's text form: request line, `Name:value` headers, blank line, body.
    static func render(_ request: HTTPRequest) throws -> String {
        let afterScheme = try XCTUnwrap(request.url.range(of: "://")).upperBound
        let target = request.url[afterScheme...].drop { $0 != "/" }
        var text = "\(request.method) \(target) HTTP/1.1\n"
        for header in request.headers { text += "\(header.name):\(header.value)\n" }
        text += "\n"
        text += request.body.unsafeUTF8String() ?? ""
        return text
    }

    func testEveryCaseBothPlacements() throws {
        let cases = try Self.loadCases()
        XCTAssertEqual(cases.count, 38, "the suite's README lists 38 cases")
        var compared = 0
        for item in cases {
            for (prefix, placement) in [("header", SigV4Signer.Placement.header),
                                        ("query", .query(expiresIn: item.expiresIn))] {
                func expected(_ suffix: String) throws -> String {
                    try String(contentsOf: item.directory.appendingPathComponent("\(prefix)-\(suffix).txt"),
                               encoding: .utf8)
                }
                let signed = try item.signer.sign(item.request, credentials: item.credentials, date: item.date,
                                                  placement: placement)
                let label = "\(item.name) (\(prefix))"
                XCTAssertEqual(signed.canonicalRequest, try expected("canonical-request"),
                               "\(label): canonical request")
                XCTAssertEqual(signed.stringToSign, try expected("string-to-sign"), "\(label): string to sign")
                XCTAssertEqual(signed.signature, try expected("signature"), "\(label): signature")
                XCTAssertEqual(try Self.render(signed.request), try expected("signed-request"),
                               "\(label): signed request")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 76)
    }
}
