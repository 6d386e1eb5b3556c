import Foundation
import XCTest
@testable import CredentialLookup

/// The rules `credstore set`, `default` and `remove` ask before storing or destroying anything (issue 14, items 4
/// and 7): what can be an access key id, which profile names a shared file can hold, where else a key pair lives,
/// and which config profiles export a store profile.
final class InputShapesTests: XCTestCase {
    func testAccessKeyIDShapes() {
        for id in ["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE", "AKIAOTHERKEYEXAMPLE",
                   String(repeating: "A", count: 16), String(repeating: "Z9", count: 64)] {
            XCTAssertEqual(AccessKeyIDShape(id), .keyID, id)
        }
        for secret in ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                       String(repeating: "a", count: 40)] {
            XCTAssertEqual(AccessKeyIDShape(secret), .looksLikeSecret)
        }
        for other in ["", "AKIA", "my-key", "akiaiosfodnn7example", String(repeating: "A", count: 129),
                      "AKIA IOSFODNN7EXAMPLE"] {
            XCTAssertEqual(AccessKeyIDShape(other), .notAKeyID, other)
        }
    }

    func testProfileNamesASharedFileCannotHold() {
        let refused: [(String, ProfileNameProblem)] = [
            ("", .empty), ("bad name]", .closingBracket), ("two\nlines", .controlCharacter),
            ("tab\there", .controlCharacter), (" padded", .surroundingWhiteSpace), ("padded ", .surroundingWhiteSpace),
            ("#x", .commentMarker), (";x", .commentMarker),
        ]
        for (name, problem) in refused { XCTAssertEqual(ProfileNameProblem(name), problem, name.debugDescription) }
        for name in ["default", "AWS PS Default", "team/prod-1", "a#b", "user@example.com", "[odd"] {
            XCTAssertNil(ProfileNameProblem(name), name)
        }
    }

    func testKeyCopiesFindTheLastCopyAcrossTheStoreAndTheSharedFiles() throws {
        let directory = try temporaryDirectory()
        let credentials = directory + "/credentials"
        try Data("[backup]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = first\n".utf8)
            .write(to: URL(fileURLWithPath: credentials))
        let key = try KeyFile.generate(at: directory + "/key")
        let store = try EncryptedStore.create(at: directory + "/store", secrets: [.keyFile(key)])
        try store.set(StoredProfile(name: "default", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: SecretBytes(utf8: "first")))
        try store.set(StoredProfile(name: "solo", accessKeyID: "AKIAI44QH8DHBEXAMPLE",
                                    secretAccessKey: SecretBytes(utf8: "second")))
        try store.set(StoredProfile(name: "same-id", accessKeyID: "AKIAI44QH8DHBEXAMPLE",
                                    secretAccessKey: SecretBytes(utf8: "a different secret")))
        let copies = try KeyCopies(store: EncryptedStoreCatalog(store: store),
                                   sharedCatalogs: [SharedFileCatalog(path: credentials, kind: .credentials)])
        let storeDefault = ProfilePlace(storeType: .secureStore, location: store.path, name: "default")
        let backup = ProfilePlace(storeType: .sharedCredentialsFile, location: credentials, name: "backup")
        let solo = ProfilePlace(storeType: .secureStore, location: store.path, name: "solo")
        let first = SecretBytes(utf8: "first")
        XCTAssertFalse(copies.isLastCopy(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: first,
                                         leaving: [storeDefault]), "the shared file has it")
        XCTAssertTrue(copies.isLastCopy(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: first,
                                        leaving: [storeDefault, backup]))
        // The same id with another secret is not a copy: the secret is what cannot be fetched again.
        XCTAssertTrue(copies.isLastCopy(accessKeyID: "AKIAI44QH8DHBEXAMPLE",
                                        secretAccessKey: SecretBytes(utf8: "second"), leaving: [solo]))
        XCTAssertEqual(copies.keyPair(at: solo)?.accessKeyID, "AKIAI44QH8DHBEXAMPLE")
    }

    func testExportReferencesFindCredentialProcessLinesThatExportAProfile() throws {
        let directory = try temporaryDirectory()
        let config = directory + "/config"
        try Data("""
            [profile a]
            credential_process = /usr/local/bin/credstore export --profile prod
            [profile b]
            credential_process = "/opt/my tools/credstore" export --format credential-process --profile=prod
            [profile c]
            credential_process = /usr/local/bin/credstore export --profile other
            [profile d]
            credential_process = /usr/bin/other-tool export --profile prod
            [profile e]
            region = eu-west-1

            """.utf8).write(to: URL(fileURLWithPath: config))
        let catalog = SharedFileCatalog(path: config, kind: .config)
        XCTAssertEqual(ExportReferences.profiles(exporting: "prod", in: catalog), ["a", "b"])
        XCTAssertEqual(ExportReferences.profiles(exporting: "other", in: catalog), ["c"])
        XCTAssertEqual(ExportReferences.profiles(exporting: "prod",
                                                 in: SharedFileCatalog(path: directory + "/none", kind: .config)), [])
    }

    private func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credstore-shapes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
