import Foundation
import SecureStore
import TestSupport
import XCTest

/// `credstore sessions` (list, clear, configure), the Session and Kind columns of `list`, the session-only refusal of
/// `export`/`exec`/`get`, and no session token in plain text anywhere under HOME. The cache is filled through the
/// library (`SessionCache`): making sessions through STS is another room's.
final class SessionsCLITests: XCTestCase {
    private let keyID = ExampleKeys.accessKeyID
    private let secret = ExampleKeys.secretAccessKey
    static let token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyzCLITESTS0123456789"
    static let sessionSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSESSIONKEY"

    /// Stores sessions for the home's store through the library, as the STS side will.
    private func fill(_ home: KeyFileHome, _ sessions: [CachedSession]) throws {
        let store = try EncryptedStore.open(at: home.storePath, with: .keyFile(try KeyFile.read(at: home.keyPath)))
        let cache = SessionCache(store: store)
        for session in sessions { try cache.store(session) }
    }

    private func session(_ kind: CachedSession.Kind, profile: String, keyID: String, in seconds: Double,
                         source: String? = nil) -> CachedSession {
        let now = Date()
        return CachedSession(
            kind: kind, profile: profile, accessKeyID: keyID, secretAccessKey: SecretBytes(utf8: Self.sessionSecret),
            sessionToken: SecretBytes(utf8: Self.token + keyID), expiration: now.addingTimeInterval(seconds),
            created: now, sourceProfile: source,
            roleARN: kind == .roleSession ? "arn:aws:iam::123456789012:role/admin" : nil,
            roleSessionName: kind == .roleSession ? "credstore-test" : nil,
            mfaSerial: kind == .mfaSession ? "arn:aws:iam::123456789012:mfa/dev" : nil,
            sourceIdentity: keyID)
    }

