import Foundation
import TestSupport
import XCTest

/// SIGKILL of the real `credstore` binary at random moments of `set` and `remove`, on the encrypted store (key-file
/// slot, no scrypt) and on a shared credentials file (`--profile-location`). Delays are drawn from 0 to 1.2 × the
/// duration of a calibration run. After every kill the store opens (through the binary) and the file parses, each
/// holding exactly the state before or after the interrupted command, and the next command is not tripped by a
/// leftover temporary file.
///
/// Trials per target: `CREDSTORE_CRASH_TRIALS` (default 40; `Scripts/crash-soak N` raises it).
final class CrashConsistencyCLITests: XCTestCase {
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    private var trials: Int { Int(ProcessInfo.processInfo.environment["CREDSTORE_CRASH_TRIALS"] ?? "") ?? 40 }

    /// Step `n` of the sequence: remove `p` on every third step, else set it with an access key id ending in `n`.
    private static func command(_ step: Int, extra: [String]) -> [String] {
        step % 3 == 0 ? ["remove", "--profile", "p", "--force"] + extra
            : ["set", "--profile", "p", "--access-key", accessKey(step), "--force"] + extra
    }

    private static func accessKey(_ step: Int) -> String { "AKIAIOSFODNN7" + String(format: "%07d", step) }

    /// The access key id of `p` after `step` (nil: absent).
    private static func expected(_ step: Int) -> String? { step % 3 == 0 ? nil : accessKey(step) }

    func testKilledStoreWritesLeaveTheStateBeforeOrAfter() throws {
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        let storeDirectory = home.path + "/.local/share/credstore"
        XCTAssertEqual(try CLI.run(["init", "--key-file", key, "--no-passphrase"], environment: home.environment)
            .status, 0)
        try runTrials(home: home, extra: ["--key-file", key], directory: storeDirectory) { _ in
            let result = try CLI.run(["get", "--profile", "p", "--key-file", key, "--json"],
                                     environment: home.environment)
            if result.status == 66 { return nil }
            XCTAssertEqual(result.status, 0, "the store must open after a kill: \(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return object?["AccessKeyId"] as? String ?? "<unreadable>"
        }
    }

    func testKilledSharedFileEditsLeaveTheStateBeforeOrAfter() throws {
        let home = try TemporaryHome()
        let header = "# keep this comment\n[keep]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            + "aws_secret_access_key = \(Self.secret) ; inline\n"
        let path = try home.write(header, to: "shared/credentials")
        try runTrials(home: home, extra: ["--profile-location", path], directory: home.path + "/shared") { _ in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix(header), "the untouched profile and comment survive:\n\(text)")
            let sections = text.components(separatedBy: "\n[p]\n")
            XCTAssertLessThanOrEqual(sections.count, 2, text)
            guard sections.count == 2 else { return nil }
            let lines = sections[1].split(separator: "\n")
            XCTAssertEqual(lines.count, 2, "a whole profile, never half of one:\n\(text)")
            XCTAssertEqual(lines.last.map(String.init), "aws_secret_access_key = \(Self.secret)")
            return lines.first.map { String($0.dropFirst("aws_access_key_id = ".count)) }
        }
    }

    /// Runs the step sequence, killing each command at a random delay; `state` reads `p`'s access key id back.
    private func runTrials(home: TemporaryHome, extra: [String], directory: String,
                           state: (Int) throws -> String?) throws {
        // Calibration: how long one whole command takes here.
        let started = Date()
        XCTAssertEqual(try CLI.run(["set", "--profile", "calibration", "--access-key", "AKIAIOSFODNN7EXAMPLE"] + extra,
                                   environment: home.environment, stdin: Self.secret + "\n").status, 0)
        let duration = Date().timeIntervalSince(started)
        var step = 1
        var outcomes = [0, 0]
        var orphans = 0
        for trial in 0..<trials {
            let delay = Double.random(in: 0...(duration * 1.2))
            let status = try Self.runAndKill(Self.command(step, extra: extra), environment: home.environment,
                                             stdin: Self.secret + "\n", after: delay)
            orphans += ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.contains(".tmp-") }.count
            let found = try state(step)
            let before = Self.expected(step - 1)
            let after = Self.expected(step)
            XCTAssertTrue(found == before || found == after,
                          "trial \(trial), step \(step), exit \(status): found \(found ?? "none"), expected "
                          + "\(before ?? "none") or \(after ?? "none")")
            if found == after {
                outcomes[1] += 1
                step += 1
            } else {
                outcomes[0] += 1
            }
        }
        // The next command, run to completion, is not tripped by anything the kills left, and sweeps it.
        let finish = try CLI.run(Self.command(step, extra: extra), environment: home.environment,
                                 stdin: Self.secret + "\n")
        XCTAssertEqual(finish.status, 0, finish.stderr)
        XCTAssertEqual(try state(step), Self.expected(step))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") },
                       [])
        print("crash CLI \(extra[0]): \(trials) kills (0–\(Int(duration * 1200)) ms): \(outcomes[0]) before, "
              + "\(outcomes[1]) after, \(orphans) temporary files left and swept")
    }

    /// Starts `credstore ARGS`, feeds stdin, SIGKILLs it after `delay` seconds (if still running), returns its status.
    private static func runAndKill(_ arguments: [String], environment: [String: String], stdin: String,
                                   after delay: Double) throws -> Int32 {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        usleep(UInt32(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationStatus
    }
}
