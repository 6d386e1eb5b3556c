import Foundation
import XCTest
@testable import UnlockAgent

/// Issue 14 (a newcomer succeeds the first time), items 5, 9, 10, 11 and 12, end to end through the built binary in
/// a temporary HOME. Commands run under `setsid -w` (CLI.run): there is never a terminal to prompt on.
final class NewcomerCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private var home: KeyFileHome!

    override func setUpWithError() throws {
        home = try KeyFileHome()
    }

    override func tearDown() {
        if let state = try? AgentClient(environment: home.environment).status() { kill(state.processID, SIGTERM) }
        home = nil
    }

    private func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    private func writePrivate(_ contents: String, _ name: String) throws -> String {
        let path = try home.home.write(contents, to: "secrets/" + name)
        chmod(path, 0o600)
        return path
    }

    // MARK: item 10: CLI edges

    func testAnUnknownCommandSuggestsTheNearestOne() throws {
        let typo = try home.run(["lst"])
        XCTAssertEqual(typo.status, 64, typo.stderr)
        XCTAssertTrue(typo.stderr.hasPrefix("error: unknown command 'lst'"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("did you mean 'credstore list'?"), typo.stderr)

        let nested = try home.run(["keyslot", "lst"])
        XCTAssertEqual(nested.status, 64, nested.stderr)
        XCTAssertTrue(nested.stderr.contains("did you mean 'credstore keyslot list'?"), nested.stderr)

        let alias = try home.run(["resolve", "--profile", "nope"])
        XCTAssertEqual(alias.status, 66, "an alias is a known command: \(alias.stderr)")
    }

    func testHelpForAnUnknownCommandIsAUsageError() throws {
        let unknown = try home.run(["help", "nope"])
        XCTAssertEqual(unknown.status, 64, unknown.stdout + unknown.stderr)
        XCTAssertEqual(unknown.stdout, "", "no main help for an unknown command")
        XCTAssertTrue(unknown.stderr.hasPrefix("error: unknown command 'nope'"), unknown.stderr)

        let known = try home.run(["help", "keyslot", "list"])
        XCTAssertEqual(known.status, 0, known.stderr)
        XCTAssertTrue(known.stdout.contains("--key-file"), known.stdout)
    }

    func testExecWithoutDashDashSaysWhereItGoes() throws {
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret)
        let result = try home.run(["exec", "--profile", "p", "aws", "sts", "get-caller-identity"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: exec: put '--' before the command"), result.stderr)
        XCTAssertTrue(result.stderr.contains("credstore exec [--profile NAME] -- COMMAND"), result.stderr)
    }

    func testDashPIsProfile() throws {
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret, region: "eu-west-1")
        for command in [["get", "-p", "p", "--json"], ["export", "-p", "p", "--format", "json"]] {
            let result = try home.run(command)
            XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
            let object = try XCTUnwrap(try json(result.stdout) as? [String: Any])
            XCTAssertEqual(object["AccessKeyId"] as? String, Self.keyID)
        }
        let exec = try home.run(["exec", "-p", "p", "--", "/usr/bin/printenv", "AWS_REGION"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "eu-west-1\n")
    }

    /// Every failure prints `error:` (ArgumentParser's own `Error:` included) and never `Error:`.
    func testErrorsHaveOneForm() throws {
        for arguments in [["list", "--names", "--json"], ["get", "--no-such-option"], ["unlock", "--timeout", "9y"],
                          ["keyslot", "add", "--bind-to-machine"], ["remove"], ["export", "--format", "xml"],
                          ["get", "--profile"], ["lst"], ["exec"]] {
            let result = try home.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Error:"), "\(arguments): \(result.stderr)")
        }
    }

    // MARK: item 11: JSON

    /// Member names of every JSON object credstore prints, recursively (values of `shared-profiles` are not names).
    private func memberNames(_ value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.keys.sorted() + object.values.flatMap(memberNames)
        }
        if let array = value as? [Any] { return array.flatMap(memberNames) }
        return []
    }

    func testJSONIsPascalCaseEverywhere() throws {
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret, region: "eu-west-1")
        try home.home.write("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = p\n",
                            to: ".aws/config")
        var names: [String: [String]] = [:]
        for arguments in [["keyslot", "list", "--json"], ["agent", "--status", "--json"], ["list", "--json"],
                          ["get", "--profile", "p", "--json"], ["export", "--profile", "p", "--format", "json"],
                          ["migrate", "--dry-run", "--json"],
                          ["keyslot", "list", "--json", "--key-file", home.keyPath]] {
            let result = try home.run(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            names[arguments.joined(separator: " ")] = memberNames(try json(result.stdout))
        }
        for (command, members) in names {
            XCTAssertFalse(members.isEmpty, command)
            for name in members {
                XCTAssertTrue(name.first?.isUppercase == true, "\(command): '\(name)' is not PascalCase")
            }
        }
    }

    func testExportAndGetPrintTheSameSource() throws {
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret)
        let get = try XCTUnwrap(try json(try home.run(["get", "--profile", "p", "--json"]).stdout) as? [String: Any])
        let export = try XCTUnwrap(try json(try home.run(["export", "--profile", "p", "--format", "json"]).stdout)
                                   as? [String: Any])
        let fromGet = try XCTUnwrap(get["Source"] as? NSDictionary)
        let fromExport = try XCTUnwrap(export["Source"] as? NSDictionary, "Source is one object in both")
        XCTAssertEqual(fromGet, fromExport)
        XCTAssertEqual(fromGet["Step"] as? String, "specifiedProfile")
        XCTAssertTrue((fromGet["Description"] as? String)?.contains(home.storePath) == true)
    }

    func testUnlockAndLockPrintJSON() throws {
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret)
        let unlock = try home.run(["unlock", "--timeout", "2m", "--json"])
        XCTAssertEqual(unlock.status, 0, unlock.stderr)
        let unlocked = try XCTUnwrap(try json(unlock.stdout) as? [String: Any])
        XCTAssertEqual(unlocked["TimeoutSeconds"] as? Int, 120)
        XCTAssertEqual(unlocked["Store"] as? String, home.storePath)
        XCTAssertNotNil(unlocked["Socket"] as? String)

        let lock = try home.run(["lock", "--json"])
        XCTAssertEqual(lock.status, 0, lock.stderr)
        let locked = try XCTUnwrap(try json(lock.stdout) as? [String: Any])
        XCTAssertEqual(locked["KeysForgotten"] as? Int, 1)
        XCTAssertEqual(locked["AgentRunning"] as? Bool, true)
        XCTAssertEqual(try home.run(["agent", "--stop"]).status, 0)
        let none = try XCTUnwrap(try json(try home.run(["lock", "--json"]).stdout) as? [String: Any])
        XCTAssertEqual(none["AgentRunning"] as? Bool, false)
    }

    /// Every member name any `--json` output has is documented in README.md's JSON section.
    func testEveryJSONShapeIsDocumented() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "### JSON output").map { String(readme[$0.lowerBound...]) },
                                    "README.md has a 'JSON output' section")
        let body = section.components(separatedBy: "\n## ").first ?? section
        try home.setProfile("p", keyID: Self.keyID, secret: Self.secret)
        XCTAssertEqual(try home.run(["unlock", "--json"]).status, 0)
        var outputs = [["keyslot", "list", "--json", "--key-file", home.keyPath], ["agent", "--status", "--json"],
                       ["list", "--json"], ["get", "--profile", "p", "--json"], ["lock", "--json"],
                       ["export", "--profile", "p", "--format", "json"], ["migrate", "--dry-run", "--json"]]
        outputs.insert(["unlock", "--json"], at: 0)
        outputs += [["set", "--profile", "q", "--access-key", Self.keyID, "--json"],
                    ["default", "--profile", "q", "--json"], ["remove", "--profile", "q", "--force", "--json"]]
        for arguments in outputs {
            let result = try home.run(arguments, stdin: arguments[0] == "set" ? Self.secret + "\n" : nil)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            for name in Set(memberNames(try json(result.stdout))) {
                XCTAssertTrue(body.contains("\"\(name)\"") || body.contains("`\(name)`"),
                              "\(arguments): '\(name)' is not documented in README.md's JSON section")
            }
            XCTAssertTrue(body.contains(arguments.prefix(2).joined(separator: " ")) || body.contains(arguments[0]),
                          "\(arguments) is not named in the JSON section")
        }
        _ = try home.run(["agent", "--stop"])
    }

    // MARK: item 9: list and migrate tell the truth

    func testListShowsWhatEachProfileIsAndNotTheSectionsMigrateEmptied() throws {
        try home.home.write("""
            [ci]
            aws_access_key_id = \(Self.keyID)
            aws_secret_access_key = \(Self.secret)
            [temp]
            aws_access_key_id = ASIAIOSFODNN7EXAMPLE
            aws_secret_access_key = \(Self.secret)
            aws_session_token = FwoGZXIvYXdzEXAMPLETOKEN
            [empty]

            """, to: ".aws/credentials")
        try home.home.write("""
            [profile role]
            role_arn = arn:aws:iam::123456789012:role/Admin
            source_profile = ci
            [profile sso]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = Admin
            [sso-session corp]
            sso_start_url = https://example.awsapps.com/start
            sso_region = us-east-1
            [profile proc]
            credential_process = /bin/echo nothing
            [profile dev]
            region = eu-west-1

            """, to: ".aws/config")
        func kinds() throws -> [String] {
            let result = try home.run(["list", "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let profiles = try XCTUnwrap((try json(result.stdout) as? [String: Any])?["Profiles"] as? [[String: Any]])
            return profiles.map { "\($0["ProfileName"]!)|\($0["StoreTypeName"]!)|\($0["Kind"] ?? "-")" }
        }
        XCTAssertEqual(try kinds(), [
            "ci|SharedCredentialsFile|keys", "temp|SharedCredentialsFile|session", "role|SharedConfigFile|role",
            "sso|SharedConfigFile|sso", "proc|SharedConfigFile|process", "dev|SharedConfigFile|settings",
        ])
        let table = try home.run(["list"])
        XCTAssertTrue(table.stdout.hasPrefix("   ProfileName  Kind      StoreTypeName"), table.stdout)
        XCTAssertTrue(table.stdout.contains("*  role         role      SharedConfigFile"), table.stdout)

        let migrated = try home.run(["migrate", "--profile", "ci", "--remove-plaintext", "--rewire-config"])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertTrue(try home.home.read(".aws/credentials").contains("[ci]"), "migrate leaves the section header")
        XCTAssertEqual(try kinds(), [
            "ci|SecureStore|keys", "temp|SharedCredentialsFile|session", "role|SharedConfigFile|role",
            "sso|SharedConfigFile|sso", "proc|SharedConfigFile|process", "dev|SharedConfigFile|settings",
            "ci|SharedConfigFile|process",
        ])
        XCTAssertEqual(try home.run(["list", "--names"]).stdout, "ci\ntemp\nrole\nsso\nproc\ndev\n")
    }

    func testMigrateDryRunSaysWouldMigrate() throws {
        try home.home.write("[ci]\naws_access_key_id = \(Self.keyID)\naws_secret_access_key = \(Self.secret)\n",
                            to: ".aws/credentials")
        let dry = try home.run(["migrate", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let row = try XCTUnwrap(dry.stdout.split(separator: "\n").first { $0.hasPrefix("ci ") }, dry.stdout)
        XCTAssertTrue(row.contains("would migrate"), String(row))
        XCTAssertTrue(row.contains("access key \(Self.keyID) would be imported"), String(row))
        XCTAssertFalse(row.contains(" migrated "), String(row))
        let real = try home.run(["migrate"])
        XCTAssertTrue(real.stdout.contains("ci       migrated"), real.stdout)
    }

    // MARK: item 5: rewiring into a store that will prompt, or to a binary that will vanish

    func testRewireConfigWarnsAboutAPassphraseOnlyStoreAndABuildDirectory() throws {
        let passphrase = try writePrivate("newcomer passphrase\n", "p")
        let only = home.home.environment.merging(["CREDSTORE_PASSPHRASE_FILE": passphrase]) { $1 }
        XCTAssertEqual(try CLI.run(["init", "--passphrase-file", passphrase], environment: only).status, 0)
        try home.home.write("[ci]\naws_access_key_id = \(Self.keyID)\naws_secret_access_key = \(Self.secret)\n",
                            to: ".aws/credentials")
        let migrated = try CLI.run(["migrate", "--rewire-config"], environment: only)
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertTrue(migrated.stderr.contains("warning: the store \(home.storePath) opens only with a passphrase"),
                      migrated.stderr)
        XCTAssertTrue(migrated.stderr.contains("exit 83"), migrated.stderr)
        XCTAssertTrue(migrated.stderr.contains("credstore keyslot add --new-key-file"), migrated.stderr)
        XCTAssertTrue(migrated.stderr.contains("'credstore unlock'"), migrated.stderr)
        // The test binary is SwiftPM's, in .build/: the credential_process it wrote will not survive a clean.
        XCTAssertTrue(CLI.executable.path.contains("/.build/"))
        XCTAssertTrue(migrated.stderr.contains("warning: credential_process runs \(CLI.executable.path), in a build "
                                               + "or temporary directory"), migrated.stderr)

        // With a key-file slot, no passphrase warning; without --rewire-config, no warning at all.
        XCTAssertEqual(try CLI.run(["keyslot", "add", "--new-key-file", home.path + "/k"], environment: only).status, 0)
        let again = try CLI.run(["migrate", "--rewire-config", "--overwrite"], environment: only)
        XCTAssertFalse(again.stderr.contains("opens only with a passphrase"), again.stderr)
        XCTAssertFalse(try CLI.run(["migrate"], environment: only).stderr.contains("warning:"))
    }

    func testNoSecretSourceHintNamesUnlockAndTheAgent() throws {
        let passphrase = try writePrivate("newcomer passphrase\n", "p")
        XCTAssertEqual(try CLI.run(["init", "--passphrase-file", passphrase], environment: home.home.environment)
                        .status, 0)
        try home.home.write("[p]\naws_access_key_id = \(Self.keyID)\naws_secret_access_key = \(Self.secret)\n",
                            to: ".aws/credentials")
        XCTAssertEqual(try CLI.run(["migrate", "--passphrase-file", passphrase, "--remove-plaintext"],
                                   environment: home.home.environment).status, 0)
        let result = try CLI.run(["export", "--profile", "p", "--format", "credential-process"],
                                 environment: home.home.environment)
        XCTAssertEqual(result.status, 83, result.stderr)
        let hint = try XCTUnwrap(result.stderr.split(separator: "\n").first { $0.hasPrefix("hint: ") })
        XCTAssertTrue(hint.contains("'credstore unlock'"), String(hint))
        XCTAssertTrue(hint.contains("unlock agent"), String(hint))
    }

    // MARK: item 12: which key file opens which slot; documents that exist

    func testKeySlotListMarksTheSlotAKeyFileOpens() throws {
        let passphrase = try writePrivate("newcomer passphrase\n", "p")
        let first = home.path + "/k1", second = home.path + "/k2"
        XCTAssertEqual(try CLI.run(["init", "--passphrase-file", passphrase, "--key-file", first],
                                   environment: home.home.environment).status, 0)
        XCTAssertEqual(try CLI.run(["keyslot", "add", "--key-file", first, "--new-key-file", second],
                                   environment: home.home.environment).status, 0)
        let table = try CLI.run(["keyslot", "list", "--key-file", second], environment: home.home.environment)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertEqual(table.stdout, """
               SLOT  KIND        KDF
               0     passphrase  scrypt N=2^17 r=8 p=1
               1     key-file    HKDF-SHA256
            *  2     key-file    HKDF-SHA256
            * the key file \(second) opens slot 2.

            """)
        let json = try CLI.run(["keyslot", "list", "--json", "--key-file", first], environment: home.home.environment)
        let slots = try XCTUnwrap(try self.json(json.stdout) as? [[String: Any]])
        XCTAssertEqual(slots.map { $0["OpenedByKeyFile"] as? Bool }, [false, true, false])

        let stranger = try writePrivate(String(repeating: "x", count: 32), "stranger")
        let none = try CLI.run(["keyslot", "list", "--key-file", stranger], environment: home.home.environment)
        XCTAssertEqual(none.status, 80, none.stderr)
        XCTAssertTrue(none.stderr.contains("opens none of the key slots"), none.stderr)
        XCTAssertTrue(none.stdout.contains("SLOT"), "the slots are listed all the same")
    }

    /// The repository root (this file is Tests/CLITests/NewcomerCLITests.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every relative link of the Markdown documents points at a file of the repository, and at a heading of it.
    func testDocumentLinksResolve() throws {
        let root = Self.repository
        let documents = ["README.md", "SECURITY.md", "FORMAT.md"]
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        for document in documents {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            for match in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = String(text[Range(match.range(at: 1), in: text)!])
                if target.hasPrefix("http") { continue }
                let parts = target.split(separator: "#", maxSplits: 1).map(String.init)
                let file = target.hasPrefix("#") ? document : parts[0]
                let path = root.appendingPathComponent(file).path
                XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(document): \(target) does not exist")
                guard let anchor = target.hasPrefix("#") ? parts.first : parts.dropFirst().first,
                      let linked = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                let anchors = linked.split(separator: "\n").filter { $0.hasPrefix("#") }.map { heading in
                    heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                        .filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" }
                        .replacingOccurrences(of: " ", with: "-")
                }
                XCTAssertTrue(anchors.contains(anchor), "\(document): \(target): no heading '#\(anchor)' in \(file)")
            }
        }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertFalse(readme.contains("DESIGN.md"), "README.md cites DESIGN.md, which is not in the repository")
        XCTAssertTrue(readme.contains("docs/ARCHITECTURE.md"))
        XCTAssertTrue(readme.contains("--generate-completion-script"), "shell completion is documented")
    }
}
