import Foundation
import XCTest
@testable import UnlockAgent

/// A temporary HOME for one test, removed afterwards: the runtime directory (the agent's socket) and every store and
/// key file of a test live under it, never under the real HOME.
final class TemporaryHome {
    /// The temporary HOME directory; removed by `deinit`.
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "credstore-agent-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// HOME, XDG data and runtime directories inside the temporary HOME, and nothing from CREDSTORE_* or systemd.
    var environment: [String: String] {
        ["HOME": path, "XDG_DATA_HOME": path + "/.local/share", "XDG_RUNTIME_DIR": path + "/run"]
    }

    /// Writes `contents` to `relativePath` with mode 0600, creating parent directories; returns the full path.
    @discardableResult
    func write(_ contents: String, to relativePath: String) throws -> String {
        let file = path + "/" + relativePath
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        return file
    }
}

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
