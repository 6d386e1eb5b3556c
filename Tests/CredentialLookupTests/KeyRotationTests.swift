import AWSAPI
import Foundation
import SecureStore
import SharedFileStore
import SystemLayer
import TestSupport
import XCTest
@testable import CredentialLookup

/// The rotation state machine against an in-memory IAM (pure logic: the order of calls and writes, the journal, crash
/// recovery at every fault point). The same operation runs against moto with signature checks in the CLI tests.
final class KeyRotationTests: XCTestCase {
    /// An IAM user's keys and an STS that accepts exactly the active keys it holds, with failures to order.
    final class FakeIAM: AccessKeyService {
        struct Key {
            var secret: String
            var active: Bool
            var created: Date
        }
        struct Failure: Error, CustomStringConvertible {
            var code: String
            var refusal: Bool
            var description: String { code }
        }
        var keys: [String: Key] = [:]
        var userARN = "arn:aws:iam::123456789012:user/alice"
        var failing: [String: Failure] = [:]
        var calls: [String] = []
        /// New keys are refused by GetCallerIdentity this many times (eventual consistency).
        var newKeyLag = 0
        var counter = 0
        let clock: FakeClock

        init(clock: FakeClock) {
            self.clock = clock
            keys[Example.accessKeyID] = Key(secret: Example.secretText, active: true,
                                            created: Date(timeIntervalSince1970: clock.now - 100 * 86_400))
        }

        private func check(_ name: String, _ credentials: SigningCredentials) throws {
            calls.append(name)
            if let failure = failing[name] { throw failure }
            let id = credentials.accessKeyID
            if id.hasPrefix("ASIAMFA") { return }
            guard let key = keys[id], key.active,
                  credentials.secretAccessKey == SecretBytes(utf8: key.secret) else {
                throw Failure(code: "InvalidClientTokenId", refusal: true)
            }
        }

        func callerARN(using credentials: SigningCredentials) throws -> String {
            try check("GetCallerIdentity", credentials)
            if credentials.accessKeyID.hasPrefix("AKIAROTATED"), newKeyLag > 0 {
                newKeyLag -= 1
                throw Failure(code: "InvalidClientTokenId", refusal: true)
            }
            return userARN
        }

        func listAccessKeys(using credentials: SigningCredentials, userName: String) throws -> [AccessKeySummary] {
            try check("ListAccessKeys", credentials)
            return keys.sorted { $0.key < $1.key }.map {
                AccessKeySummary(accessKeyID: $0.key, isActive: $0.value.active, createDate: $0.value.created)
            }
        }

        func createAccessKey(using credentials: SigningCredentials, userName: String) throws -> NewAccessKey {
            try check("CreateAccessKey", credentials)
            guard keys.count < 2 else { throw Failure(code: "LimitExceeded", refusal: true) }
            counter += 1
            let id = "AKIAROTATED00000000\(counter)"
            let secret = "rotated/secret/number/\(counter)/xxxxxxxxxxxxxxxxx"
            keys[id] = Key(secret: secret, active: true, created: Date(timeIntervalSince1970: clock.now))
            return NewAccessKey(accessKeyID: id, secretAccessKey: SecretBytes(utf8: secret),
                                    createDate: Date(timeIntervalSince1970: clock.now))
        }

        func updateAccessKey(using credentials: SigningCredentials, accessKeyID: String, active: Bool,
                             userName: String) throws {
            try check("UpdateAccessKey", credentials)
            keys[accessKeyID]?.active = active
        }

        func deleteAccessKey(using credentials: SigningCredentials, accessKeyID: String, userName: String) throws {
            try check("DeleteAccessKey", credentials)
            keys[accessKeyID] = nil
        }

        var sessionsAt: [Double] = []
        func mfaSession(using credentials: SigningCredentials, serialNumber: String,
                        tokenCode: String) throws -> SigningCredentials {
            try check("GetSessionToken", credentials)
            sessionsAt.append(clock.now)
            return SigningCredentials(accessKeyID: "ASIAMFA\(tokenCode)", secretAccessKey: SecretBytes(utf8: "s"),
                                       sessionToken: SecretBytes(utf8: "t"))
        }

