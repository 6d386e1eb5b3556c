import Foundation

/// A real forward proxy (Debian's `tinyproxy`) on 127.0.0.1, for proxy tests: its own config in a private temporary
/// directory, CONNECT allowed only to the ports given, every connection logged (`log()`, `sawConnection(to:)`), run
/// in the foreground and stopped by PID when the value goes away. Skips (MissingPeer) when tinyproxy is missing.
package final class Tinyproxy {
    /// The port it listens on.
    package let port: Int
    /// `http://127.0.0.1:PORT`, the value for `HTTPS_PROXY`/`HTTP_PROXY`.
    package var url: String { "http://127.0.0.1:\(port)" }

    private let peer: PeerProcess
    private let work: TemporaryDirectory

    /// Starts tinyproxy allowing CONNECT (HTTPS tunnels) to `connectPorts` only, and waits until it accepts.
    package init(connectPorts: [Int]) throws {
        guard let tinyproxy = ProcessRunner.which("tinyproxy")
                ?? ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first(where: FileManager.default.isExecutableFile)
                    .map(URL.init(fileURLWithPath:)) else {
            throw MissingPeer.error("the proxy tests", needs: "tinyproxy (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs the Debian package tinyproxy)")
        }
        work = try TemporaryDirectory(prefix: "credstore-proxy")
        // A free port can be taken by another process before tinyproxy binds it: then it exits, and another is tried.
        var started: (port: Int, peer: PeerProcess)?
        var failure = ""
        for attempt in 1...3 where started == nil {
            let port = LocalPort.free()
            let config = """
                Port \(port)
                Listen 127.0.0.1
                Timeout 30
                LogFile "\(work.file("tinyproxy.log"))"
                LogLevel Info
                PidFile "\(work.file("tinyproxy.pid"))"
                MaxClients 20
                Allow 127.0.0.1
                DisableViaHeader Yes
                """ + connectPorts.map { "\nConnectPort \($0)" }.joined() + "\n"
            let configPath = try work.write(config, to: "tinyproxy-\(attempt).conf")
            let peer = try PeerProcess(tinyproxy, ["-d", "-c", configPath],
                                       environment: ["PATH": "/usr/bin:/bin", "HOME": work.path],
                                       logPath: work.file("stderr-\(attempt).log"))
            if LocalPort.waitUntilAccepting(port, seconds: 10, alive: { peer.isRunning }) {
                started = (port, peer)
            } else {
                peer.stop()
                let log = (try? String(contentsOfFile: work.file("tinyproxy.log"), encoding: .utf8)) ?? ""
                failure = "tinyproxy did not accept connections on 127.0.0.1:\(port): " + peer.log().suffix(2000)
                    + log.suffix(2000)
            }
        }
        guard let started else { throw MissingPeer(description: failure) }
        port = started.port
        peer = started.peer
    }

    deinit { stop() }

    /// Stops the proxy by its PID (idempotent).
    package func stop() {
        peer.stop()
    }

    /// tinyproxy's log so far (connections, CONNECT requests, refusals).
    package func log() -> String {
        (try? String(contentsOfFile: work.file("tinyproxy.log"), encoding: .utf8)) ?? ""
    }

    /// Whether the log shows a request through the proxy to 127.0.0.1:`port` (a CONNECT tunnel or a forwarded
    /// plain-HTTP request).
    package func sawRequest(toPort port: Int) -> Bool {
        requestCount(toPort: port) > 0
    }

    /// How many requests through the proxy to 127.0.0.1:`port` the log shows (its `Request (file descriptor N):`
    /// lines; other lines, such as a connection closing, may be written later and are not counted).
    package func requestCount(toPort port: Int) -> Int {
        log().split(separator: "\n").filter { line in
            line.contains("Request (file descriptor") && line.contains("127.0.0.1:\(port)")
        }.count
    }
}
