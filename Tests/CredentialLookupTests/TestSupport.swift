import Foundation
import TestSupport
import XCTest
@testable import CredentialLookup

/// The AWS documentation example keys; the only keys tests use.
enum Example {
    static let accessKeyID = ExampleKeys.accessKeyID
    static let secretText = ExampleKeys.secretAccessKey
    static var secret: SecretBytes { SecretBytes(utf8: secretText) }
    static let otherKeyID = ExampleKeys.otherAccessKeyID
    static let otherSecretText = ExampleKeys.otherSecretAccessKey
    static var otherSecret: SecretBytes { SecretBytes(utf8: otherSecretText) }
}

/// A profile catalog held in memory, standing in for the encrypted store or a shared file in tests.
final class MemoryCatalog: ProfileCatalog {
    let storeType: StoreType
    let location: String
    var profiles: [String: ProfileEntry]
    /// When set, reading a profile that exists throws this, as a store that cannot be unlocked does (profile names
    /// are visible without the key).
    var unlockError: Error?
    private(set) var reads: [String] = []

    init(_ storeType: StoreType, _ location: String, _ profiles: [ProfileEntry] = []) {
        self.storeType = storeType
        self.location = location
        self.profiles = Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) })
    }

    func profile(named name: String) throws -> ProfileEntry? {
        reads.append(name)
        if let unlockError, profiles[name] != nil { throw unlockError }
        return profiles[name]
    }
}

/// An error standing in for SecureStore's "cannot unlock" error.
struct StoreLockedError: Error, CustomStringConvertible {
    var description: String { "the encrypted store /tmp/store is locked: no passphrase or key file available" }
}

/// An error standing in for a missing `--profile-location` file.
struct MissingFileError: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path): No such file or directory (errno 2)" }
}

/// Static keys for an entry.
func staticEntry(_ name: String, keyID: String = Example.accessKeyID, secret: SecretBytes = Example.secret,
                 settings: [String: String] = [:]) -> ProfileEntry {
    ProfileEntry(name: name, settings: settings, accessKeyID: keyID, secretAccessKey: secret)
}

/// The three standard catalogs plus files reachable through `--profile-location`.
struct Fixture {
    let store = MemoryCatalog(.secureStore, "/home/test/.local/share/credstore/store")
    let credentialsFile = MemoryCatalog(.sharedCredentialsFile, "/home/test/.aws/credentials")
    let configFile = MemoryCatalog(.sharedConfigFile, "/home/test/.aws/config")
    var locations: [String: MemoryCatalog] = [:]
    /// An environment with IMDS off, so no test ever waits for 169.254.169.254.
    var environment: [String: String] = ["AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin"]

    var catalogs: ProfileCatalogs {
        let locations = self.locations
        // The program's own catalog order, over in-memory catalogs.
        return ProfileCatalogs(searchOrder: SearchOrder.catalogs(store: store, credentialsFile: credentialsFile,
                                                                 configFile: configFile)) { path in
            guard let catalog = locations[path] else { throw MissingFileError(path: path) }
            return catalog
        }
    }

    func resolve(_ request: LookupRequest = LookupRequest(), options: LookupOptions = LookupOptions()) throws
        -> Resolution {
        try CredentialResolver.standard(for: request, environment: environment, catalogs: catalogs, options: options)
            .resolve(request)
    }

    /// The lookup error, failing the test when the lookup succeeds or throws something else.
    func lookupError(_ request: LookupRequest = LookupRequest(), options: LookupOptions = LookupOptions(),
                     file: StaticString = #filePath, line: UInt = #line) -> CredentialLookupError? {
        do {
            let resolution = try resolve(request, options: options)
            XCTFail("expected an error, got \(resolution.origin)", file: file, line: line)
        } catch let error as CredentialLookupError {
            return error
        } catch {
            XCTFail("expected CredentialLookupError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// The package root.
let packageRoot = TestPaths.packageRoot.path

extension XCTestCase {
    /// Asserts that `text` contains none of the example secrets.
    func assertNoSecret(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [Example.secretText, Example.otherSecretText, "EXAMPLETOKEN"] {
            XCTAssertFalse(text.contains(secret), "a secret leaked into: (text withheld)", file: file, line: line)
        }
    }
}