        func isRefusal(_ error: Error) -> Bool { (error as? Failure)?.refusal ?? false }
        func describe(_ error: Error) -> String { "\(error)" }

        /// Whether `id`/`secret` signs requests now.
        func accepts(_ id: String, _ secret: SecretBytes) -> Bool {
            guard let key = keys[id], key.active else { return false }
            return secret == SecretBytes(utf8: key.secret)
        }
    }

    /// A wall clock the test drives; `sleep` moves it on.
    final class FakeClock: Clock, @unchecked Sendable {
        var now: Double = 1_780_000_000
        func sleep(seconds: Double) { now += seconds }
    }

    /// Codes whose times are recorded.
    final class FakeMFA: MFACodeSource {
        let clock: FakeClock
        var askedAt: [Double] = []
        init(clock: FakeClock) { self.clock = clock }
        func code(serialNumber: String, profile: String) throws -> String {
            askedAt.append(clock.now)
            return String(Int(clock.now / 30) % 1_000_000)
        }
    }

    struct Crash: Error {}

    var directory: TemporaryDirectory!
    var clock: FakeClock!
    var iam: FakeIAM!
    let keyFile = SecretBytes((0..<32).map { _ in UInt8.random(in: 0...255) })
    var storePath: String { directory.file("store") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        clock = FakeClock()
        iam = FakeIAM(clock: clock)
    }

