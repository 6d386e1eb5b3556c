import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// SIGKILL during saves: a writer child (`TestChild crash-store`, Tests/TestChild) loops over one kind of mutation
/// (set/remove, passwd, key rotation, key-slot add/remove) and appends the number of each completed mutation to a
/// progress file. The parent kills it at a random moment and checks that the store opens and holds the state after
/// the last reported mutation or the one after it — never a mix, never a loss — and that the next save works and
/// sweeps any temporary file the kill left.
///
/// Trials per operation: `CREDSTORE_CRASH_TRIALS` (default 40; `Scripts/crash-soak N` raises it).
final class CrashConsistencyStoreTests: XCTestCase {
    private static let keepSecret = SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    private static func passphrase(_ step: Int) -> SecretBytes { SecretBytes(utf8: "passphrase number \(step)") }

    static var trials: Int {
        Int(ProcessInfo.processInfo.environment["CREDSTORE_CRASH_TRIALS"] ?? "") ?? 40
    }

    // MARK: - The parent

    func testKilledSetAndRemoveLeaveTheStateBeforeOrAfter() throws {
        try runTrials("set") { directory, last, store in
            XCTAssertEqual(try store.profile(named: "keep")?.secretAccessKey, Self.keepSecret)
            let expected = [last, last + 1].map { $0 % 3 == 0 || $0 == 0 ? nil : String($0) }
            let seq = try store.profile(named: "p")?.settings["seq"]
            XCTAssertTrue(expected.contains(seq), "after step \(last): seq \(seq ?? "none")")
            return expected[0] == seq ? 0 : 1
        }
    }

    func testKilledPasswdLeavesExactlyTheOldOrTheNewPassphrase() throws {
        try runTrials("passwd") { directory, last, _ in
            let opens = [last, last + 1].map { step in
                (try? EncryptedStore.open(at: directory + "/store", with: .passphrase(Self.passphrase(step)),
                                          policy: Fixtures.cheap)) != nil
            }
            XCTAssertEqual(opens.filter { $0 }.count, 1, "after step \(last): \(opens)")
            return opens[0] ? 0 : 1
        }
    }

    func testKilledKeyRotationLeavesAStoreEverySecretOpens() throws {
        try runTrials("rotate", passwdSlot: false) { directory, _, store in
            let other = try KeyFile.read(at: directory + "/other.key")
            let byOther = try EncryptedStore.open(at: directory + "/store", with: .keyFile(other),
                                                  policy: Fixtures.cheap)
            let byPassphrase = try EncryptedStore.open(at: directory + "/store", with: .passphrase(Self.passphrase(0)),
                                                       policy: Fixtures.cheap)
            XCTAssertEqual(byOther.agentDataKey(), store.agentDataKey())
            XCTAssertEqual(byPassphrase.agentDataKey(), store.agentDataKey())
            XCTAssertEqual(try store.profile(named: "keep")?.secretAccessKey, Self.keepSecret)
            return 0  // every rotation state opens alike; what matters is that all secrets agree on one key
        }
    }

    func testKilledSlotChangesLeaveTheSlotsBeforeOrAfter() throws {
        try runTrials("slots") { directory, last, store in
            let count = try EncryptedStore.slots(at: directory + "/store").count
            let expected = [last, last + 1].map { $0 % 2 == 1 ? 3 : 2 }
            XCTAssertTrue(expected.contains(count), "after step \(last): \(count) slots")
            let other = try KeyFile.read(at: directory + "/other.key")
            let opened = (try? EncryptedStore.open(at: directory + "/store", with: .keyFile(other),
                                                   policy: Fixtures.cheap)) != nil
            XCTAssertEqual(opened, count == 3)
            return count == expected[0] ? 0 : 1
        }
    }

    /// Sets up a store (key file, passphrase 0, optionally the other key file), then runs `trials` children of
    /// `operation`, each killed at a random moment; `check` verifies the store after each kill (given the last step
    /// the child reported) and returns 0 for "before" or 1 for "after".
    private func runTrials(
        _ operation: String, passwdSlot: Bool = true,
        check: (_ directory: String, _ last: Int, _ store: EncryptedStore) throws -> Int
    ) throws {
        let directory = try TemporaryDirectory()
        let key = try KeyFile.generate(at: directory.file("store.key"))
        let other = try KeyFile.generate(at: directory.file("other.key"))
        let secrets: [UnlockSecret] = [.keyFile(key), .passphrase(Self.passphrase(0))]
            + (passwdSlot ? [] : [.keyFile(other)])
        let store = try EncryptedStore.create(at: directory.file("store"), secrets: secrets, policy: Fixtures.cheap)
        try store.set(StoredProfile(name: "keep", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: Self.keepSecret))
        var last = 0
        var outcomes = [0, 0]
        var orphans = 0
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<Self.trials {
            let delay = UInt32.random(in: 0...40_000, using: &generator)
            let killed = try CrashChild.runAndKill(arguments: ["crash-store", operation, directory.path, String(last)],
                                                   progressFile: directory.file("progress"), delayMicroseconds: delay)
            XCTAssertTrue(killed, "\(operation) trial \(trial): the child ended before the kill")
            last = CrashChild.lastStep(directory.file("progress")) ?? last
            orphans += CrashChild.temporaries(in: directory.path).count
            let reopened: EncryptedStore
            do {
                reopened = try EncryptedStore.open(at: directory.file("store"), with: .keyFile(key),
                                                   policy: Fixtures.cheap)
            } catch {
                return XCTFail("\(operation) trial \(trial): the store does not open after the kill: \(error)")
            }
            let outcome = try check(directory.path, last, reopened)
            outcomes[outcome] += 1
            if outcome == 1 { last += 1 }  // the child finished a step it was killed before reporting
        }
        // A save after all those kills works and sweeps the temporary files they left.
        try EncryptedStore.open(at: directory.file("store"), with: .keyFile(key), policy: Fixtures.cheap)
            .set(Fixtures.profile("final"))
        XCTAssertEqual(CrashChild.temporaries(in: directory.path), [])
        print("crash \(operation): \(Self.trials) kills after up to step \(last): \(outcomes[0]) before, "
              + "\(outcomes[1]) after an unreported step, \(orphans) temporary files left and swept")
    }
}

/// Spawns `TestChild` (built next to the test bundle), waits until it reports its first step, kills it with SIGKILL
/// after a delay, and reaps it.
enum CrashChild {
    /// The child executable (Tests/TestChild), next to this test bundle.
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("TestChild")
    }

    /// Returns whether the child was still running when killed (a child that failed on its own proves nothing).
    static func runAndKill(arguments: [String], progressFile: String, delayMicroseconds: UInt32) throws -> Bool {
        unlink(progressFile)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) for the first completed step, so the kill lands among the saves, not in start-up.
        let deadline = Date().addingTimeInterval(20)
        while lastStep(progressFile) == nil && process.isRunning && Date() < deadline { usleep(1_000) }
        usleep(delayMicroseconds)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// The last step number in the progress file, if any.
    static func lastStep(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.flatMap { Int($0) }
    }

    static func temporaries(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tmp-") }
    }
}
