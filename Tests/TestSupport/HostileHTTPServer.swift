import Foundation

/// `Scripts/hostile-http-server.py` on 127.0.0.1 (optionally over TLS with a `LocalCA` certificate): a server that
/// answers by path with what a broken or hostile endpoint sends — a slow drip, a huge body, a redirect, bytes that
/// are not HTTP, too many headers, a bad chunk, a body cut short, XML that is not XML (the script's header lists
/// them all), plus `/echo`, which returns the request as received. Stopped by PID when the value goes away.
package final class HostileHTTPServer {
    /// The port it listens on.
    package let port: Int
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash: append a path such as `/slow`).
    package let endpoint: String

    private let peer: PeerProcess
    private let work: TemporaryDirectory

    /// Starts the server; with `certificate` and `key` it serves TLS with them.
    package init(certificate: String? = nil, key: String? = nil) throws {
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error("the hostile-server tests", needs: "python3 (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        work = try TemporaryDirectory(prefix: "credstore-hostile")
        var arguments = [TestPaths.packageRoot.appendingPathComponent("Scripts/hostile-http-server.py").path,
                         "--port", "0"]
        if let certificate, let key { arguments += ["--cert", certificate, "--key", key] }
        peer = try PeerProcess(python, arguments,
                               environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                                             "HOME": work.path, "PYTHONUNBUFFERED": "1"],
                               logPath: work.file("server.log"))
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil && Date() < deadline && peer.isRunning {
            found = peer.log().split(separator: "\n").lazy.compactMap { line -> Int? in
                line.hasPrefix("PORT ") ? Int(line.dropFirst(5)) : nil
            }.first
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            peer.stop()
            throw MissingPeer(description: "the hostile HTTP server did not start: \(peer.log().suffix(2000))")
        }
        port = found
        endpoint = "\(certificate == nil ? "http" : "https")://127.0.0.1:\(found)"
    }

    deinit { stop() }

    /// Stops the server by its PID (idempotent).
    package func stop() {
        peer.stop()
    }

    /// The requests it has read so far, as `METHOD PATH`.
    package func requests() -> [String] {
        peer.log().split(separator: "\n").filter { $0.hasPrefix("REQUEST ") }.map { String($0.dropFirst(8)) }
    }
}
