import Foundation
import Glibc
import XCTest

/// Runs a program (the built `credstore`) on a pseudo-terminal of its own (its controlling terminal, `/dev/tty`, and
/// its stdin, stdout and stderr), so tests can answer its prompts as a person at a terminal would: wait for a prompt
/// with `expect`, answer with `send`, then `finish`. What the program writes (and the terminal echoes) is
/// `transcript`.
package final class TerminalSession {
    private let master: Int32
    private let process = Process()
    /// Everything read from the terminal so far (output and echoed input; line ends are "\r\n").
    package private(set) var transcript = ""
    /// Where the next `expect` starts looking.
    private var searchFrom = 0

    /// Starts `executable ARGS…` in a new session whose controlling terminal is a fresh pseudo-terminal.
    package init(executable: String, _ arguments: [String], environment: [String: String]) throws {
        let pty = try PTYFunctions()
        master = pty.openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0, pty.grantpt(master) == 0, pty.unlockpt(master) == 0, let name = pty.ptsname(master) else {
            throw MissingPeer.error("the pseudo-terminal prompt tests",
                                    needs: "a pseudo-terminal (/dev/ptmx: \(String(cString: strerror(errno))))",
                                    remedy: "mount devpts (containers: run with a /dev/pts)")
        }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            throw MissingPeer.error("the pseudo-terminal prompt tests", needs: "an openable /dev/pts slave",
                                    remedy: "mount devpts (containers: run with a /dev/pts)")
        }
        defer { close(slave) }  // the child holds its own copies; the parent's would keep the terminal open
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        // `setsid --ctty` starts a new session and makes its stdin (the slave) the controlling terminal.
        let setsid = "/usr/bin/setsid"
        guard FileManager.default.isExecutableFile(atPath: setsid) else {
            throw MissingPeer.error("the pseudo-terminal prompt tests", needs: "\(setsid) (util-linux)",
                                    remedy: "install util-linux")
        }
        process.executableURL = URL(fileURLWithPath: setsid)
        process.arguments = ["--ctty", "--wait", executable] + arguments
        process.environment = environment
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit {
        close(master)  // hangs up the terminal: a program still waiting for input gets SIGHUP
        if process.isRunning { process.terminate() }
    }

    /// Reads until `text` appears (after the previous match) or `timeout` seconds pass; fails the test then.
    @discardableResult
    package func expect(_ text: String, timeout: Double = 20, file: StaticString = #filePath,
                        line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let unseen = String(transcript.dropFirst(searchFrom))
            if let range = unseen.range(of: text) {
                searchFrom += unseen.distance(from: unseen.startIndex, to: range.upperBound)
                return true
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, readOnce(timeout: remaining) else {
                XCTFail("never saw \(text.debugDescription) on the terminal; it showed: \(transcript.debugDescription)",
                        file: file, line: line)
                return false
            }
        }
    }

    /// Types `line` and Enter.
    package func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress!, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Reads the rest of the output and waits for the program to exit (at most `timeout` seconds; a program still
    /// running then is hung up on and the result is -1). Returns the exit status.
    package func finish(timeout: Double = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0, readOnce(timeout: deadline.timeIntervalSinceNow) {}
        guard deadline.timeIntervalSinceNow > 0 || !process.isRunning else {
            process.terminate()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// One read of whatever the terminal has; `false` at end of output (the program closed it) or on timeout.
    private func readOnce(timeout: Double) -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(max(1, min(timeout, 3600) * 1000)))
        if ready < 0 && errno == EINTR { return true }
        guard ready > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress!, $0.count) }
        if count < 0 && errno == EINTR { return true }
        guard count > 0 else { return false }  // EIO: every copy of the slave side is closed
        transcript += String(decoding: buffer[0..<count], as: UTF8.self)
        return true
    }
}

/// glibc's pseudo-terminal calls, looked up at run time: `<stdlib.h>` declares them only under `_XOPEN_SOURCE`, which
/// the Glibc module does not set.
private struct PTYFunctions {
    let openpt: @convention(c) (Int32) -> Int32
    let grantpt: @convention(c) (Int32) -> Int32
    let unlockpt: @convention(c) (Int32) -> Int32
    let ptsname: @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    init() throws {
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
                throw MissingPeer.error("the pseudo-terminal prompt tests", needs: "glibc's \(name)",
                                        remedy: "run on glibc")
            }
            return unsafeBitCast(address, to: type)
        }
        openpt = try symbol("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
        grantpt = try symbol("grantpt", as: (@convention(c) (Int32) -> Int32).self)
        unlockpt = try symbol("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
        ptsname = try symbol("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    }
}
