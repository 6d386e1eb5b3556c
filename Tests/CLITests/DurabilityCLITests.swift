import Foundation
import TestSupport
import XCTest

/// A save that is not flushed before its rename can leave an empty or half-written file after a power cut, and no
/// SIGKILL test sees it (the kernel keeps the page cache); fault injection sees only the steps that call its hook.
/// So the real binary runs under `strace`, and the system calls themselves are checked, for the store and for a
/// shared credentials file: temporary file created (`O_EXCL`), written, `fsync`ed before it is closed and renamed
/// over the target, then the directory `fsync`ed after the rename.
final class DurabilityCLITests: XCTestCase {
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    private func strace() throws -> URL {
        let remedy = "run Scripts/bootstrap --test (it installs strace)"
        guard let strace = CLI.which("strace") else {
            throw MissingPeer.error("the fsync-before-rename checks", needs: "strace (not found on PATH)",
                                    remedy: remedy)
        }
        let probe = try CLI.runProcess(strace, ["-o", "/dev/null", "/bin/true"], environment: [:])
        guard probe.status == 0 else {
            throw MissingPeer.error("the fsync-before-rename checks",
                                    needs: "a working strace (ptrace refused: \(probe.stderr.prefix(200)))",
                                    remedy: "run the tests where ptrace is allowed (e.g. no seccomp filter on it)")
        }
        return strace
    }

    /// Runs `credstore arguments` under strace and returns the traced system calls, one per line.
    private func traced(_ home: TemporaryHome, _ arguments: [String], stdin: String) throws -> [String] {
        let log = home.path + "/strace.log"
        let result = try CLI.runProcess(try strace(),
                                        ["-f", "-qq", "-o", log, "-e",
                                         "trace=openat,open,creat,fsync,fdatasync,close,rename,renameat,renameat2",
                                         CLI.executable.path] + arguments,
                                        environment: home.environment, stdin: Data(stdin.utf8))
        XCTAssertEqual(result.status, 0, "credstore \(arguments[0]) failed: \(result.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertFalse(lines.joined().contains(Self.secret), "strace shows no secret (only paths are decoded)")
        return lines
    }

    /// The file descriptor a traced call returned (`... = 4`), if it succeeded.
    private func result(_ line: String) -> Int? {
        guard let range = line.range(of: " = ", options: .backwards) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Checks the replace of `target` in the trace: create → fsync → close → rename → directory fsync.
    private func assertDurableReplace(_ calls: [String], of target: String, _ what: String) {
        guard let renameIndex = calls.lastIndex(where: {
            $0.contains("rename") && $0.contains(".tmp-") && $0.contains("\"\(target)\"") && result($0) == 0
        }) else {
            return XCTFail("\(what): no rename of a temporary file over \(target):\n\(calls.joined(separator: "\n"))")
        }
        let temporary = calls[renameIndex].split(separator: "\"").first { $0.contains(".tmp-") }.map(String.init)!
        guard let openIndex = calls[..<renameIndex].lastIndex(where: {
            $0.contains("\"\(temporary)\"") && $0.contains("O_CREAT") && $0.contains("O_EXCL")
        }), let descriptor = result(calls[openIndex]) else {
            return XCTFail("\(what): \(temporary) was not created with O_CREAT|O_EXCL before the rename")
        }
        let between = calls[openIndex + 1..<renameIndex]
        let closeIndex = between.firstIndex { $0.contains("close(\(descriptor))") } ?? renameIndex
        let flushed = calls[openIndex + 1..<closeIndex].contains {
            ($0.contains("fsync(\(descriptor))") || $0.contains("fdatasync(\(descriptor))")) && result($0) == 0
        }
        XCTAssertTrue(flushed, "\(what): \(temporary) (fd \(descriptor)) is renamed over \(target) without an fsync "
                      + "before its close:\n\(calls[openIndex...renameIndex].joined(separator: "\n"))")
        let directory = (target as NSString).deletingLastPathComponent
        let directoryDescriptors = calls.filter {
            $0.contains("\"\(directory)\"") && $0.contains("O_DIRECTORY")
        }.compactMap(result)
        let directoryFlushed = calls[(renameIndex + 1)...].contains { line in
            directoryDescriptors.contains { line.contains("fsync(\($0))") } && result(line) == 0
        }
        XCTAssertTrue(directoryFlushed, "\(what): the directory \(directory) is not fsynced after the rename")
    }

    func testAStoreSaveIsFlushedBeforeItsRenameAndTheDirectoryAfter() throws {
        let home = try TemporaryHome()
        let store = home.path + "/data/store"
        let key = home.path + "/store.key"
        XCTAssertEqual(try CLI.run(["init", "--store", store, "--key-file", key, "--no-passphrase"],
                                   environment: home.environment).status, 0)
        let calls = try traced(home, ["set", "--store", store, "--key-file", key, "--profile", "p",
                                      "--access-key", "AKIAIOSFODNN7EXAMPLE"], stdin: Self.secret + "\n")
        assertDurableReplace(calls, of: store, "store save")
    }

    func testASharedFileEditIsFlushedBeforeItsRenameAndTheDirectoryAfter() throws {
        let home = try TemporaryHome()
        let path = try home.write("# keep\n[keep]\nregion = eu-west-1\n", to: "shared/credentials")
        let calls = try traced(home, ["set", "--profile-location", path, "--profile", "p",
                                      "--access-key", "AKIAIOSFODNN7EXAMPLE"], stdin: Self.secret + "\n")
        assertDurableReplace(calls, of: path, "shared-file edit")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# keep\n[keep]\nregion = eu-west-1\n"), text)
    }
}
