import XCTest
@testable import CredentialLookup

/// The pure rules around MFA codes and container endpoints (the flows run end to end in CLITests).
final class MFACodeTests: XCTestCase {
    func testACodeIsExactlySixASCIIDigitsAroundWhiteSpace() {
        XCTAssertEqual(MFACode(validating: "123456")?.digits, "123456")
        XCTAssertEqual(MFACode(validating: " 012345\n")?.digits, "012345")
        for bad in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "123 456", "+12345", "123456\u{0}"] {
            XCTAssertNil(MFACode(validating: bad), bad.debugDescription)
        }
        XCTAssertFalse("\(MFACode(validating: "123456")!)".contains("123456"), "a code never prints")
    }

    func testWithoutProcessOrPromptACodeIsUnavailableAtOnce() {
        let source = MFACodeChain(environment: [:], timeout: 1, prompt: nil)
        XCTAssertThrowsError(try source.code(for: MFARequest(profile: "p", serial: "s"), mfaProcess: nil, place: "x")) {
            XCTAssertEqual(($0 as? CredentialLookupError)?.code, .mfaCodeUnavailable)
        }
        let noTerminal = MFACodeChain(environment: [:], timeout: 1, prompt: { _ in nil })
        XCTAssertThrowsError(try noTerminal.code(for: MFARequest(profile: "p", serial: "s"), mfaProcess: " ",
                                                 place: "x")) {
            XCTAssertEqual(($0 as? CredentialLookupError)?.code, .mfaCodeUnavailable)
        }
    }

    func testAnMFAProcessThatFailsOrCannotBeSplitIsMFAProcessFailed() {
        let source = MFACodeChain(environment: ["PATH": "/usr/bin:/bin"], timeout: 5, prompt: { _ in
            XCTFail("mfa_process comes first")
            return nil
        })
        for command in ["/bin/false", "'unbalanced", "no-such-program-credstore"] {
            XCTAssertThrowsError(try source.code(for: MFARequest(profile: "p", serial: "s"), mfaProcess: command,
                                                 place: "x"), command) {
                XCTAssertEqual(($0 as? CredentialLookupError)?.code, .mfaProcessFailed, command)
            }
        }
    }

    func testContainerFullURIsArePlainHTTPOnlyToLoopbackOrTheECSAndEKSHosts() {
        for good in ["https://example.com/creds", "http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:9/x",
                     "http://169.254.170.2/v2/credentials", "http://169.254.170.23/v1/credentials",
                     "http://[fd00:ec2::23]/v1/credentials", "http://127.1.2.3/"] {
            XCTAssertNoThrow(try ContainerCredentials.checkFullURI(good), good)
        }
        for bad in ["http://example.com/creds", "http://user@127.0.0.1/", "ftp://127.0.0.1/", "http://10.0.0.1/",
                    "http://127.0.0.1.example.com/", "http://169.254.169.254/"] {
            XCTAssertThrowsError(try ContainerCredentials.checkFullURI(bad), bad)
        }
    }
}
