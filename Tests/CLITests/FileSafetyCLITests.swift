import Foundation
import TestSupport
import XCTest

/// Issue 13 through the binary: items 1 (no secret into a file others can read or replace), 4 (shared files read like
/// the store), 5 (no trap on a huge file), 10 (absolute paths in the config), 11 (the store's directory, a new store
/// announced), 14 (a renamed record is caught when a key is at hand) and 16 (hard links, NUL bytes).
final class FileSafetyCLITests: XCTestCase {
    private static let otherUID: uid_t = 65534
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private static let credentials = "[prod]\naws_access_key_id = \(keyID)\naws_secret_access_key = \(secret)\n"
        + "[keep]\naws_access_key_id = AKIAKEEPEXAMPLE00000\naws_secret_access_key = keepxSECRETxEXAMPLE\n"

    private func assertNoSecret(_ result: CLIResult, _ context: String, file: StaticString = #filePath,
                                line: UInt = #line) {
        XCTAssertFalse(result.stdout.contains("wJalrXUtnFEMI") || result.stderr.contains("wJalrXUtnFEMI"), context,
                       file: file, line: line)
    }

    // MARK: - Item 1

    func testSetRemoveAndMigrateRefuseFilesOthersCanReadAndWriteNothing() throws {
        let home = try KeyFileHome()
        let shared = home.path + "/shared"
        XCTAssertEqual(mkdir(shared, 0o700), 0)
        let planted = shared + "/planted"
        XCTAssertTrue(FileManager.default.createFile(atPath: planted, contents: Data(Self.credentials.utf8)))
        chmod(planted, 0o666)
        let set = ["set", "--profile", "victim", "--access-key", Self.keyID, "--profile-location", planted]
        let viaEnvironment = ["AWS_SHARED_CREDENTIALS_FILE": planted]
        let commands: [(String, [String], [String: String])] = [
            ("set --profile-location", set, [:]),
            ("remove via AWS_SHARED_CREDENTIALS_FILE", ["remove", "--profile", "prod", "--force"], viaEnvironment),
            ("migrate --remove-plaintext", ["migrate", "--remove-plaintext", "--profile", "prod"], viaEnvironment),
        ]
        for (name, arguments, environment) in commands {
            let result = try home.run(arguments, environment: environment, stdin: Self.secret + "\n")
            XCTAssertEqual(result.status, 77, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error:") && result.stderr.contains("mode 666"),
                          "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("hint:") && result.stderr.contains("chmod 600 \(planted)"),
                          "\(name): \(result.stderr)")
            assertNoSecret(result, name)
            XCTAssertEqual(try String(contentsOfFile: planted, encoding: .utf8), Self.credentials, name)
            let temporaries = try FileManager.default.contentsOfDirectory(atPath: shared)
                .filter { $0.contains(".tmp-") }
            XCTAssertEqual(temporaries, [], name)
        }
        // A symbolic link to it (~/.aws/credentials -> planted): the same refusal.
        try FileManager.default.createDirectory(atPath: home.path + "/.aws", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(planted, home.credentialsPath), 0)
        let linked = try home.run(["set", "--profile", "victim", "--access-key", Self.keyID, "--profile-location",
                                   home.credentialsPath], stdin: Self.secret + "\n")
        XCTAssertEqual(linked.status, 77, linked.stderr)
        XCTAssertEqual(try String(contentsOfFile: planted, encoding: .utf8), Self.credentials)
    }

