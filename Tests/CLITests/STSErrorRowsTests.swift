import XCTest
@testable import credstore

/// The CLI's rows for STS failures: each cause a user can act on gets its own hint and exit status (the causes
/// themselves come from AWSAPI against a failing endpoint and moto, and end to end in RoleSessionCLITests).
final class STSErrorRowsTests: XCTestCase {
    func testEachCauseHasAPreciseHint() {
        let expectations: [(code: String, status: Int32, hint: String)] = [
            ("clock-skew", 1, "clock"),
            ("access-denied", 1, "trust policy"),
            ("expired-token", 1, "credstore sessions clear"),
            ("invalid-client-token-id", 1, "access key"),
            ("signature-does-not-match", 1, "secret key"),
            ("region-disabled", 1, "region"),
            ("throttled", 69, "try again later"),
            ("connection-failed", 69, "HTTPS_PROXY"),
            ("host-not-found", 69, "AWS_ENDPOINT_URL_STS"),
            ("timed-out", 69, "could not be reached"),
            ("certificate-untrusted", 69, "AWS_CA_BUNDLE"),
            ("host-name-mismatch", 69, "does not name its host"),
            ("proxy-failed", 69, "HTTPS_PROXY"),
            ("malformed-response", 69, "did not answer like STS"),
            ("redirected", 69, "did not answer like STS"),
        ]
        for expected in expectations {
            let row = ErrorClassification.stsRow(expected.code, profile: "admin")
            XCTAssertEqual(row.status.rawValue, expected.status, expected.code)
            XCTAssertTrue(row.hint?.contains(expected.hint) ?? false, "\(expected.code): \(row.hint ?? "no hint")")
        }
        let mfa = ErrorClassification.row(.mfaCodeUnavailable, selection: nil, profile: "admin")
        XCTAssertEqual(mfa.status, .noSecretSource)
        XCTAssertTrue(mfa.hint?.contains("credstore get --profile admin") ?? false, mfa.hint ?? "")
    }
}
