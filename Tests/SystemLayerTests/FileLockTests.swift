import Foundation
import TestSupport
import XCTest
import SystemLayer

/// The file lock: excludes a second holder, gives up after its timeout (measured on the clock it is given), and is
/// free again once released.
final class FileLockTests: XCTestCase {
    func testABusyLockTimesOutOnTheInjectedClockWithoutRealWaiting() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("file.lock")
        let holder = try FileLock(path: path, timeout: 0)
        let clock = ManualClock()
        let start = Date()
        XCTAssertThrowsError(try FileLock(path: path, timeout: 2, clock: clock)) { error in
            let error = error as? FileOperationError
            XCTAssertEqual(error?.step, .lockTimedOut(seconds: 2))
            XCTAssertEqual(error?.path, path)
            XCTAssertEqual(error?.errno, .wouldBlock)
        }
        // One interval between tries, one deadline: 2 s of 5 ms polls, and no real sleeping.
        XCTAssertEqual(clock.sleeps, Int((2 / FileLock.pollInterval).rounded()), accuracy: 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        holder.release()
        XCTAssertNoThrow(try FileLock(path: path, timeout: 0, clock: clock))
    }

    func testABusyLockTimesOutAfterItsTimeoutOnTheRealClock() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("file.lock")
        let holder = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(holder) }
        XCTAssertEqual(flock(holder, LOCK_EX), 0)
        let start = MonotonicClock().now
        XCTAssertThrowsError(try FileLock(path: path, timeout: 0.2))
        let waited = MonotonicClock().now - start
        XCTAssertGreaterThanOrEqual(waited, 0.2)
        XCTAssertLessThan(waited, 2)
    }

    func testTheLockIsTakenOnceTheHolderReleasesIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("file.lock")
        let holder = try FileLock(path: path, timeout: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { holder.release() }
        XCTAssertNoThrow(try FileLock(path: path, timeout: 5))
    }

    func testASymbolicLinkAsLockFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: directory.file("file.lock"),
                                                   withDestinationPath: "elsewhere")
        XCTAssertThrowsError(try FileLock(path: directory.file("file.lock"), timeout: 0)) { error in
            XCTAssertEqual((error as? FileOperationError)?.step, .openLock)
            XCTAssertEqual((error as? FileOperationError)?.errno, .tooManySymlinks)
        }
    }

    func testTheClocksMoveForward() {
        let monotonic = MonotonicClock().now
        let boot = BootTimeClock().now
        usleep(10_000)
        XCTAssertGreaterThan(MonotonicClock().now, monotonic)
        XCTAssertGreaterThan(BootTimeClock().now, boot)
        XCTAssertGreaterThanOrEqual(BootTimeClock().now, MonotonicClock().now - 1)
    }
}