    func testAFilePlantedByAnotherUserOrInAnOpenDirectoryIsRefused() throws {
        try MissingPeer.requireRoot("the planted-file CLI test (it chowns files to another uid)")
        let home = try KeyFileHome()
        let planted = try home.home.write(Self.credentials, to: "planted/credentials")
        XCTAssertEqual(chown(planted, Self.otherUID, Self.otherUID), 0)
        let result = try home.run(["set", "--profile", "victim", "--access-key", Self.keyID, "--profile-location",
                                   planted], stdin: Self.secret + "\n")
        XCTAssertEqual(result.status, 77, result.stderr)
        XCTAssertTrue(result.stderr.contains("uid \(Self.otherUID)") && result.stderr.contains("chown"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: planted, encoding: .utf8), Self.credentials)

        let open = home.path + "/open"
        XCTAssertEqual(mkdir(open, 0o777), 0)
        chmod(open, 0o777)
        let inOpen = try home.run(["set", "--profile", "victim", "--access-key", Self.keyID, "--profile-location",
                                   open + "/credentials"], stdin: Self.secret + "\n")
        XCTAssertEqual(inOpen.status, 77, inOpen.stderr)
        XCTAssertTrue(inOpen.stderr.contains("chmod go-w \(open)"), inOpen.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: open), [], "nothing written")
    }

    func testReadingAWorldReadableCredentialsFileWorksWithOneWarning() throws {
        let home = try KeyFileHome()
        let path = try home.home.write(Self.credentials, to: ".aws/credentials")
        let quiet = try home.run(["get", "--profile", "prod"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("warning:"), quiet.stderr)
        chmod(path, 0o644)
        let result = try home.run(["get", "--profile", "prod"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(Self.keyID))
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 1, result.stderr)
        XCTAssertTrue(warnings.first?.contains("\(path) has mode 644") == true, result.stderr)
        assertNoSecret(result, "get")
        // A readable file without a secret (regions, role names) is common and harmless: no warning.
        _ = try home.home.write("[prod]\nregion = eu-west-1\n", to: ".aws/credentials")
        chmod(path, 0o644)
        let harmless = try home.run(["list"])
        XCTAssertEqual(harmless.status, 0, harmless.stderr)
        XCTAssertFalse(harmless.stderr.contains("warning:"), harmless.stderr)
    }

    // MARK: - Items 4 and 5

    func testDevicesFIFOsDirectoriesAndHugeFilesExit65WithoutHanging() throws {
        let home = try KeyFileHome()
        let fifo = home.path + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let huge = try home.home.write("", to: "huge")
        XCTAssertEqual(truncate(huge, 64 << 20 + 1), 0)  // sparse
        let started = Date()
        for path in ["/dev/zero", fifo, home.path, huge] {
            let located = try home.run(["get", "--profile", "prod", "--profile-location", path])
            XCTAssertEqual(located.status, 65, "--profile-location \(path): \(located.stderr)")
            XCTAssertTrue(located.stderr.contains("error:") && located.stderr.contains(path), located.stderr)
            let viaEnvironment = try home.run(["get", "--profile", "prod"],
                                              environment: ["AWS_SHARED_CREDENTIALS_FILE": path])
            XCTAssertEqual(viaEnvironment.status, 65, "AWS_SHARED_CREDENTIALS_FILE=\(path): \(viaEnvironment.stderr)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "nothing blocks on the FIFO")
    }

    // MARK: - Item 10

    func testRewiringWritesAnAbsoluteStorePath() throws {
        let home = try KeyFileHome()
        try home.home.write(Self.credentials, to: ".aws/credentials")
        try home.home.write("[profile prod]\nregion = eu-west-1\n", to: ".aws/config")
        let result = try CLI.run(["migrate", "--rewire-config", "--store", "relative/store"],
                                 environment: home.environment, currentDirectory: home.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        let config = try home.home.read(".aws/config")
        XCTAssertTrue(config.contains("--store \(home.path)/relative/store"), config)
        XCTAssertFalse(config.contains("--store relative/store"), config)
    }

    // MARK: - Item 11

    func testAStoreInADirectoryOthersCanWriteIsRefused() throws {
        let home = try KeyFileHome()
        try home.setProfile("prod", keyID: Self.keyID, secret: Self.secret)
        let directory = (home.storePath as NSString).deletingLastPathComponent
        chmod(directory, 0o777)
        for arguments in [["get", "--profile", "prod"], ["set", "--profile", "other", "--access-key", Self.keyID]] {
            let result = try home.run(arguments, stdin: Self.secret + "\n")
            XCTAssertEqual(result.status, 77, "\(arguments[0]): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(directory) && result.stderr.contains("chmod go-w"), result.stderr)
        }
        chmod(directory, 0o1777)  // sticky: nobody can move our store aside
        XCTAssertEqual(try home.run(["get", "--profile", "prod"]).status, 0)
        chmod(directory, 0o700)
    }

    func testSetSaysWhenItCreatesANewStore() throws {
        let home = try KeyFileHome()
        let first = try home.run(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("created a new store at \(home.storePath)"), first.stderr)
        let second = try home.run(["set", "--profile", "b", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertFalse(second.stderr.contains("created"), second.stderr)
        // Moved aside: the next set says it starts over instead of doing so silently.
        XCTAssertEqual(rename(home.storePath, home.storePath + ".moved"), 0)
        let third = try home.run(["set", "--profile", "c", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("created a new store at \(home.storePath)"), third.stderr)
    }

    // MARK: - Item 14

    /// Someone who can write the store file renames a record and recomputes the unkeyed checksum: with a key file at
    /// hand the lookup verifies the store before falling through to the plaintext profile of that name.
    func testARenamedRecordIsCaughtBeforeFallingThroughWhenAKeyIsAtHand() throws {
        let home = try KeyFileHome()
        try home.setProfile("prod", keyID: Self.keyID, secret: Self.secret)
        // A running agent that holds the store's key is a secret at hand too.
        XCTAssertEqual(try home.run(["unlock"]).status, 0)
        defer { _ = try? home.run(["lock"]) }  // the on-demand agent exits once it holds nothing
        try home.home.write("[prod]\naws_access_key_id = AKIAPLANTEDEXAMPLE00\naws_secret_access_key = x\n",
                            to: ".aws/credentials")
        let script = """
            import hashlib, sys
            path = sys.argv[1]
            data = bytearray(open(path, 'rb').read()[:-32])
            at = data.find(b'prod')
            assert at >= 0 and data.find(b'prod', at + 1) < 0
            data[at:at + 4] = b'prox'
            open(path, 'wb').write(bytes(data) + hashlib.sha256(bytes(data)).digest())
            """
        let python = try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, home.storePath],
                                        environment: home.environment)
        XCTAssertEqual(python.status, 0, python.stderr)
        let listed = try home.run(["list"])
        XCTAssertTrue(listed.stdout.contains("prox"), "the rename took: \(listed.stdout)")
        var environment = home.home.environment
        environment["CREDSTORE_KEY_FILE"] = nil
        let throughAgent = try CLI.run(["get", "--profile", "prod"], environment: environment)
        // The agent's key no longer authenticates the file (rotated or altered: it cannot tell): refused, forgotten.
        XCTAssertEqual(throughAgent.status, 80, "agent only: \(throughAgent.stdout) \(throughAgent.stderr)")
        XCTAssertTrue(throughAgent.stderr.contains("altered"), throughAgent.stderr)
        XCTAssertFalse(throughAgent.stdout.contains("AKIAPLANTED"))
        // With the key file: the authenticator fails (exit 81, corrupt).
        for arguments in [["get", "--profile", "prod"], ["export", "--profile", "prod"]] {
            let result = try home.run(arguments)
            XCTAssertEqual(result.status, 81, "\(arguments[0]): \(result.stdout) \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("AKIAPLANTED"), arguments[0])
        }
        // No secret at hand (no key file, agent or passphrase file): the names are taken as they are (SECURITY.md).
        let blind = try CLI.run(["get", "--profile", "prod"], environment: environment)
        XCTAssertEqual(blind.status, 0, blind.stderr)
        XCTAssertTrue(blind.stdout.contains("AKIAPLANTED"))
    }

    // MARK: - Item 16

    func testRemovingPlaintextFromAHardLinkedFileWarns() throws {
        let home = try KeyFileHome()
        try home.home.write(Self.credentials, to: ".aws/credentials")
        let other = home.path + "/backup-link"
        XCTAssertEqual(link(home.credentialsPath, other), 0)
        let result = try home.run(["migrate", "--remove-plaintext"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 1, result.stderr)
        XCTAssertTrue(warnings.first?.contains("\(home.credentialsPath) had 2 hard links") == true, result.stderr)
        assertNoSecret(result, "migrate")
        XCTAssertFalse(try home.home.read(".aws/credentials").contains("aws_secret_access_key"))
    }

    func testANULByteInASharedFileSecretIsRefusedByExportAndExec() throws {
        let home = try KeyFileHome()
        try home.home.write("[prod]\naws_access_key_id = \(Self.keyID)\naws_secret_access_key = wJalr\u{0}XUtnFEMI\n",
                            to: ".aws/credentials")
        for arguments in [["export", "--profile", "prod"], ["export", "--profile", "prod", "--format", "json"],
                          ["exec", "--profile", "prod", "--", "/usr/bin/env"]] {
            let result = try home.run(arguments)
            XCTAssertEqual(result.status, 65, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("NUL"), result.stderr)
            XCTAssertFalse(result.stdout.contains("wJalr"), "\(arguments)")
        }
    }
}
