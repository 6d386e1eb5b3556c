import HTTPClient
import XCTest
@testable import CredentialLookup

/// The KMS slot's own credential chain follows botocore's rule for a container endpoint: plain HTTP only to a
/// loopback address or the ECS/EKS hosts. A prefix test (`http://127.`) would send the container token in clear text
/// to `http://127.evil.example`.
final class KMSCredentialChainTests: XCTestCase {
    /// A transport that must never be reached: every case here is refused before a request.
    private struct NoRequest: HTTPTransport {
        func send(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse {
            XCTFail("a request was sent to \(request.url)")
            throw HTTPClientError(.connectionFailed, url: request.url, "not sent")
        }
    }

    private func chain(fullURI: String) -> KMSCredentialChain {
        KMSCredentialChain(storePath: "/nonexistent/store", environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fullURI,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "not-a-real-token",
            "AWS_EC2_METADATA_DISABLED": "true",
        ], options: LookupOptions(), transport: NoRequest())
    }

    func testAPlainHTTPEndpointThatOnlyLooksLikeLoopbackIsRefusedBeforeAnyRequest() {
        for uri in ["http://127.evil.example/creds", "http://localhost.evil.example/creds",
                    "http://127.0.0.1.evil.example/creds", "http://user@127.0.0.1/creds", "ftp://127.0.0.1/creds"] {
            XCTAssertThrowsError(try chain(fullURI: uri).credentials(profile: nil, key: "alias/k"), uri) { error in
                XCTAssertTrue("\(error)".contains("must be https:// or a loopback http:// URL"), "\(uri): \(error)")
                XCTAssertFalse("\(error)".contains("not-a-real-token"))
            }
        }
    }
}
