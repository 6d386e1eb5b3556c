import Foundation

/// TCP ports on 127.0.0.1 for test peers (moto, tinyproxy, hostile servers).
package enum LocalPort {
    /// A port that was free a moment ago (bound to port 0, then released), for a peer that needs a port number on its
    /// command line. Another process could take it in between: peers that fail to start say so.
    package static func free() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now.
    package static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// Waits until `port` accepts connections, at most `seconds`, giving up early when `alive` turns false (the peer
    /// exited). Returns whether it accepts.
    package static func waitUntilAccepting(_ port: Int, seconds: Double, alive: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if accepts(port) { return true }
            if !alive() { return false }
            usleep(50_000)
        }
        return accepts(port)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }
}

/// A test peer running as a child process, stopped by its PID (SIGTERM, then SIGKILL after two seconds) when the
/// value goes away or `stop()` is called; its standard output and error go to `logPath`.
package final class PeerProcess {
    /// The child.
    package let process: Process
    /// Where its output goes.
    package let logPath: String

    /// Starts `executable arguments…` with exactly `environment`, output appended to `logPath`.
    package init(_ executable: URL, _ arguments: [String], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil,
                                           attributes: [.posixPermissions: 0o600])
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
    }

    deinit { stop() }

    /// Whether the child still runs.
    package var isRunning: Bool { process.isRunning }

    /// Its PID.
    package var pid: Int32 { process.processIdentifier }

    /// Stops the child by PID and waits for it.
    package func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What it has written so far.
    package func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The port a script announces with a `PORT N` line once it listens (the Python peers in `Scripts/` bind port 0
    /// and print it), waiting up to `seconds`; nil when it exits or says nothing in time.
    package func announcedPort(within seconds: Double = 20) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && isRunning {
            if let port = log().split(separator: "\n").lazy
                .compactMap({ $0.hasPrefix("PORT ") ? Int($0.dropFirst(5)) : nil }).first {
                return port
            }
            usleep(20_000)
        }
        return nil
    }
}
