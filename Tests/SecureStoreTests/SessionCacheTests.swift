import Foundation
import TestSupport
import XCTest
@testable import SecureStore
import SystemLayer

/// The encrypted session cache (FORMAT.md, *Session cache*): round trip, keys, the refresh window on an injected
/// clock, tampering, another key, concurrent writers, faults and kills mid-write, and `rekey` dropping it.
final class SessionCacheTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String { directory.file("data/credstore/store") }
    private var cachePath: String { storePath + ".sessions" }
    private var key: SecretBytes!
    /// A fixed wall clock the tests move by hand.
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)
    private final class TestClock: @unchecked Sendable {
        var now = SessionCacheTests.start
    }
    private var clock: TestClock!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        key = try KeyFile.generate(at: directory.file("keys/store.key"))
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)], policy: Fixtures.cheap,
                                              lockTimeout: 2)
        try store.set(Fixtures.profile("dev"))
        clock = TestClock()
    }

    override func tearDown() {
        AtomicWriteFaultInjection.fault = nil
        directory = nil
    }

    private func openCache() throws -> SessionCache {
        let clock = self.clock!
        return SessionCache(store: try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap),
                            now: { clock.now })
    }

    static let token = "FwoGZXIvYXdzEXAMPLESESSIONTOKENFORTESTSONLY//////////"

    static func roleSession(_ profile: String = "prod-admin", keyID: String = "ASIAIOSFODNN7EXAMPLE",
                            expiresIn seconds: Double = 3600, externalID: String? = nil) -> CachedSession {
        CachedSession(kind: .roleSession, profile: profile, accessKeyID: keyID,
                      secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"),
                      sessionToken: SecretBytes(utf8: token), expiration: start.addingTimeInterval(seconds),
                      created: start, sourceProfile: "dev", roleARN: "arn:aws:iam::123456789012:role/admin",
                      roleSessionName: "credstore-1", externalID: externalID, mfaSerial: nil,
                      sourceIdentity: "AKIAIOSFODNN7EXAMPLE",
                      assumedRoleARN: "arn:aws:sts::123456789012:assumed-role/admin/credstore-1")
    }

    static func mfaSession(expiresIn seconds: Double = 3600, identity: String = "AKIAIOSFODNN7EXAMPLE")
        -> CachedSession {
        CachedSession(kind: .mfaSession, profile: "dev", accessKeyID: "ASIAMFAEXAMPLE000001",
                      secretAccessKey: SecretBytes(utf8: "mfaSecretEXAMPLEKEYmfaSecretEXAMPLEKEY00"),
                      sessionToken: SecretBytes(utf8: token + "MFA"), expiration: start.addingTimeInterval(seconds),
                      created: start, mfaSerial: "arn:aws:iam::123456789012:mfa/dev", sourceIdentity: identity)
    }

    private var roleKey: SessionKey {
        .role(profile: "prod-admin", roleARN: "arn:aws:iam::123456789012:role/admin", sessionName: "credstore-1",
              externalID: nil, sourceIdentity: "AKIAIOSFODNN7EXAMPLE")
    }

    // MARK: - Round trip and keys

    func testSessionsRoundTripThroughTheEncryptedFile() throws {
        let cache = try openCache()
        XCTAssertEqual(try cache.sessions(), [], "no file: no sessions")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cachePath))
        try cache.store(Self.roleSession())
        try cache.store(Self.mfaSession())
        XCTAssertEqual(Fixtures.mode(cachePath), 0o600)
        let reread = try openCache().sessions()
        XCTAssertEqual(reread, [Self.roleSession(), Self.mfaSession()])
        // Nothing of the secret parts is in the file in clear.
        let raw = try Fixtures.bytes(cachePath)
        for secret in [Self.token, "wJalrXUtnFEMI", "ASIAIOSFODNN7EXAMPLE", "prod-admin", "arn:aws"] {
            XCTAssertNil(raw.firstRange(of: Array(secret.utf8)), "\(secret) in clear")
        }
        XCTAssertEqual(Array(raw[0..<8]), Array("CREDSESS".utf8))
    }

    func testASessionReplacesTheOneWithTheSameKeyAndOnlyThat() throws {
        let cache = try openCache()
        try cache.store(Self.roleSession(keyID: "ASIAFIRSTEXAMPLE0001"))
        try cache.store(Self.roleSession(keyID: "ASIAOTHEREXAMPLE0001", externalID: "ext-1"))
        try cache.store(Self.roleSession(keyID: "ASIASECONDEXAMPLE001"))
        let sessions = try cache.sessions()
        XCTAssertEqual(sessions.map(\.accessKeyID), ["ASIAOTHEREXAMPLE0001", "ASIASECONDEXAMPLE001"])
        XCTAssertEqual(try cache.liveSession(for: roleKey)?.accessKeyID, "ASIASECONDEXAMPLE001")
    }

    func testTheMFASessionIsKeyedBySourceProfileAndSerialAndChecksTheSourceIdentity() throws {
        let cache = try openCache()
        try cache.store(Self.mfaSession())
        let key = SessionKey.mfa(sourceProfile: "dev", mfaSerial: "arn:aws:iam::123456789012:mfa/dev")
        XCTAssertEqual(try cache.liveSession(for: key)?.accessKeyID, "ASIAMFAEXAMPLE000001")
        XCTAssertEqual(try cache.liveSession(for: key, sourceIdentity: "AKIAIOSFODNN7EXAMPLE")?.accessKeyID,
                       "ASIAMFAEXAMPLE000001")
        XCTAssertNil(try cache.liveSession(for: key, sourceIdentity: "AKIANEWKEYEXAMPLE001"),
                     "a source profile whose key changed does not reuse the old key's session")
        XCTAssertNil(try cache.liveSession(for: .mfa(sourceProfile: "dev", mfaSerial: "arn:aws:iam::1:mfa/other")))
        XCTAssertNil(try cache.liveSession(for: .plain(sourceProfile: "dev")))
    }

    // MARK: - Expiry and the refresh window

    func testALookupReturnsASessionUntilTheRefreshWindowBeforeItsExpiration() throws {
        let cache = try openCache()
        try cache.store(Self.roleSession(expiresIn: 3600))
        XCTAssertNotNil(try cache.liveSession(for: roleKey))
        clock.now = Self.start.addingTimeInterval(3600 - 15 * 60 - 1)
        XCTAssertNotNil(try cache.liveSession(for: roleKey), "1 s before the 15-minute window")
        clock.now = Self.start.addingTimeInterval(3600 - 15 * 60)
        XCTAssertNil(try cache.liveSession(for: roleKey), "inside the default 15-minute window")
        XCTAssertNotNil(try cache.liveSession(for: roleKey, refreshWindow: SessionRefreshWindow(seconds: 60)))
        clock.now = Self.start.addingTimeInterval(3600)
        XCTAssertNil(try cache.liveSession(for: roleKey, refreshWindow: SessionRefreshWindow(seconds: 0)))
        XCTAssertEqual(try cache.sessions().count, 1, "an expired session stays until the next save")
        try cache.store(Self.mfaSession(expiresIn: 7200))
        XCTAssertEqual(try cache.sessions().map(\.kind), [.mfaSession], "a save drops expired sessions")
    }

    func testAnExpiredSessionIsRefused() throws {
        let cache = try openCache()
        XCTAssertEqual(Fixtures.code { try cache.store(Self.roleSession(expiresIn: 0)) }, .invalidArgument)
        XCTAssertEqual(Fixtures.code { try cache.store(Self.roleSession(expiresIn: -10)) }, .invalidArgument)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cachePath))
    }

    func testTheRefreshWindowComesFromTheEnvironmentThenTheProfile() throws {
        let setting = ReservedSetting.sessionRefreshWindow
        XCTAssertEqual(try SessionRefreshWindow.resolve(environment: [:], profileSettings: [:]).seconds, 900)
        XCTAssertEqual(try SessionRefreshWindow.resolve(environment: [:], profileSettings: [setting: "5m"]).seconds,
                       300)
        XCTAssertEqual(try SessionRefreshWindow.resolve(environment: [SessionRefreshWindow.environmentVariable: "120"],
                                                        profileSettings: [setting: "5m"]).seconds, 120)
        XCTAssertEqual(SessionRefreshWindow(parsing: "1h")?.seconds, 3600)
        XCTAssertEqual(SessionRefreshWindow(parsing: "30s")?.seconds, 30)
        for bad in ["", "-5", "1.5m", "13h", "ten", "5 m"] {
            XCTAssertNil(SessionRefreshWindow(parsing: bad), bad)
        }
        XCTAssertEqual(Fixtures.code {
            _ = try SessionRefreshWindow.resolve(environment: [SessionRefreshWindow.environmentVariable: "soon"],
                                                 profileSettings: [:])
        }, .invalidArgument)
    }

    // MARK: - Damage, tampering, another key

    func testATamperedCacheIsReportedNeverUsedAndLeavesTheStoreAlone() throws {
        let cache = try openCache()
        try cache.store(Self.roleSession())
        let storeBefore = try Fixtures.bytes(storePath)
        let good = try Fixtures.bytes(cachePath)
        // Every byte flipped (the checksum fixed up, as a deliberate attacker would) is caught.
        for index in stride(from: 0, to: good.count - 32, by: 7) {
            var bad = good
            bad[index] ^= 0x01
            bad.replaceSubrange(bad.count - 32..<bad.count, with: sha256(Array(bad[0..<(bad.count - 32)])))
            try Fixtures.write(bad, to: cachePath)
            let code = Fixtures.code { _ = try cache.liveSession(for: roleKey) }
            XCTAssertTrue(code == .sessionCacheCorrupt || (index == 8 || index == 9) && code == .unsupportedVersion,
                          "byte \(index): \(String(describing: code))")
            XCTAssertEqual(Fixtures.code { try cache.store(Self.mfaSession()) }, code, "byte \(index): write")
            XCTAssertEqual(try Fixtures.bytes(cachePath), bad, "a damaged cache is left as it is")
        }
        // Accidental damage (checksum not fixed) and truncation too.
        try Fixtures.write(Array(good.dropLast(5)), to: cachePath)
        XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .sessionCacheCorrupt)
        // The store is untouched and opens; clearing removes the damaged cache and sessions are made again.
        XCTAssertEqual(try Fixtures.bytes(storePath), storeBefore)
        XCTAssertEqual(try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
                        .profile(named: "dev")?.accessKeyID, Fixtures.accessKeyID)
        XCTAssertTrue(try SessionCache.clear(forStoreAt: storePath))
        try cache.store(Self.roleSession())
        XCTAssertEqual(try cache.sessions().count, 1)
    }

    func testACacheOfAnotherStoreOrKeyIsNotUsed() throws {
        try openCache().store(Self.roleSession())
        let cacheBytes = try Fixtures.bytes(cachePath)
        // Another store (another data key and store id) with this cache file copied beside it.
        let otherPath = directory.file("other/store")
        let otherKey = try KeyFile.generate(at: directory.file("keys/other.key"))
        let other = try EncryptedStore.create(at: otherPath, secrets: [.keyFile(otherKey)], policy: Fixtures.cheap)
        try Fixtures.write(cacheBytes, to: otherPath + ".sessions")
        let error = try XCTUnwrap(catching { _ = try SessionCache(store: other).sessions() })
        XCTAssertEqual(error.code, .sessionCacheCorrupt)
        XCTAssertTrue(error.message.contains("another store"), error.message)
        XCTAssertFalse(error.description.contains(Self.token))
    }

    func testRekeyDropsTheSessionsSoTheOldKeyReadsNone() throws {
        let store = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        let oldKey = store.agentDataKey()
        try SessionCache(store: store, now: { Self.start }).store(Self.roleSession())
        let oldCache = try Fixtures.bytes(cachePath)
        XCTAssertEqual(try SessionCacheFormat.decode(oldCache, storeID: store.storeIdentifier, dataKey: oldKey).count,
                       1)
        try store.rotateDataKey()
        XCTAssertFalse(FileManager.default.fileExists(atPath: cachePath), "rekey drops the session cache")
        XCTAssertEqual(try SessionCache(store: store).sessions(), [])
        // A process that opened the store before the re-key cannot seal a session under the retired key.
        let stale = try XCTUnwrap(catching {
            try SessionCache(store: try EncryptedStore.open(at: storePath, agentDataKey: oldKey), now: { Self.start })
                .store(Self.roleSession())
        })
        XCTAssertEqual(stale.code, .wrongKeyFile)
    }

    func testAStoreOpenedBeforeARekeyCannotSealUnderTheRetiredKey() throws {
        let early = try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap)
        try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap).rotateDataKey()
        let error = try XCTUnwrap(catching { try SessionCache(store: early, now: { Self.start })
            .store(Self.roleSession()) })
        XCTAssertEqual(error.code, .wrongKeyFile)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cachePath))
        // A cache the re-keyed store wrote is not "damage" to the early object: it is told the store was re-keyed.
        try SessionCache(store: try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap),
                         now: { Self.start }).store(Self.roleSession())
        XCTAssertEqual(catching { _ = try SessionCache(store: early).sessions() }?.code, .wrongKeyFile)
    }

    func testHostileCacheFilesAreRefusedWithoutCrashingOrFollowingLinks() throws {
        let cache = try openCache()
        try cache.store(Self.roleSession())
        let good = try Fixtures.bytes(cachePath)
        // Every truncation, and random bytes behind a valid magic, are corrupt (never a crash).
        for length in 0..<good.count {
            try Fixtures.write(Array(good[0..<length]), to: cachePath)
            let code = Fixtures.code { _ = try cache.sessions() }
            XCTAssertEqual(code, .sessionCacheCorrupt, "truncated to \(length)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let noise = (0..<Int.random(in: 0...400, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            try Fixtures.write(Array("CREDSESS".utf8) + [0, 1] + noise, to: cachePath)
            XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .sessionCacheCorrupt)
        }
        // A symlink, a group-readable file and a directory are refused before being read.
        try FileManager.default.removeItem(atPath: cachePath)
        try Fixtures.write(good, to: directory.file("elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: cachePath, withDestinationPath: directory.file("elsewhere"))
        XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .unsafePermissions)
        XCTAssertEqual(Fixtures.code { try cache.store(Self.mfaSession()) }, .unsafePermissions)
        try FileManager.default.removeItem(atPath: cachePath)
        try Fixtures.write(good, to: cachePath)
        chmod(cachePath, 0o640)
        XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .unsafePermissions)
        try FileManager.default.removeItem(atPath: cachePath)
        try FileManager.default.createDirectory(atPath: cachePath, withIntermediateDirectories: false)
        XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .unsafePermissions)
    }

    // MARK: - Concurrency, faults, kills

    func testConcurrentWritersNeverLoseASession() throws {
        let writers = 4
        let perWriter = 8
        let clock = self.clock!
        let stores = try (0..<writers).map { _ in
            SessionCache(store: try EncryptedStore.open(at: storePath, with: .keyFile(key), policy: Fixtures.cheap),
                         now: { clock.now })
        }
        let failures = ProcessMutexBox()
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            for index in 0..<perWriter {
                var session = Self.roleSession("role-\(writer)-\(index)",
                                               keyID: String(format: "ASIACONCURRENT%02d%02d", writer, index))
                session.roleSessionName = "w\(writer)"
                do { try stores[writer].store(session) } catch { failures.append("\(error)") }
            }
        }
        XCTAssertEqual(failures.values, [])
        XCTAssertEqual(Set(try openCache().sessions().map(\.profile)).count, writers * perWriter)
    }

    func testEveryFaultedWriteLeavesTheOldCache() throws {
        let cache = try openCache()
        try cache.store(Self.roleSession())
        let original = try Fixtures.bytes(cachePath)
        for step in AtomicWriteStep.allCases {
            var fired = false
            AtomicWriteFaultInjection.fault = { current in
                guard current == step, !fired else { return nil }
                fired = true
                return EIO
            }
            XCTAssertEqual(Fixtures.code { try cache.store(Self.mfaSession()) }, .io, "\(step)")
            AtomicWriteFaultInjection.fault = nil
            XCTAssertTrue(fired, "\(step) reached")
            XCTAssertEqual(try Fixtures.bytes(cachePath), original, "\(step): the old cache")
        }
    }

    func testAKillAtEveryStepOfTheWriteLeavesTheOldOrTheNewCache() throws {
        try openCache().store(Self.roleSession())
        for step in AtomicWriteStep.allCases {
            let old = try Fixtures.bytes(cachePath)
            let process = Process()
            process.executableURL = CrashChild.executable
            process.arguments = ["crash-sessions", storePath, directory.file("keys/store.key"), "\(step)#1"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(step): the child was killed")
            XCTAssertEqual(process.terminationStatus, SIGKILL, "\(step)")
            let sessions = try openCache().sessions()
            let after = try Fixtures.bytes(cachePath)
            if after == old {
                XCTAssertEqual(sessions.map(\.accessKeyID), ["ASIAIOSFODNN7EXAMPLE"], "\(step): the old cache")
            } else {
                XCTAssertEqual(sessions.map(\.accessKeyID), ["ASIAIOSFODNN7EXAMPLE", "ASIAKILLEDEXAMPLE001"],
                               "\(step): the new cache")
            }
            print("kill at \(step): \(after == old ? "old" : "new") cache")
            // Reset to the old state for the next step.
            try Fixtures.write(old, to: cachePath)
        }
        // The next save sweeps the temporary files the kills left.
        try openCache().store(Self.mfaSession())
        XCTAssertEqual(CrashChild.temporaries(in: PathName.directory(of: storePath)), [])
    }

    // MARK: - Helpers

    private func sha256(_ bytes: [UInt8]) -> [UInt8] {
        (try? SHA256Digest.hash(bytes)) ?? []
    }

    private func catching(_ body: () throws -> Void) -> SecureStoreError? {
        do {
            try body()
            return nil
        } catch let error as SecureStoreError {
            return error
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }
}

/// Strings collected from several threads.
private final class ProcessMutexBox: @unchecked Sendable {
    private let mutex = ProcessMutex()
    private var stored: [String] = []
    func append(_ value: String) { mutex.withLock { stored.append(value) } }
    var values: [String] { mutex.withLock { stored } }
}
