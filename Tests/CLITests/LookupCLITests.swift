import Foundation
import TestSupport
import XCTest

/// End-to-end tests of set / list / get / remove / default and the search order, running the built binary in a
/// temporary HOME with a key-file store (no terminal, no prompt).
final class LookupCLITests: XCTestCase {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let otherKeyID = "AKIAI44QH8DHBEXAMPLE"
    static let otherSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

    var home: TemporaryHome!
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        home = try TemporaryHome()
        environment = home.environment
        let created = try CLI.run(["init", "--key-file", home.path + "/store.key", "--no-passphrase"],
                                  environment: environment)
        XCTAssertEqual(created.status, 0, created.stderr)
        environment["CREDSTORE_KEY_FILE"] = home.path + "/store.key"
    }

    override func tearDown() { home = nil }

    /// Runs credstore and fails the test if any secret shows up in its output.
    @discardableResult
    func credstore(_ arguments: [String], stdin: String? = nil, env: [String: String]? = nil,
                   allowSecrets: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let result = try CLI.run(arguments, environment: env ?? environment, stdin: stdin)
        if !allowSecrets {
            for secret in [Self.secret, Self.otherSecret, "EXAMPLEKEY"] {
                XCTAssertFalse(result.stdout.contains(secret) || result.stderr.contains(secret),
                               "a secret appeared in the output of credstore \(arguments.joined(separator: " "))",
                               file: file, line: line)
            }
        }
        return result
    }

    func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(value as? [String: Any], file: file, line: line)
    }

    func writeSharedCredentials(_ text: String) throws {
        try home.write(text, to: ".aws/credentials")
    }

    static let sharedCredentials = """
        # my credentials, keep this comment
        [prod]
        aws_access_key_id = \(otherKeyID)
        aws_secret_access_key = \(otherSecret)

        [default]
        aws_access_key_id = \(otherKeyID)
        aws_secret_access_key = \(otherSecret)

        """

    // MARK: set / get / list

    func testSetThenGetRedactsUnlessAsked() throws {
        let set = try credstore(["set", "--profile", "prod", "--access-key", Self.keyID, "--region", "eu-west-1"],
                                stdin: Self.secret + "\n")
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertTrue(set.stdout.contains("Stored profile 'prod'"), set.stdout)

        let get = try credstore(["get", "--profile", "prod", "--json"])
        XCTAssertEqual(get.status, 0, get.stderr)
        let object = try json(get.stdout)
        XCTAssertEqual(object["AccessKeyId"] as? String, Self.keyID)
        XCTAssertEqual(object["SecretAccessKey"] as? String, "<redacted>")
        XCTAssertEqual(object["Region"] as? String, "eu-west-1")
        let source = try XCTUnwrap(object["Source"] as? [String: Any])
        XCTAssertEqual(source["StoreTypeName"] as? String, "SecureStore")
        XCTAssertEqual(source["Step"] as? String, "specifiedProfile")
        XCTAssertEqual(source["ProfileName"] as? String, "prod")

        let text = try credstore(["get", "--profile", "prod"])
        XCTAssertTrue(text.stdout.contains("SecretAccessKey:  <redacted>"), text.stdout)

        let shown = try credstore(["get", "--profile", "prod", "--show-secret", "--json"], allowSecrets: true)
        XCTAssertEqual(try json(shown.stdout)["SecretAccessKey"] as? String, Self.secret)
    }

    func testUpdatingReplacesKeysAndKeepsRegion() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID, "--region", "eu-west-1"],
                      stdin: Self.secret + "\n")
        let update = try credstore(["set", "--profile", "prod", "--access-key", Self.otherKeyID, "--force"],
                                   stdin: Self.otherSecret + "\n")
        XCTAssertTrue(update.stdout.contains("Updated profile 'prod'"), update.stdout)
        let shown = try json(try credstore(["get", "--profile", "prod", "--json", "--show-secret"],
                                           allowSecrets: true).stdout)
        XCTAssertEqual(shown["AccessKeyId"] as? String, Self.otherKeyID)
        XCTAssertEqual(shown["SecretAccessKey"] as? String, Self.otherSecret)
        XCTAssertEqual(shown["Region"] as? String, "eu-west-1")
    }

    func testSessionTokenAndExpiration() throws {
        let set = try credstore(["set", "--profile", "temp", "--access-key", Self.keyID, "--with-session-token",
                                 "--expiration", "2099-01-01T00:00:00Z"],
                                stdin: Self.secret + "\nFwoGZXIvYXdzEXAMPLETOKEN\n")
        XCTAssertEqual(set.status, 0, set.stderr)
        let object = try json(try credstore(["get", "--profile", "temp", "--json"]).stdout)
        XCTAssertEqual(object["SessionToken"] as? String, "<redacted>")
        XCTAssertEqual(object["Expiration"] as? String, "2099-01-01T00:00:00Z")
        let missing = try credstore(["set", "--profile", "temp", "--access-key", Self.keyID, "--with-session-token"],
                                    stdin: Self.secret + "\n")
        XCTAssertEqual(missing.status, 65, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("no session token on standard input"), missing.stderr)
    }

    /// A session token that is not UTF-8 text is refused by `set` (exit 65), not stored and later dropped.
    func testSetRefusesASessionTokenThatIsNotText() throws {
        var input = Data((Self.secret + "\n").utf8)
        input.append(contentsOf: [0xff, 0xfe, 0x0a])
        let result = try CLI.runProcess(CLI.executable, ["set", "--profile", "bin", "--access-key", Self.keyID,
                                                         "--with-session-token"],
                                        environment: environment, stdin: input)
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.stderr.contains("not valid UTF-8 text; nothing was stored"), result.stderr)
        XCTAssertEqual(try credstore(["get", "--profile", "bin"]).status, 66)
    }

    /// A key file `set` generates for a store it then cannot create is removed again, as `init` does.
    func testSetRemovesTheKeyFileItGeneratedWhenTheStoreCannotBeCreated() throws {
        let blocker = try home.write("a file, not a directory\n", to: "blocker")
        let keyPath = home.path + "/new.key"
        var env = environment
        env.removeValue(forKey: "CREDSTORE_KEY_FILE")
        let result = try credstore(["set", "--store", blocker + "/store", "--key-file", keyPath, "--profile", "p",
                                    "--access-key", Self.keyID], stdin: Self.secret + "\n", env: env)
        XCTAssertNotEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyPath), "the generated key file was left behind")
    }

    func testSetWithoutSecretFailsAtOnceAndSecretKeyFlagIsRefused() throws {
        let empty = try credstore(["set", "--profile", "p", "--access-key", Self.keyID])  // stdin is /dev/null
        XCTAssertEqual(empty.status, 65, empty.stderr)
        XCTAssertTrue(empty.stderr.hasPrefix("error: "), empty.stderr)
        // A secret in argv is refused, not stored, and the refusal does not echo it.
        let flagged = try credstore(["set", "--profile", "p", "--access-key", Self.keyID, "--secret-key", "inline"],
                                    stdin: Self.secret + "\n")
        XCTAssertEqual(flagged.status, 64, flagged.stderr)
        XCTAssertTrue(flagged.stderr.contains("error: --secret-key is not accepted"), flagged.stderr)
        XCTAssertTrue(flagged.stderr.contains("hint: pipe the secret on standard input"), flagged.stderr)
        XCTAssertFalse(flagged.stderr.contains("inline"), flagged.stderr)
        XCTAssertEqual(try credstore(["get", "--profile", "p"]).status, 66)
        XCTAssertFalse(try credstore(["set", "--help"]).stdout.contains("--secret-key"))
    }

    func testListShowsEveryStoreAndMarksTheOneTheSearchPicks() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try writeSharedCredentials(Self.sharedCredentials)
        try home.write("[profile dev]\nregion = us-east-2\n", to: ".aws/config")
        // Listing never unlocks: it works without any secret source.
        var locked = environment
        locked.removeValue(forKey: "CREDSTORE_KEY_FILE")
        let list = try credstore(["list", "--json"], env: locked)
        XCTAssertEqual(list.status, 0, list.stderr)
        let profiles = try XCTUnwrap(try json(list.stdout)["Profiles"] as? [[String: Any]])
        let rows = profiles.map {
            "\($0["ProfileName"]!)|\($0["StoreTypeName"]!)|\($0["Selected"] as? Bool == true)"
        }
        XCTAssertEqual(rows, [
            "prod|SecureStore|true", "prod|SharedCredentialsFile|false", "default|SharedCredentialsFile|true",
            "dev|SharedConfigFile|true",
        ])
        XCTAssertEqual(profiles[1]["ProfileLocation"] as? String, home.path + "/.aws/credentials")
        let table = try credstore(["list"], env: locked)
        XCTAssertTrue(table.stdout.contains("ProfileName"), table.stdout)
        XCTAssertTrue(table.stdout.contains("*  prod"), table.stdout)
    }

    // MARK: search order scenarios

    func testStoreBeatsSharedFileForTheSameName() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try writeSharedCredentials(Self.sharedCredentials)
        let object = try json(try credstore(["get", "--profile", "prod", "--json"]).stdout)
        XCTAssertEqual(object["AccessKeyId"] as? String, Self.keyID)
    }

    func testProfileLocationBypassesTheStore() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try writeSharedCredentials(Self.sharedCredentials)
        let path = home.path + "/.aws/credentials"
        let both = try json(try credstore(["get", "--profile", "prod", "--profile-location", path, "--json"]).stdout)
        XCTAssertEqual(both["AccessKeyId"] as? String, Self.otherKeyID)
        XCTAssertEqual((both["Source"] as? [String: Any])?["StoreTypeName"] as? String, "SharedCredentialsFile")
        // Location only: that file's default profile.
        try home.write("[default]\naws_access_key_id = AKIAIOSFODNN2EXAMPLE\naws_secret_access_key = x\n",
                       to: "elsewhere/creds")
        let only = try json(try credstore(["get", "--profile-location", home.path + "/elsewhere/creds", "--json"])
            .stdout)
        XCTAssertEqual(only["AccessKeyId"] as? String, "AKIAIOSFODNN2EXAMPLE")
        XCTAssertEqual((only["Source"] as? [String: Any])?["ProfileName"] as? String, "default")
        // A missing location is an error, not a fall-through.
        let missing = try credstore(["get", "--profile-location", home.path + "/nope"])
        XCTAssertEqual(missing.status, 66, missing.stderr)
    }

    func testUnknownNameIsAnErrorNamingEveryPlaceAndNeverFallsThrough() throws {
        try credstore(["set", "--profile", "default", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        var env = environment
        env["AWS_ACCESS_KEY_ID"] = Self.otherKeyID
        env["AWS_SECRET_ACCESS_KEY"] = Self.otherSecret
        let result = try credstore(["get", "--profile", "nope"], env: env)
        XCTAssertEqual(result.status, 66)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.hasPrefix("error: profile 'nope'"), result.stderr)
        for place in ["encrypted store", ".aws/credentials", ".aws/config"] {
            XCTAssertTrue(result.stderr.contains(place), "stderr does not name \(place): \(result.stderr)")
        }
        XCTAssertTrue(result.stderr.contains("hint: "), result.stderr)
        // The library says how the profile was chosen neutrally; the CLI's error table names the option and the
        // commands (README, "Using it").
        XCTAssertTrue(result.stderr.hasPrefix("error: profile 'nope' (from --profile) was not found; searched: "),
                      result.stderr)
        XCTAssertTrue(result.stderr.contains(
            "\nhint: check the name with 'credstore list', or create it with 'credstore set --profile NAME'\n"),
                      result.stderr)
        env["AWS_PROFILE"] = "gone"
        env.removeValue(forKey: "AWS_ACCESS_KEY_ID")
        env.removeValue(forKey: "AWS_SECRET_ACCESS_KEY")
        let unset = try credstore(["get"], env: env)
        XCTAssertEqual(unset.status, 66, unset.stderr)
        XCTAssertTrue(unset.stderr.hasPrefix("error: profile 'gone' (from AWS_PROFILE) was not found"), unset.stderr)
        XCTAssertTrue(unset.stderr.contains("\nhint: create the profile (credstore set --profile NAME), or unset "
            + "AWS_PROFILE\n"), unset.stderr)
    }

    func testEnvironmentBeatsAWSProfileAndDefaults() throws {
        try credstore(["set", "--profile", "default", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try credstore(["set", "--profile", "session", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        var env = environment
        env["AWS_ACCESS_KEY_ID"] = Self.otherKeyID
        env["AWS_SECRET_ACCESS_KEY"] = Self.otherSecret
        env["AWS_PROFILE"] = "session"
        let object = try json(try credstore(["get", "--json"], env: env).stdout)
        XCTAssertEqual(object["AccessKeyId"] as? String, Self.otherKeyID)
        XCTAssertEqual((object["Source"] as? [String: Any])?["StoreTypeName"] as? String, "Environment")
        env.removeValue(forKey: "AWS_ACCESS_KEY_ID")
        env.removeValue(forKey: "AWS_SECRET_ACCESS_KEY")
        let session = try json(try credstore(["get", "--json"], env: env).stdout)
        XCTAssertEqual((session["Source"] as? [String: Any])?["ProfileName"] as? String, "session")
        XCTAssertEqual((session["Source"] as? [String: Any])?["Step"] as? String, "sessionProfile")
    }

    func testDefaultChainStoreThenSharedThenPSDefault() throws {
        try credstore(["set", "--profile", "AWS PS Default", "--access-key", "AKIAIOSFODNN3EXAMPLE"],
                      stdin: Self.secret + "\n")
        func source() throws -> (String?, String?) {
            let object = try json(try credstore(["get", "--json"]).stdout)
            let source = object["Source"] as? [String: Any]
            return (source?["ProfileName"] as? String, source?["StoreTypeName"] as? String)
        }
        XCTAssertTrue(try source() == ("AWS PS Default", "SecureStore"))
        try writeSharedCredentials(Self.sharedCredentials)
        XCTAssertTrue(try source() == ("default", "SharedCredentialsFile"))
        try credstore(["set", "--profile", "default", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        XCTAssertTrue(try source() == ("default", "SecureStore"))
    }

    func testStoreThatCannotBeUnlockedNeverFallsThroughToPlaintext() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try writeSharedCredentials(Self.sharedCredentials)
        var locked = environment
        locked.removeValue(forKey: "CREDSTORE_KEY_FILE")
        let result = try credstore(["get", "--profile", "prod"], env: locked)
        XCTAssertEqual(result.status, 83, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("--key-file"), result.stderr)
        // A name the store does not hold needs no unlock at all.
        try home.write("[other]\naws_access_key_id = \(Self.otherKeyID)\naws_secret_access_key = x\n",
                       to: ".aws/credentials")
        XCTAssertEqual(try credstore(["get", "--profile", "other"], env: locked).status, 0)
    }

    func testWrongKeyFileHasItsOwnExitCode() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        let other = try TemporaryHome()
        XCTAssertEqual(try CLI.run(["init", "--key-file", other.path + "/k", "--no-passphrase",
                                    "--store", other.path + "/s"], environment: other.environment).status, 0)
        var env = environment
        env["CREDSTORE_KEY_FILE"] = other.path + "/k"
        let result = try credstore(["get", "--profile", "prod"], env: env)
        XCTAssertEqual(result.status, 80, result.stderr)
    }

    func testCredentialProcessProfilesFromTheConfigFile() throws {
        let script = try home.write("""
            #!/bin/sh
            printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' "$1" "\(Self.otherSecret)"

            """, to: "bin/creds")
        chmod(script, 0o755)
        let failing = try home.write("#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n", to: "bin/fails")
        chmod(failing, 0o755)
        try home.write("""
            [profile helper]
            credential_process = \(script) AKIAIOSFODNN4EXAMPLE
            region = ap-south-1
            [profile broken]
            credential_process = \(failing)

            """, to: ".aws/config")
        let object = try json(try credstore(["get", "--profile", "helper", "--json"]).stdout)
        XCTAssertEqual(object["AccessKeyId"] as? String, "AKIAIOSFODNN4EXAMPLE")
        XCTAssertEqual(object["Region"] as? String, "ap-south-1")
        XCTAssertEqual((object["Source"] as? [String: Any])?["StoreTypeName"] as? String, "CredentialProcess")
        let broken = try credstore(["get", "--profile", "broken"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("token expired, run login"), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("status 3"), broken.stderr)
    }

    // MARK: set --profile-location, remove, default

    func testSetIntoASharedFileKeepsComments() throws {
        try writeSharedCredentials(Self.sharedCredentials)
        let path = home.path + "/.aws/credentials"
        let result = try credstore(["set", "--profile", "new", "--access-key", Self.keyID, "--profile-location", path],
                                   stdin: Self.secret + "\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = try home.read(".aws/credentials")
        XCTAssertTrue(text.hasPrefix(Self.sharedCredentials), "existing lines changed")
        XCTAssertTrue(text.contains("[new]\naws_access_key_id = \(Self.keyID)\n"), "new profile missing")
        XCTAssertFalse(EncryptedStoreFile.holds("new", at: home.path + "/.local/share/credstore/store"))
    }

    func testRemovePicksTheSearchOrdersCopyAndAllStoresRemovesEvery() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        try writeSharedCredentials(Self.sharedCredentials)
        let first = try credstore(["remove", "--profile", "prod", "--force"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("encrypted store"), first.stdout)
        XCTAssertTrue(try home.read(".aws/credentials").contains("[prod]"))
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID], stdin: Self.secret + "\n")
        let all = try credstore(["remove", "--profile", "prod", "--all-stores", "--force", "--json"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual((try json(all.stdout)["Removed"] as? [Any])?.count, 2)
        let text = try home.read(".aws/credentials")
        XCTAssertFalse(text.contains("[prod]"))
        XCTAssertTrue(text.contains("# my credentials, keep this comment"))
        XCTAssertTrue(text.contains("[default]"))
        let missing = try credstore(["remove", "--profile", "prod"])
        XCTAssertEqual(missing.status, 66, missing.stderr)
    }

    func testDefaultCopiesAProfileAndSaysWhatItReplaced() throws {
        try credstore(["set", "--profile", "prod", "--access-key", Self.keyID, "--region", "eu-west-1"],
                      stdin: Self.secret + "\n")
        let first = try credstore(["default", "--profile", "prod"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("Made 'prod'"), first.stdout)
        try writeSharedCredentials(Self.sharedCredentials)
        let second = try credstore(["default", "--profile", "prod", "--region", "us-west-2", "--json"])
        let object = try json(second.stdout)
        XCTAssertEqual(object["ReplacedAccessKeyId"] as? String, Self.keyID)
        XCTAssertEqual(object["Region"] as? String, "us-west-2")
        let resolved = try json(try credstore(["get", "--json"]).stdout)
        XCTAssertEqual((resolved["Source"] as? [String: Any])?["StoreTypeName"] as? String, "SecureStore")
        XCTAssertEqual(resolved["Region"] as? String, "us-west-2")
        XCTAssertEqual(try credstore(["default", "--profile", "nope"]).status, 66)
    }

    func testEveryCommandHasFullSentenceHelp() throws {
        for command in ["init", "set", "list", "get", "remove", "default", "export", "exec", "shared-profiles",
                        "passwd", "keyslot"] {
            let help = try credstore([command, "--help"])
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.contains("OVERVIEW: ") && help.stdout.contains("."), "\(command) help")
        }
    }
}

/// Reads profile names from a store file the way `list` does (no unlock), through the binary.
enum EncryptedStoreFile {
    static func holds(_ name: String, at path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path),
              let result = try? CLI.run(["list", "--json", "--store", path],
                                        environment: ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        else { return false }
        return result.stdout.contains("\"\(name)\"")
    }
}

/// `set` on a machine with no store yet creates it, as `init` would.
final class FirstUseCLITests: XCTestCase {
    func testSetCreatesTheStoreAndGeneratesTheKeyFileOnFirstUse() throws {
        let home = try TemporaryHome()
        var environment = home.environment
        environment["CREDSTORE_KEY_FILE"] = home.path + "/new/store.key"
        let set = try CLI.run(["set", "--profile", "prod", "--access-key", "AKIAIOSFODNN7EXAMPLE"],
                              environment: environment, stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        XCTAssertEqual(set.status, 0, set.stderr)
        let key = try FileManager.default.attributesOfItem(atPath: home.path + "/new/store.key")
        XCTAssertEqual(key[.size] as? Int, 32)
        XCTAssertEqual(key[.posixPermissions] as? Int, 0o600)
        let store = try FileManager.default.attributesOfItem(atPath: home.path + "/.local/share/credstore/store")
        XCTAssertEqual(store[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try CLI.run(["get", "--profile", "prod"], environment: environment).status, 0)
        // Without any secret source and no terminal, first use fails at once instead of waiting.
        let other = try TemporaryHome()
        let refused = try CLI.run(["set", "--profile", "prod", "--access-key", "AKIAIOSFODNN7EXAMPLE"],
                                  environment: other.environment, stdin: "secret\n")
        XCTAssertEqual(refused.status, 83, refused.stderr)
    }
}
