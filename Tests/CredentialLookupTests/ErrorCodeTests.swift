import XCTest
@testable import CredentialLookup

/// The libraries' error types: one code style (lowercase-kebab raw values), and messages and hints that a program
/// other than credstore can show as they are (no credstore command, no command-line option).
final class ErrorCodeTests: XCTestCase {
    private func assertKebab(_ names: [String], file: StaticString = #filePath, line: UInt = #line) {
        for name in names {
            XCTAssertFalse(name.isEmpty, file: file, line: line)
            XCTAssertTrue(name.allSatisfy { ("a"..."z").contains($0) || $0 == "-" }, name, file: file, line: line)
            XCTAssertFalse(name.hasPrefix("-") || name.hasSuffix("-") || name.contains("--"), name,
                           file: file, line: line)
        }
        XCTAssertEqual(Set(names).count, names.count, "codes must be unique", file: file, line: line)
    }

    func testResultsAndErrorsAreSendable() {
        func requireSendable<T: Sendable>(_: T.Type) {}
        requireSendable(Resolution.self)
        requireSendable(Credentials.self)
        requireSendable(CredentialOrigin.self)
        requireSendable(SearchStep.self)
        requireSendable(CredentialLookupError.self)
        requireSendable(SecureStoreError.self)
        requireSendable(SharedFileError.self)
    }

    func testEveryCodeIsLowercaseKebab() {
        assertKebab(SecureStoreError.Code.allCases.map(\.rawValue))
        assertKebab(SharedFileError.Code.allCases.map(\.rawValue))
        assertKebab(CredentialLookupError.Code.allCases.map(\.rawValue))
        XCTAssertEqual(CredentialLookupError.Code.profileNotFound.rawValue, "profile-not-found")
        XCTAssertEqual(SharedFileError.Code.malformedFile.description, "malformed-file")
        XCTAssertEqual(SecureStoreError.Code.wrongPassphrase.description, "wrong-passphrase")
    }

    private func assertNoCLIAdvice(_ text: String?, file: StaticString = #filePath, line: UInt = #line) {
        guard let text else { return }
        XCTAssertFalse(text.contains("credstore "), text, file: file, line: line)
        XCTAssertFalse(text.contains("--"), text, file: file, line: line)
    }

    func testLookupErrorsCarryNoCLIAdvice() throws {
        var fixture = Fixture()
        let file = MemoryCatalog(.sharedCredentialsFile, "/srv/team/credentials", [staticEntry("prod")])
        fixture.locations[file.location] = file
        fixture.store.profiles["bare"] = ProfileEntry(name: "bare", settings: ["region": "eu-west-1"])
        let requests = [
            LookupRequest(profileName: "nope"),
            LookupRequest(profileLocation: file.location),
            LookupRequest(profileName: "nope", profileLocation: file.location),
            LookupRequest(profileName: "bare"),
            LookupRequest(),
        ]
        var codes: [CredentialLookupError.Code] = []
        for request in requests {
            let error = try XCTUnwrap(fixture.lookupError(request))
            codes.append(error.code)
            assertNoCLIAdvice(error.message)
            assertNoCLIAdvice(error.hint)
        }
        XCTAssertEqual(codes, [.profileNotFound, .profileNotFound, .profileNotFound, .incompleteProfile,
                               .noCredentialsFound])

        fixture.environment["AWS_PROFILE"] = "gone"
        let session = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(session.profileSelection, .sessionProfile)
        XCTAssertTrue(session.message.contains("(from AWS_PROFILE)"), session.message)
        let reworded = session.message(describingSelection: { "<\($0.rawValue)>" })
        XCTAssertTrue(reworded.hasPrefix("profile 'gone' (from <session-profile>) was not found"), reworded)

        let missing = SharedFileCatalog(path: "/nonexistent/credentials", kind: .credentials, mustExist: true)
        XCTAssertThrowsError(try missing.file()) {
            let error = $0 as? CredentialLookupError
            XCTAssertEqual(error?.code, .profileFileMissing)
            assertNoCLIAdvice(error?.message)
            assertNoCLIAdvice(error?.hint)
        }
    }
}