    func makeStore(settings: [String: String] = [:], keyID: String = Example.accessKeyID,
                   token: SecretBytes? = nil) throws -> StoreRotationHolder {
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(keyFile)])
        try store.set(StoredProfile(name: "work", accessKeyID: keyID, secretAccessKey: Example.secret,
                                    sessionToken: token, settings: settings))
        let path = storePath
        let key = keyFile
        return StoreRotationHolder(profile: "work", path: path) {
            try EncryptedStore.open(at: path, with: .keyFile(key))
        }
    }

    func rotation(_ holder: any RotationHolder) -> KeyRotation {
        var rotation = KeyRotation(holder: holder, service: iam)
        rotation.clock = clock
        return rotation
    }

    /// After any run: the profile holds a key IAM accepts.
    func assertWorkingKey(_ holder: any RotationHolder, file: StaticString = #filePath, line: UInt = #line) throws {
        let held = try holder.read()
        XCTAssertTrue(iam.accepts(held.accessKeyID, held.secretAccessKey),
                      "profile holds \(held.accessKeyID), which IAM does not accept", file: file, line: line)
    }

    /// After a completed rotation: IAM has exactly the profile's key, no journal is left.
    func assertRotated(_ holder: any RotationHolder, file: StaticString = #filePath, line: UInt = #line) throws {
        let held = try holder.read()
        XCTAssertEqual(Array(iam.keys.keys), [held.accessKeyID], file: file, line: line)
        XCTAssertNotEqual(held.accessKeyID, Example.accessKeyID, file: file, line: line)
        XCTAssertTrue(iam.accepts(held.accessKeyID, held.secretAccessKey), file: file, line: line)
        XCTAssertNil(held.settings[RotationJournal.Setting.phase], file: file, line: line)
        XCTAssertNotNil(held.keyCreated, file: file, line: line)
    }

    func testRotatesAStoreProfile() throws {
        let holder = try makeStore(settings: ["region": "eu-west-1"])
        let report = try rotation(holder).run(KeyRotation.Options())
        try assertRotated(holder)
        XCTAssertTrue(report.rotated)
        XCTAssertEqual(report.oldKeyID, Example.accessKeyID)
        XCTAssertEqual(report.newKeyID, try holder.read().accessKeyID)
        XCTAssertEqual(try holder.read().settings["region"], "eu-west-1")
        XCTAssertEqual(iam.calls.filter { $0 == "CreateAccessKey" }.count, 1)
    }

    func testSessionsMadeWithTheOldKeyAreCleared() throws {
        let holder = try makeStore()
        let store = try EncryptedStore.open(at: storePath, with: .keyFile(keyFile))
        let later = Date().addingTimeInterval(3600)
        for (profile, source) in [("work", Example.accessKeyID), ("admin", Example.accessKeyID),
                                  ("other", Example.otherKeyID)] {
            try SessionCache(store: store).store(CachedSession(
                kind: profile == "admin" ? .roleSession : .plainSession, profile: profile,
                accessKeyID: "ASIA" + profile,
                secretAccessKey: SecretBytes(utf8: "s"), sessionToken: SecretBytes(utf8: "t"), expiration: later,
                created: Date(), sourceProfile: profile == "admin" ? "work" : nil,
                roleARN: profile == "admin" ? "arn:aws:iam::123456789012:role/admin" : nil, sourceIdentity: source))
        }
        var rotation = rotation(holder)
        let path = storePath
        let key = keyFile
        rotation.sessions = StoreSessionCache { try EncryptedStore.open(at: path, with: .keyFile(key)) }
        let report = try rotation.run(KeyRotation.Options())
        XCTAssertEqual(report.sessionsCleared, 2)
        XCTAssertEqual(try SessionCache(store: EncryptedStore.open(at: path, with: .keyFile(key))).sessions()
            .map(\.profile), ["other"])
    }

    func testRotatesASharedFileProfileKeepingTheRestOfTheFile() throws {
        let text = """
            # my keys
            [other]
            aws_access_key_id = AKIAI44QH8DHBEXAMPLE
            aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY

            [work] ; the work account
            aws_access_key_id = \(Example.accessKeyID)
            aws_secret_access_key = \(Example.secretText)
            region = eu-west-1

            """
        let path = try directory.write(text, to: "credentials")
        let holder = SharedFileRotationHolder(profile: "work", path: path, kind: .credentials)
        _ = try rotation(holder).run(KeyRotation.Options())
        try assertRotated(holder)
        let after = try directory.read("credentials")
        XCTAssertTrue(after.hasPrefix("# my keys\n[other]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n"))
        XCTAssertTrue(after.contains("[work] ; the work account\n"))
        XCTAssertFalse(after.contains(Example.secretText))
        XCTAssertFalse(after.contains("credstore_rotation"))
        XCTAssertTrue(after.contains("credstore_key_created = "))
    }

    func testKeepOldInactive() throws {
        let holder = try makeStore()
        var options = KeyRotation.Options()
        options.keepOldInactive = true
        let report = try rotation(holder).run(options)
        XCTAssertTrue(report.oldKeyKeptInactive)
        XCTAssertEqual(iam.keys.count, 2)
        XCTAssertEqual(iam.keys[Example.accessKeyID]?.active, false)
        try assertWorkingKey(holder)
        // The next rotation hits the two-key limit unless asked to delete the inactive key.
        XCTAssertThrowsError(try rotation(holder).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .tooManyKeys)
        }
        options = KeyRotation.Options()
        options.deleteInactiveKey = true
        let second = try rotation(holder).run(options)
        XCTAssertEqual(second.deletedInactiveKeyID, Example.accessKeyID)
        try assertRotated(holder)
    }

    func testTwoActiveKeysAreRefusedAndNothingChanges() throws {
        iam.keys[Example.otherKeyID] = .init(secret: Example.otherSecretText, active: true,
                                                   created: Date(timeIntervalSince1970: clock.now))
        let holder = try makeStore()
        var options = KeyRotation.Options()
        options.deleteInactiveKey = true
        XCTAssertThrowsError(try rotation(holder).run(options)) { error in
            XCTAssertEqual((error as? RotationError)?.code, .tooManyKeys)
            XCTAssertTrue("\(error)".contains(Example.otherKeyID))
            XCTAssertTrue("\(error)".contains("active"))
        }
        XCTAssertEqual(try holder.read().accessKeyID, Example.accessKeyID)
        XCTAssertNil(try holder.read().settings[RotationJournal.Setting.phase])
        XCTAssertEqual(iam.keys.count, 2)
        XCTAssertFalse(iam.calls.contains("CreateAccessKey"))
    }

    func testAccessDeniedLeavesTheOldKeyInUse() throws {
        for step in ["ListAccessKeys", "CreateAccessKey"] {
            try setUpWithError()
            iam.failing[step] = .init(code: "AccessDenied", refusal: true)
            let holder = try makeStore()
            XCTAssertThrowsError(try rotation(holder).run(KeyRotation.Options())) { error in
                XCTAssertEqual((error as? RotationError)?.code, .awsRefused)
                XCTAssertTrue("\(error)".contains("AccessDenied"), "\(error)")
                XCTAssertTrue("\(error)".contains("still uses \(Example.accessKeyID)"), "\(error)")
            }
            XCTAssertEqual(try holder.read().accessKeyID, Example.accessKeyID)
            XCTAssertNil(try holder.read().settings[RotationJournal.Setting.phase], step)
            XCTAssertEqual(Array(iam.keys.keys), [Example.accessKeyID])
        }
    }

    func testANewKeyThatNeverWorksIsDeletedAndTheOldKeptAfterTheBoundedWait() throws {
        iam.newKeyLag = 1000
        let holder = try makeStore()
        let start = clock.now
        var options = KeyRotation.Options()
        options.verifyTimeout = 45
        XCTAssertThrowsError(try rotation(holder).run(options)) { error in
            XCTAssertEqual((error as? RotationError)?.code, .newKeyNotAccepted)
            XCTAssertTrue("\(error)".contains("deleted again"), "\(error)")
        }
        XCTAssertLessThanOrEqual(clock.now - start, 45)
        XCTAssertEqual(Array(iam.keys.keys), [Example.accessKeyID])
        XCTAssertEqual(try holder.read().accessKeyID, Example.accessKeyID)
        XCTAssertNil(try holder.read().settings[RotationJournal.Setting.phase])
    }

    func testEventualConsistencyIsWaitedOutWithBackoff() throws {
        iam.newKeyLag = 3
        let holder = try makeStore()
        let start = clock.now
        _ = try rotation(holder).run(KeyRotation.Options())
        try assertRotated(holder)
        XCTAssertEqual(clock.now - start, 1 + 2 + 4)
    }

    func testTemporaryKeysAndRoleProfilesAreRefused() throws {
        let temporary = try makeStore(keyID: "ASIAIOSFODNN7EXAMPLE", token: SecretBytes(utf8: "token"))
        XCTAssertThrowsError(try rotation(temporary).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .temporaryKey)
        }
        let path = try directory.write("""
            [profile admin]
            role_arn = arn:aws:iam::123456789012:role/admin
            source_profile = work
            """, to: "config")
        let role = SharedFileRotationHolder(profile: "admin", path: path, kind: .config)
        XCTAssertThrowsError(try rotation(role).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .notAKeyProfile)
            XCTAssertTrue("\($0)".contains("source_profile") || "\($0)".contains("role_arn"), "\($0)")
        }
        XCTAssertTrue(iam.calls.isEmpty)
        iam.userARN = "arn:aws:sts::123456789012:assumed-role/admin/session"
        XCTAssertThrowsError(try rotation(try makeStoreAgain()).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .notAnIAMUser)
        }
    }

    func makeStoreAgain() throws -> StoreRotationHolder {
        try FileManager.default.removeItem(atPath: storePath)
        return try makeStore()
    }

    func testIfOlderThan() throws {
        let holder = try makeStore()
        var options = KeyRotation.Options()
        options.ifOlderThan = 120 * 86_400
        let report = try rotation(holder).run(options)
        XCTAssertFalse(report.due)
        XCTAssertFalse(report.rotated)
        XCTAssertFalse(iam.calls.contains("CreateAccessKey"))
        // The key's CreateDate is kept with the profile even when it is not due.
        XCTAssertEqual(try holder.read().keyCreated, iam.keys[Example.accessKeyID]?.created)
        options.ifOlderThan = 90 * 86_400
        XCTAssertTrue(try rotation(holder).run(options).rotated)
        // The new key's CreateDate is kept with the profile; right after a rotation it is not due.
        XCTAssertEqual(try holder.read().keyCreated?.timeIntervalSince1970, clock.now.rounded(.down))
        XCTAssertFalse(try rotation(holder).run(options).rotated)
    }

    func testDryRunWritesNothingAndCallsOnlyReadOnlyAPIs() throws {
        let holder = try makeStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        var options = KeyRotation.Options()
        options.dryRun = true
        let report = try rotation(holder).run(options)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)
        XCTAssertEqual(Set(iam.calls), ["GetCallerIdentity", "ListAccessKeys"])
        XCTAssertTrue(report.steps.contains { $0.contains("Create a new access key for user alice") })
        XCTAssertTrue(report.steps.contains { $0.contains("Delete the old key \(Example.accessKeyID)") })
    }

    /// A crash at each named point, then `rotate` again: the profile always holds a key IAM accepts, and the second
    /// run finishes (or rolls back and rotates), leaving exactly one key, the profile's.
    func testACrashAtEveryFaultPointRecovers() throws {
        for point in KeyRotation.FaultPoint.allCases {
            for inFile in [false, true] {
                try setUpWithError()
                let holder: any RotationHolder
                if inFile {
                    let path = try directory.write("[work]\naws_access_key_id = \(Example.accessKeyID)\n"
                                                   + "aws_secret_access_key = \(Example.secretText)\n",
                                                   to: "credentials")
                    holder = SharedFileRotationHolder(profile: "work", path: path, kind: .credentials)
                } else {
                    holder = try makeStore()
                }
                var options = KeyRotation.Options()
                if point == .afterDeleteInactive {
                    iam.keys[Example.otherKeyID] = .init(secret: Example.otherSecretText, active: false,
                                                               created: Date(timeIntervalSince1970: 0))
                    options.deleteInactiveKey = true
                }
                var crashing = rotation(holder)
                crashing.faultHook = { if $0 == point { throw Crash() } }
                XCTAssertThrowsError(try crashing.run(options)) { XCTAssertTrue($0 is Crash, "\(point): \($0)") }
                try assertWorkingKey(holder)
                clock.now += 5
                let report = try rotation(holder).run(KeyRotation.Options())
                try assertRotated(holder)
                switch point {
                case .afterDeleteInactive: XCTAssertNil(report.resumed)
                case .afterJournal, .afterCreate: XCTAssertEqual(report.resumed, .rolledBack, "\(point)")
                default: XCTAssertEqual(report.resumed, .finished, "\(point)")
                }
                if report.resumed == .rolledBack { XCTAssertTrue(report.rotated) }
            }
        }
    }

    func testAFailingEndpointDuringResumeKeepsTheJournal() throws {
        let holder = try makeStore()
        var crashing = rotation(holder)
        crashing.faultHook = { if $0 == .afterPersist { throw Crash() } }
        XCTAssertThrowsError(try crashing.run(KeyRotation.Options()))
        iam.failing["GetCallerIdentity"] = .init(code: "ServiceUnavailable", refusal: false)
        XCTAssertThrowsError(try rotation(holder).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .awsUnavailable)
        }
        XCTAssertEqual(try holder.read().settings[RotationJournal.Setting.phase], "created")
        XCTAssertEqual(try holder.read().accessKeyID, Example.accessKeyID)
        iam.failing = [:]
        XCTAssertEqual(try rotation(holder).run(KeyRotation.Options()).resumed, .finished)
        try assertRotated(holder)
    }

    /// The saved new key was deleted at IAM before the rotation was resumed: the resume rolls back (the profile
    /// keeps its old key) and a fresh rotation follows.
    func testAResumedRotationWhoseNewKeyIsGoneRollsBack() throws {
        let holder = try makeStore()
        var crashing = rotation(holder)
        crashing.faultHook = { if $0 == .afterPersist { throw Crash() } }
        XCTAssertThrowsError(try crashing.run(KeyRotation.Options()))
        let saved = try XCTUnwrap(try holder.read().settings[RotationJournal.Setting.newKeyID])
        iam.keys[saved] = nil
        clock.now += 60
        let report = try rotation(holder).run(KeyRotation.Options())
        XCTAssertEqual(report.resumed, .rolledBack)
        XCTAssertTrue(report.steps.contains { $0.contains("Rolled back: the new key \(saved)") }, "\(report.steps)")
        XCTAssertTrue(report.rotated)
        try assertRotated(holder)
    }

    func testMFAProfilesUseAFreshCodeInTheNextWindow() throws {
        let holder = try makeStore(settings: ["mfa_serial": "arn:aws:iam::123456789012:mfa/alice"])
        XCTAssertThrowsError(try rotation(holder).run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .mfaUnavailable)
        }
        let mfa = FakeMFA(clock: clock)
        var rotation = rotation(holder)
        rotation.mfa = mfa
        _ = try rotation.run(KeyRotation.Options())
        try assertRotated(holder)
        XCTAssertEqual(mfa.askedAt.count, 2)
        XCTAssertGreaterThan(Int(mfa.askedAt[1] / 30), Int(mfa.askedAt[0] / 30), "a code window was reused")
        XCTAssertEqual(iam.sessionsAt.count, 2)
    }

    func testMFASerialFromTheConfigFileCounts() throws {
        let path = try directory.write("[work]\naws_access_key_id = \(Example.accessKeyID)\n"
                                       + "aws_secret_access_key = \(Example.secretText)\n", to: "credentials")
        var rotation = rotation(SharedFileRotationHolder(profile: "work", path: path, kind: .credentials))
        rotation.otherSettings = ["mfa_serial": "arn:aws:iam::123456789012:mfa/alice"]
        XCTAssertThrowsError(try rotation.run(KeyRotation.Options())) {
            XCTAssertEqual(($0 as? RotationError)?.code, .mfaUnavailable)
        }
        rotation.mfa = FakeMFA(clock: clock)
        _ = try rotation.run(KeyRotation.Options())
        XCTAssertEqual(iam.sessionsAt.count, 2)
    }

    /// RotationError follows the libraries' rules: kebab codes, messages without credstore's commands or options.
    func testErrorCodesAreKebabAndMessagesCarryNoCLIAdvice() throws {
        for code in RotationError.Code.allCases {
            XCTAssertTrue(code.rawValue.allSatisfy { ("a"..."z").contains($0) || $0 == "-" }, code.rawValue)
        }
        var messages: [String] = []
        iam.keys[Example.otherKeyID] = .init(secret: Example.otherSecretText, active: false,
                                             created: Date(timeIntervalSince1970: 0))
        let holder = try makeStore(settings: ["mfa_serial": "arn:aws:iam::123456789012:mfa/alice"])
        XCTAssertThrowsError(try rotation(holder).run(KeyRotation.Options())) { messages.append("\($0)") }
        var withMFA = rotation(holder)
        withMFA.mfa = FakeMFA(clock: clock)
        XCTAssertThrowsError(try withMFA.run(KeyRotation.Options())) { messages.append("\($0)") }
        iam.failing["ListAccessKeys"] = .init(code: "AccessDenied", refusal: true)
        XCTAssertThrowsError(try withMFA.run(KeyRotation.Options())) { messages.append("\($0)") }
        XCTAssertEqual(messages.count, 3)
        for message in messages {
            XCTAssertFalse(message.contains("credstore ") || message.contains("--"), message)
            XCTAssertFalse(message.contains(Example.secretText) || message.contains(Example.otherSecretText), message)
        }
    }

    func testASecondRotationOfTheSameStoreWaitsForTheFirst() throws {
        let holder = try makeStore()
        let held = try FileLock(path: holder.lockPath, timeout: 0)
        var options = KeyRotation.Options()
        options.lockWait = 0.05
        XCTAssertThrowsError(try rotation(holder).run(options)) {
            XCTAssertEqual(($0 as? RotationError)?.code, .rotationInProgress)
        }
        XCTAssertTrue(iam.calls.isEmpty)
        held.release()
        XCTAssertTrue(try rotation(holder).run(options).rotated)
    }

    func testUserNameFromARN() throws {
        XCTAssertEqual(try KeyRotation.userName(fromARN: "arn:aws:iam::123456789012:user/dev/alice", profile: "p"),
                       "alice")
        XCTAssertThrowsError(try KeyRotation.userName(fromARN: "arn:aws:iam::123456789012:root", profile: "p"))
    }
}
