import Foundation
import SecureStore
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
        let store = directory + "/store"
        func profiles(_ name: String, in catalog: SharedFileCatalog) -> [String] {
            ExportReferences.profiles(exporting: name, fromStore: store, defaultStorePath: store, in: catalog)
        }
        XCTAssertEqual(profiles("prod", in: catalog), ["a", "b"])
        XCTAssertEqual(profiles("other", in: catalog), ["c"])
        XCTAssertEqual(profiles("prod", in: SharedFileCatalog(path: directory + "/none", kind: .config)), [])
    }

    /// Security review, item 4: every spelling of the profile option counts, and a line that exports from another
    /// store does not (it keeps working when the profile leaves this store).
    func testExportReferencesReadEverySpellingAndTheStore() throws {
        let directory = try temporaryDirectory()
        let store = directory + "/store"
        let other = directory + "/other-store"
        try Data().write(to: URL(fileURLWithPath: store))
        let config = directory + "/config"
        try Data("""
            [profile short]
            credential_process = credstore export -p prod
            [profile glued]
            credential_process = credstore export -pprod --format credential-process
            [profile same-store]
            credential_process = /usr/bin/credstore export --store \(directory)/./store --profile prod
            [profile other-store]
            credential_process = /usr/bin/credstore export --store \(other) --profile prod
            [profile other-store-equals]
            credential_process = /usr/bin/credstore export --store=\(other) --profile=prod
            [profile exec]
            credential_process = /usr/bin/credstore exec --profile prod -- true

            """.utf8).write(to: URL(fileURLWithPath: config))
        let catalog = SharedFileCatalog(path: config, kind: .config)
        XCTAssertEqual(ExportReferences.profiles(exporting: "prod", fromStore: store, defaultStorePath: store,
                                                 in: catalog), ["short", "glued", "same-store"])
        // In use: the other store; the lines without --store read the default one, which is not it.
        XCTAssertEqual(ExportReferences.profiles(exporting: "prod", fromStore: other, defaultStorePath: store,
                                                 in: catalog), ["other-store", "other-store-equals"])
    }

    func testExportInvocationReadsACredentialProcessLine() {
        XCTAssertEqual(ExportInvocation(commandLine: "/x/credstore export --profile a --format credential-process"),
                       ExportInvocation(commandLine: "credstore export -p a"))
        XCTAssertEqual(ExportInvocation(commandLine: "credstore export -pa")?.profile, "a")
        XCTAssertEqual(ExportInvocation(commandLine: "credstore export --profile=a --store=/s")?.store, "/s")
        XCTAssertEqual(ExportInvocation(commandLine: "credstore export --store '/my store' -p a")?.store, "/my store")
        XCTAssertEqual(ExportInvocation(commandLine: "credstore export -p a --profile b")?.profile, "b")
        XCTAssertNil(ExportInvocation(commandLine: "credstore export --format json"), "no profile")
        XCTAssertNil(ExportInvocation(commandLine: "credstore get --profile a"))
        XCTAssertNil(ExportInvocation(commandLine: "/x/other export --profile a"))
        XCTAssertNil(ExportInvocation(commandLine: "'unbalanced"))
        XCTAssertNil(ExportInvocation(commandLine: "credstore export -- --profile a"), "after --, no option")
    }

    /// Security review, item 1: a place is a file, not a path string: the same file spelled another way is the same
    /// place, so its copy is not counted as one that stays.
    func testKeyCopiesComparePlacesAsFiles() throws {
        let directory = try temporaryDirectory()
        let credentials = directory + "/credentials"
        try Data("[solo]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = first\n".utf8)
            .write(to: URL(fileURLWithPath: credentials))
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: credentials)
        let copies = try KeyCopies(store: nil, sharedCatalogs: [SharedFileCatalog(path: credentials,
                                                                                  kind: .credentials)])
        for spelling in [credentials, directory + "/./credentials", directory + "//credentials", directory + "/link"] {
            let place = ProfilePlace(storeType: .sharedCredentialsFile, location: spelling, name: "solo")
            XCTAssertEqual(copies.keyPair(at: place)?.accessKeyID, "AKIAIOSFODNN7EXAMPLE", spelling)
            XCTAssertTrue(copies.isLastCopy(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                            secretAccessKey: SecretBytes(utf8: "first"), leaving: [place]), spelling)
        }
        XCTAssertTrue(FileIdentity.same(credentials, directory + "/link"))
        XCTAssertFalse(FileIdentity.same(credentials, directory + "/none"))
        XCTAssertTrue(FileIdentity.same(directory + "/none", directory + "/x/../none"), "missing files: by path")
    }

    private func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credstore-shapes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
