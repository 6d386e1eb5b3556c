import Foundation
import XCTest
@testable import UnlockAgent

/// A key the agent forgets leaves no copy anywhere in the agent's memory (issue 13, item 7): after `unlock`, a `get`
/// and `lock`, a scan of every writable mapping of the agent (`/proc/PID/mem`, as root) finds no 8-byte run of the
/// data key. The copies to look for are not only the agent's own buffers: a 32-byte copy leaves the key in vector
/// registers, and the dynamic linker's lazy binding (or a signal frame) saves those registers onto the stack. (Which
/// copy stays in a register depends on the code the compiler made: without `StackScrubber`, a release build of the
/// agent fails this test every time; a debug build happened to overwrite the registers before `lock`.)
final class AgentMemoryCLITests: XCTestCase {
    func testLockLeavesNoCopyOfTheDataKeyInTheAgent() throws {
        try MissingPeer.requireRoot("the agent memory scan (it reads /proc/PID/mem of a non-dumpable process)")
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        // A long-running agent: the one `unlock` starts exits as soon as it holds no key.
        let agent = Process()
        agent.executableURL = CLI.executable
        agent.arguments = ["agent"]
        agent.environment = home.home.environment
        agent.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try agent.run()
        defer {
            agent.terminate()
            agent.waitUntilExit()
        }
        let client = AgentClient(environment: home.home.environment)
        for _ in 0..<200 where (try? client.status()) == nil { usleep(25_000) }
        XCTAssertEqual(try client.status()?.processID, agent.processIdentifier)

        let unlocked = try home.run(["unlock", "--timeout", "5m"])
        XCTAssertEqual(unlocked.status, 0, unlocked.stderr)
        // The one `get`, as any process of the user may ask: it also tells the test what to look for.
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(home.storePath))
        let reply = try XCTUnwrap(client.send(.get(storePath: canonical)))
        let key = try XCTUnwrap(reply.key).withUnsafeBytes { Array($0) }
        XCTAssertEqual(key.count, 32)
        XCTAssertGreaterThan(try copies(of: key, in: agent.processIdentifier), 0, "the scan finds the held key")

        let locked = try home.run(["lock"])
        XCTAssertEqual(locked.status, 0, locked.stderr)
        XCTAssertEqual(try client.status()?.keysHeld, 0)
        XCTAssertEqual(try copies(of: key, in: agent.processIdentifier), 0,
                       "the agent still holds a copy of the data key it forgot")
    }

    /// How many of the key's four 8-byte quarters occur, anywhere, in the writable mappings of process `pid`.
    private func copies(of key: [UInt8], in pid: pid_t) throws -> Int {
        // (Read to the end: a /proc file's size is 0, and a one-shot read stops at the first page.)
        let mapsFile = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/\(pid)/maps"))
        let maps = String(decoding: mapsFile.readDataToEndOfFile(), as: UTF8.self)
        try mapsFile.close()
        let memory = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard memory >= 0 else { throw XCTSkip("cannot open /proc/\(pid)/mem: errno \(errno)") }
        defer { close(memory) }
        let quarters = stride(from: 0, to: key.count, by: 8).map { Array(key[$0..<$0 + 8]) }
        var found = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].contains("w") else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard bounds.count == 2 else { continue }
            var bytes = Data(count: Int(bounds[1] - bounds[0]))
            let count = bytes.withUnsafeMutableBytes { pread(memory, $0.baseAddress, $0.count, off_t(bounds[0])) }
            guard count > 0 else { continue }
            for quarter in quarters.map({ Data($0) }) {
                var from = bytes.startIndex
                while let range = bytes.range(of: quarter, in: from..<bytes.startIndex + count) {
                    found += 1
                    from = range.upperBound
                }
            }
        }
        return found
    }
}
