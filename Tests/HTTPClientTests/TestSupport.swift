import Foundation
@testable import HTTPClient
import SecureStore
import XCTest

/// A form-encoded STS GetCallerIdentity request with a dummy signature (the moto servers of these tests run with auth
/// off, since they test the transport, not signing; moto reads the service from the credential scope).
func callerIdentityRequest(_ endpoint: String) -> HTTPRequest {
    HTTPRequest(method: "POST", url: endpoint + "/",
                headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                          HTTPHeader("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261205/"
                                        + "us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")],
                body: SecretBytes(utf8: "Action=GetCallerIdentity&Version=2011-06-15"))
}

/// Sends `request` expecting an `HTTPClientError`; returns it and how long the attempt took.
func expectFailure(_ request: HTTPRequest, _ settings: HTTPSettings, file: StaticString = #filePath,
                   line: UInt = #line) throws -> (error: HTTPClientError, seconds: Double) {
    let start = Date()
    do {
        let response = try CurlTransport().send(request, settings: settings)
        XCTFail("expected a failure, got HTTP \(response.status)", file: file, line: line)
        throw XCTSkip("no failure to inspect")
    } catch let error as HTTPClientError {
        return (error, Date().timeIntervalSince(start))
    }
}

extension HTTPResponse {
    /// The body as text (tests only; bodies here hold no secret).
    var text: String { body.unsafeUTF8String() ?? "" }
}