    private func standardHome() throws -> KeyFileHome {
        let home = try KeyFileHome()
        try home.setProfile("dev", keyID: keyID, secret: secret, region: "eu-west-1")
        try fill(home, [
            session(.roleSession, profile: "prod-admin", keyID: "ASIAROLEEXAMPLE00001", in: 3600, source: "dev"),
            session(.mfaSession, profile: "dev", keyID: "ASIAMFAEXAMPLE000001", in: 7200),
            session(.plainSession, profile: "stale", keyID: "ASIASTALEEXAMPLE0001", in: 300),
        ])
        try home.home.write("[profile prod-admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
                            + "source_profile = dev\n", to: ".aws/config")
        return home
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func assertNoSecrets(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for forbidden in [Self.token, Self.sessionSecret, secret] {
            XCTAssertFalse(text.contains(forbidden), "a secret was printed", file: file, line: line)
        }
    }

    func testSessionsListsEveryCachedSessionWithoutSecrets() throws {
        let home = try standardHome()
        let table = try home.run(["sessions"])
        XCTAssertEqual(table.status, 0, table.stderr)
        for expected in ["ProfileName", "Role/MFA", "TimeLeft", "prod-admin", "role",
                         "arn:aws:iam::123456789012:role/admin", "ASIAROLEEXAMPLE00001", "mfa",
                         "arn:aws:iam::123456789012:mfa/dev", "ASIAMFAEXAMPLE000001", "session", "(renew)"] {
            XCTAssertTrue(table.stdout.contains(expected), "\(expected) in:\n\(table.stdout)")
        }
        assertNoSecrets(table.stdout + table.stderr)
        let listed = try home.run(["sessions", "list", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        assertNoSecrets(listed.stdout)
        let sessions = try XCTUnwrap(try json(listed.stdout)["Sessions"] as? [[String: Any]])
        XCTAssertEqual(sessions.count, 3)
        let byKey = Dictionary(uniqueKeysWithValues: sessions.map { ($0["AccessKeyId"] as? String ?? "", $0) })
        let role = try XCTUnwrap(byKey["ASIAROLEEXAMPLE00001"])
        XCTAssertEqual(role["ProfileName"] as? String, "prod-admin")
        XCTAssertEqual(role["Kind"] as? String, "role")
        XCTAssertEqual(role["RoleArn"] as? String, "arn:aws:iam::123456789012:role/admin")
        XCTAssertEqual(role["SourceProfile"] as? String, "dev")
        XCTAssertEqual(role["Live"] as? Bool, true)
        XCTAssertGreaterThan(role["SecondsLeft"] as? Int ?? 0, 3000)
        XCTAssertEqual(byKey["ASIAMFAEXAMPLE000001"]?["MfaSerial"] as? String, "arn:aws:iam::123456789012:mfa/dev")
        XCTAssertEqual(byKey["ASIASTALEEXAMPLE0001"]?["Live"] as? Bool, false, "inside the 15-minute window")
        // The environment's window decides: with 60 s the stale session is live again.
        let short = try home.run(["sessions", "--json"], environment: ["CREDSTORE_SESSION_REFRESH_WINDOW": "60"])
        let shortSessions = try XCTUnwrap(try json(short.stdout)["Sessions"] as? [[String: Any]])
        XCTAssertEqual(shortSessions.filter { $0["Live"] as? Bool == true }.count, 3)
    }

    func testListShowsKindsAndLiveSessionExpiry() throws {
        let home = try standardHome()
        XCTAssertEqual(try home.run(["sessions", "configure", "--profile", "dev", "--session-only"]).status, 0)
        let listed = try home.run(["list", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let object = try json(listed.stdout)
        XCTAssertEqual(object["SessionsKnown"] as? Bool, true)
        let profiles = try XCTUnwrap(object["Profiles"] as? [[String: Any]])
        let dev = try XCTUnwrap(profiles.first { $0["ProfileName"] as? String == "dev" })
        XCTAssertEqual(dev["Kind"] as? String, "session-only")
        XCTAssertNotNil(dev["SessionExpiration"] as? String, "dev's live MFA session")
        let role = try XCTUnwrap(profiles.first { $0["ProfileName"] as? String == "prod-admin" })
        XCTAssertEqual(role["Kind"] as? String, "role")
        XCTAssertNotNil(role["SessionExpiration"] as? String)
        let table = try home.run(["list"])
        XCTAssertTrue(table.stdout.contains("Session"), table.stdout)
        XCTAssertTrue(table.stdout.contains("session-only"), table.stdout)
        XCTAssertTrue(table.stdout.contains(" (1h"), "dev's session has about 2 h left:\n\(table.stdout)")
        // Without a secret at hand nothing is asked: the store's kinds and the sessions are unknown.
        let locked = try CLI.run(["list", "--json"], environment: home.home.environment)
        XCTAssertEqual(locked.status, 0, locked.stderr)
        let lockedObject = try json(locked.stdout)
        XCTAssertEqual(lockedObject["SessionsKnown"] as? Bool, false)
        let lockedTable = try CLI.run(["list"], environment: home.home.environment)
        XCTAssertTrue(lockedTable.stdout.contains("locked"), lockedTable.stdout)
        assertNoSecrets(listed.stdout + table.stdout + locked.stdout + lockedTable.stdout)
    }

    func testClearRemovesOneProfilesSessionsOrTheWholeCache() throws {
        let home = try standardHome()
        let one = try home.run(["sessions", "clear", "--profile", "dev"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("Removed 2 cached sessions"), one.stdout)
        let left = try XCTUnwrap(try json(try home.run(["sessions", "--json"]).stdout)["Sessions"] as? [[String: Any]])
        XCTAssertEqual(left.map { $0["ProfileName"] as? String }, ["stale"])
        let all = try CLI.run(["sessions", "clear"], environment: home.home.environment)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.storePath + ".sessions"))
        XCTAssertEqual(try home.run(["sessions"]).stdout, "No cached sessions.\n")
    }

    func testADamagedCacheIsReportedNeverBreaksOtherCommandsAndIsCleared() throws {
        let home = try standardHome()
        let cachePath = home.storePath + ".sessions"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cachePath)))
        bytes[100] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: cachePath))
        let listed = try home.run(["sessions"])
        XCTAssertEqual(listed.status, 81, listed.stderr)
        XCTAssertTrue(listed.stderr.contains("credstore sessions clear"), listed.stderr)
        XCTAssertTrue(listed.stderr.contains("store itself is not affected"), listed.stderr)
        let list = try home.run(["list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stderr.contains("sessions clear"), list.stderr)
        let export = try home.run(["export", "--profile", "dev", "--format", "json"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(try CLI.run(["sessions", "clear"], environment: home.home.environment).status, 0)
        XCTAssertEqual(try home.run(["sessions"]).status, 0)
    }

    func testASessionOnlyProfileIsRefusedUnlessNoSessionIsGiven() throws {
        let home = try KeyFileHome()
        try home.setProfile("dev", keyID: keyID, secret: secret)
        let set = try home.run(["sessions", "configure", "--profile", "dev", "--session-only",
                                "--refresh-window", "5m"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertTrue(set.stdout.contains("session-only"), set.stdout)
        // Such a profile gets a GetSessionToken session instead of its key (RoleSessionCLITests runs that against
        // moto); here STS cannot be reached, so every command fails (exit 69) and the long-lived key never leaves.
        let offline = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"]
        let refusals = [
            ["export", "--profile", "dev"],
            ["export", "--profile", "dev", "--format", "env"],
            ["exec", "--profile", "dev", "--", "/bin/true"],
            ["get", "--profile", "dev", "--show-secret"],
        ]
        for arguments in refusals {
            let refused = try home.run(arguments, environment: offline)
            XCTAssertEqual(refused.status, 69, "\(arguments): \(refused.stderr)")
            XCTAssertEqual(refused.stdout, "", "\(arguments)")
            XCTAssertTrue(refused.stderr.contains("GetSessionToken"), refused.stderr)
            assertNoSecrets(refused.stderr)
        }
        // `default` copies the key inside the store and the choice with it: the copy is session-only too.
        let copied = try home.run(["default", "--profile", "dev"])
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertEqual(try home.run(["export", "--profile", "default"], environment: offline).status, 69,
                       "the copy keeps the choice")
        XCTAssertEqual(try home.run(["export", "--profile", "default", "--no-session"]).status, 0)
        // Through AWS_PROFILE too: the rule is the lookup's, not one command's.
        let viaEnvironment = try home.run(["export"], environment: offline.merging(["AWS_PROFILE": "dev"]) { $1 })
        XCTAssertEqual(viaEnvironment.status, 69, viaEnvironment.stderr)
        let asked = try home.run(["export", "--profile", "dev", "--format", "json", "--no-session"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        XCTAssertTrue(asked.stdout.contains(secret))
        XCTAssertFalse(asked.stdout.contains("credstore_"), "reserved settings are not AWS settings")
        let got = try home.run(["get", "--profile", "dev", "--json", "--no-session"])
        XCTAssertEqual(got.status, 0, got.stderr)
        XCTAssertFalse(got.stdout.contains("credstore_"))
        let execAsked = try home.run(["exec", "--profile", "dev", "--no-session", "--", "/bin/sh", "-c",
                                      "test \"$AWS_ACCESS_KEY_ID\" = \(keyID)"])
        XCTAssertEqual(execAsked.status, 0, execAsked.stderr)
        XCTAssertEqual(try home.run(["sessions", "configure", "--profile", "dev", "--no-session-only"]).status, 0)
        XCTAssertEqual(try home.run(["export", "--profile", "dev"]).status, 0)
        // A plaintext file cannot switch the choice on: `credstore_` keys there are not credstore's settings.
        try home.home.write("[plain]\naws_access_key_id = \(keyID)\naws_secret_access_key = \(secret)\n"
                            + "credstore_session_only = true\n", to: ".aws/credentials")
        XCTAssertEqual(try home.run(["export", "--profile", "plain"]).status, 0)
        let migrated = try home.run(["migrate", "--profile", "plain"])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertEqual(try home.run(["export", "--profile", "plain", "--format", "json"]).status, 0,
                       "a credstore_ key of a plaintext file is not imported as credstore's setting")
    }

    func testReservedSettingsNeverReachTheSharedFiles() throws {
        let home = try KeyFileHome()
        try home.home.write("[dev]\naws_access_key_id = \(keyID)\naws_secret_access_key = \(secret)\n",
                            to: ".aws/credentials")
        XCTAssertEqual(try home.run(["migrate", "--profile", "dev"]).status, 0)
        XCTAssertEqual(try home.run(["sessions", "configure", "--profile", "dev", "--refresh-window", "1h"]).status, 0)
        try home.home.write("[dev]\naws_access_key_id = \(keyID)\naws_secret_access_key = \(secret)\nregion = x\n",
                            to: ".aws/credentials")
        let again = try home.run(["migrate", "--profile", "dev", "--remove-plaintext"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for file in [home.credentialsPath, home.configPath] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            XCTAssertFalse(text.contains("credstore_"), "\(file):\n\(text)")
        }
        let shown = try home.run(["sessions", "configure", "--profile", "dev"])
        XCTAssertTrue(shown.stdout.contains("refresh window 1h"),
                      "migrate kept the store's own settings: \(shown.stdout)")
    }

    func testRekeyDropsTheSessionCacheAndSaysSo() throws {
        let home = try standardHome()
        let rekeyed = try home.run(["rekey"])
        XCTAssertEqual(rekeyed.status, 0, rekeyed.stderr)
        XCTAssertTrue(rekeyed.stdout.contains("the session cache dropped"), rekeyed.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.storePath + ".sessions"))
        XCTAssertEqual(try home.run(["sessions"]).stdout, "No cached sessions.\n")
        XCTAssertEqual(try home.run(["export", "--profile", "dev"]).status, 0)
        let again = try home.run(["rekey"])
        XCTAssertFalse(again.stdout.contains("session cache"), "no cache, nothing said: \(again.stdout)")
    }

    func testNoFileUnderHomeHoldsASessionTokenInPlainText() throws {
        let home = try standardHome()
        for arguments in [["sessions"], ["list"], ["sessions", "--json"], ["export", "--profile", "dev"]] {
            _ = try home.run(arguments)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.aws/cli/cache"),
                       "nothing is written to ~/.aws/cli/cache")
        let needles = [Self.token, Self.sessionSecret, "ASIAROLEEXAMPLE00001"].map { Data($0.utf8) }
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: home.path))
        var files = 0
        while let relative = enumerator.nextObject() as? String {
            let path = home.path + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            files += 1
            for needle in needles {
                XCTAssertNil(data.range(of: needle), "\(relative) holds a session secret in plain text")
            }
        }
        XCTAssertGreaterThanOrEqual(files, 3, "store, cache, key file at least")
        XCTAssertTrue(FileManager.default.fileExists(atPath: home.storePath + ".sessions"))
    }
}
