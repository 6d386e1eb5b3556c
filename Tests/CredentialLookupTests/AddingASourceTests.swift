import XCTest
import CredentialLookup  // not @testable: a new source needs nothing beyond the public API

// The worked example of `CredentialSource`'s documentation, built as a library user (or a new file of the library)
// would write it.

extension SearchStep {
    static let credentialServer = SearchStep(rawValue: "credentialServer")
}

extension StoreType {
    static let credentialServer = StoreType(rawValue: "CredentialServer", displayName: "local credential server")
}

/// A stand-in for a local credential server: "answers" with the example keys when its variable is set.
struct CredentialServerSource: CredentialSource {
    static let step = SearchStep.credentialServer
    private let url: String

    static func make(for context: SourceContext) -> CredentialServerSource? {
        context.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"].map { CredentialServerSource(url: $0) }
    }

    func resolve(_ request: LookupRequest) throws -> SourceResult {
        let credentials = Credentials(accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret)
        return .found(Resolution(credentials: credentials,
                                 origin: CredentialOrigin(step: Self.step, storeType: .credentialServer,
                                                          location: url)))
    }
}

final class AddingASourceTests: XCTestCase {
    func testTheWorkedExampleRunsAfterTheStandardSourcesAndMovesNoOtherStep() throws {
        var fixture = Fixture()
        let before = SearchOrder.steps
        let order: [any CredentialSource.Type] = SearchOrder.sources + [CredentialServerSource.self]
        func resolve() throws -> Resolution {
            let context = SourceContext(request: LookupRequest(), environment: fixture.environment,
                                        catalogs: fixture.catalogs)
            return try CredentialResolver(sources: order.compactMap { $0.make(for: context) },
                                          environment: fixture.environment).resolve(LookupRequest())
        }
        XCTAssertThrowsError(try resolve(), "without its variable the new source is left out")

        fixture.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/creds"
        let found = try resolve()
        XCTAssertEqual(found.origin.step.rawValue, "credentialServer")
        XCTAssertEqual(found.origin.storeType.rawValue, "CredentialServer")
        XCTAssertTrue(found.origin.description.hasPrefix("local credential server (http://127.0.0.1:9/creds)"),
                      found.origin.description)
        XCTAssertTrue(found.searched.last?.contains("instance metadata") ?? false,
                      "every standard step was asked first: \(found.searched)")

        // The environment still wins, and its step name is what it was.
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.otherKeyID
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = Example.otherSecretText
        XCTAssertEqual(try resolve().origin.step.rawValue, "environment")
        XCTAssertEqual(SearchOrder.steps, before)
    }
}
