import Foundation
import TestSupport
import XCTest
import SystemLayer

/// How often the test's signal handler ran (a C handler cannot capture context).
nonisolated(unsafe) private var interruptions = 0

/// The EINTR wrappers: a call interrupted by a signal whose handler was installed without `SA_RESTART` (so the kernel
/// does not restart it) completes anyway; the raw call under the same conditions fails with EINTR, which proves the
/// test really interrupts it.
final class SyscallsTests: XCTestCase {
    private var previousAction = sigaction()

    override func setUp() {
        interruptions = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptions += 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocking read returns EINTR
        sigaction(SIGUSR1, &action, &previousAction)
    }

    override func tearDown() {
        sigaction(SIGUSR1, &previousAction, nil)
    }

    /// Blocks in `read` on a pipe on this thread while another thread sends it SIGUSR1 every 10 ms for 0.3 s (so at
    /// least one signal lands while it is blocked, even on a loaded machine), then writes one byte.
    private func readInterrupted(_ read: (Int32, UnsafeMutableRawBufferPointer) -> Result<Int, Errno>)
        -> (result: Result<Int, Errno>, byte: UInt8) {
        let ends = try! Syscalls.pipe()
        let reader = pthread_self()
        let helperDone = DispatchSemaphore(value: 0)
        let helper = Thread {
            for _ in 0..<30 {
                usleep(10_000)
                pthread_kill(reader, SIGUSR1)
            }
            var byte: UInt8 = 42
            _ = write(ends.write, &byte, 1)
            helperDone.signal()
        }
        helper.start()
        var buffer = [UInt8](repeating: 0, count: 1)
        let result = buffer.withUnsafeMutableBytes { read(ends.read, $0) }
        // The pipe stays open until the helper is done, so it never writes to a closed one.
        helperDone.wait()
        close(ends.read)
        close(ends.write)
        return (result, buffer[0])
    }

    func testAReadInterruptedByASignalCompletes() {
        let (result, byte) = readInterrupted { fd, buffer in
            Result { () throws(Errno) in try Syscalls.read(fd, buffer) }
        }
        XCTAssertEqual(try result.get(), 1)
        XCTAssertEqual(byte, 42)
        XCTAssertGreaterThanOrEqual(interruptions, 1, "the signal handler ran")
    }

    func testTheRawReadIsInterruptedUnderTheSameConditions() {
        let (result, _) = readInterrupted { fd, buffer in
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            return count < 0 ? .failure(Errno.current) : .success(count)
        }
        XCTAssertEqual(result, .failure(.interrupted))
        XCTAssertGreaterThanOrEqual(interruptions, 1)
    }

    func testAPollInterruptedByASignalWaitsOutItsTimeout() throws {
        let ends = try Syscalls.pipe()
        defer {
            close(ends.read)
            close(ends.write)
        }
        let reader = pthread_self()
        let helperDone = DispatchSemaphore(value: 0)
        Thread {
            usleep(50_000)
            pthread_kill(reader, SIGUSR1)
            helperDone.signal()
        }.start()
        var descriptors = [pollfd(fd: ends.read, events: Int16(POLLIN), revents: 0)]
        let start = MonotonicClock().now
        XCTAssertEqual(try Syscalls.poll(&descriptors, milliseconds: 200), 0)
        XCTAssertGreaterThanOrEqual(MonotonicClock().now - start, 0.19)
        helperDone.wait()
        XCTAssertEqual(interruptions, 1)
    }

    func testReadToEndStopsOneBytePastItsLimit() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Array(repeating: 7, count: 10_000), to: "file", mode: 0o600)
        let fd = try Syscalls.open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        XCTAssertEqual(try Syscalls.readToEnd(fd, capacity: 11, limit: 10).count, 11)
        XCTAssertEqual(lseek(fd, 0, SEEK_SET), 0)
        XCTAssertEqual(try Syscalls.readToEnd(fd, capacity: 16).count, 10_000, "grows past its first capacity")
    }

    func testWaitpidReportsHowAChildEnded() throws {
        let pid = try Spawn.spawn("/bin/sh", arguments: ["sh", "-c", "exit 3"], environment: [:],
                                  standardOutput: .null, standardError: .null)
        let result = try Syscalls.waitpid(pid)
        XCTAssertEqual(result.pid, pid)
        XCTAssertEqual(ProcessTermination(waitStatus: result.status), .exited(3))
        let killed = try Spawn.spawn("/bin/sh", arguments: ["sh", "-c", "kill -9 $$"], environment: nil,
                                     standardOutput: .null, standardError: .null)
        XCTAssertEqual(ProcessTermination(waitStatus: try Syscalls.waitpid(killed).status), .signaled(SIGKILL))
    }
}
