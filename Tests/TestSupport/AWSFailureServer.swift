import Foundation

/// `Scripts/aws-failure-server.py` on 127.0.0.1: an endpoint that throttles, fails with 5xx, redirects, sends garbage
/// or a truncated reply, or answers as KMS does for a disabled key, by path (the script's header lists them). Stopped
/// by PID when the value goes away.
package final class AWSFailureServer {
    /// `http://127.0.0.1:PORT`; append the mode's path.
    package let endpoint: String
    private let peer: PeerProcess
    private let work: TemporaryDirectory

    /// Starts the script and waits (up to 20 s) for the port it prints.
    package init() throws {
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error("the failing-endpoint tests", needs: "python3 (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        work = try TemporaryDirectory(prefix: "credstore-awsfail")
        let script = TestPaths.packageRoot.appendingPathComponent("Scripts/aws-failure-server.py").path
        peer = try PeerProcess(python, [script],
                               environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                                             "HOME": work.path, "PYTHONUNBUFFERED": "1"],
                               logPath: work.file("server.log"))
        guard let found = peer.announcedPort(within: 20) else {
            peer.stop()
            throw MissingPeer(description: "the failing AWS endpoint did not start: \(peer.log().suffix(2000))")
        }
        endpoint = "http://127.0.0.1:\(found)"
    }

    deinit { peer.stop() }

    /// The requests it answered for `mode`, as their `X-Amz-Date` values.
    package func dates(_ mode: String) -> [String] {
        peer.log().split(separator: "\n").filter { $0.hasPrefix("REQUEST /\(mode) ") }
            .map { String($0.split(separator: " ").last ?? "") }
    }
}
