import Foundation
import TestSupport
import XCTest
@testable import UnlockAgent

/// A clock that moves only when the test says so, so key timeouts are tested without sleeping.
final class TestClock: AgentClock, @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int64 = 1_000_000  // the server reads it from its own thread; `lock` guards it

    var now: Int64 { lock.withLock { seconds } }

    func advance(by delta: Int64) {
        lock.withLock { seconds += delta }
    }
}

/// An agent served from a thread of the test process, on a real Unix socket under a temporary runtime directory.
final class InProcessAgent {
    let server: AgentServer
    private let stopped = DispatchSemaphore(value: 0)
    private var running = false

    init(location: AgentLocation, exitWhenEmpty: Bool = false, clock: any AgentClock = BootTimeClock()) throws {
        server = try AgentServer(location: location, exitWhenEmpty: exitWhenEmpty, clock: clock)
        try server.start()
        let server = server, done = stopped
        let thread = Thread {
            server.run()
            done.signal()
        }
        running = true
        thread.start()
    }

    /// Stops the loop and waits for it to end (it wipes every key and removes the socket); `false` on a timeout.
    @discardableResult
    func stop() -> Bool {
        guard running else { return true }
        running = false
        server.requestStop()
        return stopped.wait(timeout: .now() + 5) == .success
    }

    deinit { stop() }
}
