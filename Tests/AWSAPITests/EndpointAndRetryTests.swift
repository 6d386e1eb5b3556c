import XCTest
@testable import AWSAPI

/// Endpoint resolution (botocore's order and STS regional rules) and the standard retry policy's numbers.
final class EndpointAndRetryTests: XCTestCase {
    func resolve(_ service: String, _ region: String?, _ environment: [String: String] = [:],
                 _ profile: [String: String] = [:]) throws -> ServiceEndpoint {
        try ServiceEndpoint.resolve(service: service, region: region, environment: environment,
                                    profileSettings: profile)
    }

    func testDefaultsAndRegionalSTS() throws {
        XCTAssertEqual(try resolve("sts", "eu-west-1").url, "https://sts.eu-west-1.amazonaws.com")
        XCTAssertEqual(try resolve("sts", "eu-west-1").signingRegion, "eu-west-1")
        XCTAssertEqual(try resolve("sts", nil).url, "https://sts.amazonaws.com")
        XCTAssertEqual(try resolve("sts", "cn-north-1").url, "https://sts.cn-north-1.amazonaws.com.cn")
        // legacy: the global endpoint for the legacy regions only, signed for us-east-1.
        let legacy = try resolve("sts", "eu-west-1", ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"])
        XCTAssertEqual(legacy.url, "https://sts.amazonaws.com")
        XCTAssertEqual(legacy.signingRegion, "us-east-1")
        XCTAssertEqual(try resolve("sts", "eu-west-1", [:], ["sts_regional_endpoints": "legacy"]).url,
                       "https://sts.amazonaws.com")
        XCTAssertEqual(try resolve("sts", "af-south-1", [:], ["sts_regional_endpoints": "legacy"]).url,
                       "https://sts.af-south-1.amazonaws.com")
        // The environment wins over the profile.
        XCTAssertEqual(try resolve("sts", "eu-west-1", ["AWS_STS_REGIONAL_ENDPOINTS": "regional"],
                                   ["sts_regional_endpoints": "legacy"]).url, "https://sts.eu-west-1.amazonaws.com")
        XCTAssertThrowsError(try resolve("sts", "eu-west-1", ["AWS_STS_REGIONAL_ENDPOINTS": "global"]))
        XCTAssertEqual(try resolve("iam", "eu-west-1").url, "https://iam.amazonaws.com")
        XCTAssertEqual(try resolve("iam", "eu-west-1").signingRegion, "us-east-1")
        XCTAssertEqual(try resolve("kms", "eu-west-1").url, "https://kms.eu-west-1.amazonaws.com")
        XCTAssertThrowsError(try resolve("kms", nil)) {
            XCTAssertEqual(($0 as? AWSServiceError)?.code, .endpointInvalid)
        }
        XCTAssertThrowsError(try resolve("sts", "eu-west-1.evil.com/")) {
            XCTAssertEqual(($0 as? AWSServiceError)?.code, .endpointInvalid)
        }
    }

    func testConfiguredEndpointOrder() throws {
        let all = ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1/", "AWS_ENDPOINT_URL": "http://127.0.0.1:2"]
        XCTAssertEqual(try resolve("sts", "eu-west-1", all, ["endpoint_url": "http://127.0.0.1:3"]).url,
                       "http://127.0.0.1:1")
        XCTAssertEqual(try resolve("sts", "eu-west-1", all).origin, "AWS_ENDPOINT_URL_STS")
        XCTAssertEqual(try resolve("iam", "eu-west-1", all, ["endpoint_url": "http://127.0.0.1:3"]).url,
                       "http://127.0.0.1:2")
        XCTAssertEqual(try resolve("kms", "eu-west-1", [:], ["endpoint_url": "https://kms.local:8443/base/"]).url,
                       "https://kms.local:8443/base")
        XCTAssertEqual(try resolve("sts", "eu-west-2", all).signingRegion, "eu-west-2")
        XCTAssertEqual(try resolve("sts", "eu-west-1", all, ["ignore_configured_endpoint_urls": "true"]).url,
                       "https://sts.eu-west-1.amazonaws.com")
        XCTAssertEqual(try resolve("sts", "eu-west-1", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]
                                   .merging(all) { a, _ in a }).url, "https://sts.eu-west-1.amazonaws.com")
    }

    func testInvalidEndpointURLsAreRefusedClearly() {
        let bad = ["sts.amazonaws.com", "ftp://x", "http://", "http://user:SECRET@host", "http://host/?q=1",
                   "http://host/#f", "http://ho st", "http://host:0", "http://host:99999", "http://host:x"]
        for url in bad {
            XCTAssertThrowsError(try resolve("sts", "eu-west-1", ["AWS_ENDPOINT_URL_STS": url]), url) { error in
                let error = error as? AWSServiceError
                XCTAssertEqual(error?.code, .endpointInvalid, url)
                XCTAssertTrue(error?.message.contains("AWS_ENDPOINT_URL_STS") ?? false, url)
                XCTAssertFalse(error?.message.contains("SECRET") ?? true, url)
            }
        }
    }

    func testRetryPolicyNumbers() throws {
        XCTAssertEqual(try RetryPolicy.standard(environment: [:], profileSettings: [:]).maxAttempts, 3)
        XCTAssertEqual(try RetryPolicy.standard(environment: ["AWS_MAX_ATTEMPTS": "5"],
                                                profileSettings: ["max_attempts": "2"]).maxAttempts, 5)
        XCTAssertEqual(try RetryPolicy.standard(environment: [:], profileSettings: ["max_attempts": " 2 "]).maxAttempts,
                       2)
        for bad in ["0", "-1", "x", "21"] {
            XCTAssertThrowsError(try RetryPolicy.standard(environment: ["AWS_MAX_ATTEMPTS": bad], profileSettings: [:]))
        }
        let one = RetryPolicy(random: { 1.0 }, sleep: { _ in })
        XCTAssertEqual((1...7).map { one.delay(beforeRetry: $0) }, [1, 2, 4, 8, 16, 20, 20])
        let half = RetryPolicy(random: { 0.5 }, sleep: { _ in })
        XCTAssertEqual(half.delay(beforeRetry: 3), 2)
    }
}
