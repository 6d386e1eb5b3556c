import Foundation
import TestSupport
import XCTest
@testable import CredentialLookup

/// The front door: a profile resolved in a few lines, with the full search order and the CLI's unlock rules.
final class CredentialSearchTests: XCTestCase {
    private func environment(in home: TemporaryHome) -> [String: String] {
        home.environment.merging([
            "CREDSTORE_STORE": home.path + "/store",
            "AWS_SHARED_CREDENTIALS_FILE": home.path + "/credentials",
            "AWS_CONFIG_FILE": home.path + "/config",
        ]) { $1 }
    }

    func testAProfileOfTheSharedFilesResolvesWithoutAStore() throws {
        let home = try TemporaryHome()
        try home.write("[prod]\naws_access_key_id = \(ExampleKeys.accessKeyID)\naws_secret_access_key = "
                       + "\(ExampleKeys.secretAccessKey)\n", to: "credentials")
        try home.write("[profile prod]\nregion = eu-west-1\n", to: "config")
        let search = CredentialSearch(environment: environment(in: home))
        let resolution = try search.resolve(profile: "prod")
        XCTAssertEqual(resolution.credentials.accessKeyID, ExampleKeys.accessKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, SecretBytes(utf8: ExampleKeys.secretAccessKey))
        XCTAssertEqual(resolution.region, "eu-west-1")
        XCTAssertEqual(resolution.origin.storeType, .sharedCredentialsFile)
        XCTAssertEqual(search.storePath, home.path + "/store")
        let region = try search.resolve(profile: "prod", region: "us-east-2")
        XCTAssertEqual(region.region, "us-east-2", "the region asked for beats the profile's")
    }

    func testAMissingProfileIsTheLibrarysErrorWithItsStableCode() throws {
        let home = try TemporaryHome()
        let search = CredentialSearch(environment: environment(in: home))
        XCTAssertThrowsError(try search.resolve(profile: "absent")) { error in
            XCTAssertEqual((error as? CredentialLookupError)?.code.rawValue, "profile-not-found", "\(error)")
        }
    }

    func testResultsAreSendable() {
        func requireSendable<T: Sendable>(_: T.Type) {}
        requireSendable(Resolution.self)
        requireSendable(Credentials.self)
        requireSendable(CredentialLookupError.self)
        requireSendable(SecureStoreError.self)
        requireSendable(UnlockAgentError.self)
        requireSendable(SharedFileError.self)
    }
}
