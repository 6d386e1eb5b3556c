import XCTest
import AWSAPI
import HTTPClient
@testable import CredentialLookup

/// Where the executor's STS requests go, for a profile's settings and the environment (the same rules as the AWS CLI;
/// the requests themselves run against moto in CLITests).
final class STSEndpointTests: XCTestCase {
    private func endpoint(_ environment: [String: String], _ settings: [String: String] = [:],
                          region: String? = "eu-west-1") throws -> String {
        try StandardSTSCallingFactory(environment: environment, transport: CurlTransport(), clock: SystemWallClock(),
                                      timeout: 10)
            .caller(region: region, profileSettings: settings).endpointDescription
    }

    func testTheEndpointFollowsTheEnvironmentThenTheProfileThenTheRegion() throws {
        XCTAssertEqual(try endpoint([:]), "https://sts.eu-west-1.amazonaws.com")
        XCTAssertEqual(try endpoint([:], ["endpoint_url": "https://sts.example.test"]), "https://sts.example.test")
        XCTAssertEqual(try endpoint(["AWS_ENDPOINT_URL": "http://127.0.0.1:1"], ["endpoint_url": "https://x.test"]),
                       "http://127.0.0.1:1")
        XCTAssertEqual(try endpoint(["AWS_ENDPOINT_URL": "http://127.0.0.1:1",
                                     "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:2"]),
                       "http://127.0.0.1:2")
        XCTAssertEqual(try endpoint([:], ["sts_regional_endpoints": "legacy"]), "https://sts.amazonaws.com")
        XCTAssertEqual(try endpoint([:], region: nil), "https://sts.amazonaws.com")
    }

    func testAnUnusableEndpointOrAttemptCountIsAnSTSErrorNamingTheProfile() throws {
        let context = TemporaryCredentialsContext(
            environment: ["AWS_ENDPOINT_URL_STS": "not a url"],
            sts: StandardSTSCallingFactory(environment: ["AWS_ENDPOINT_URL_STS": "not a url"],
                                           transport: CurlTransport(), clock: SystemWallClock(), timeout: 10),
            openCache: { nil }, transport: { CurlTransport() })
        let chain = RoleChain(
            profileName: "admin",
            base: .staticKeys(profile: ProfileReference(name: "src", storeType: .secureStore, location: "/s"),
                              credentials: Credentials(accessKeyID: Example.accessKeyID,
                                                       secretAccessKey: Example.secret),
                              accountID: nil),
            roles: [AssumeRoleStep(roleARN: "arn:aws:iam::123456789012:role/admin",
                                   profile: ProfileReference(name: "admin", storeType: .sharedConfigFile,
                                                             location: "/c"))])
        XCTAssertThrowsError(try RoleChainExecutor(context: context).resolve(chain, step: .specifiedProfile)) {
            let error = $0 as? CredentialLookupError
            XCTAssertEqual(error?.code, .stsRequestFailed)
            XCTAssertEqual(error?.serviceErrorCode, "endpoint-invalid")
            XCTAssertTrue(error?.message.contains("'admin'") ?? false, "\($0)")
        }
    }
}
