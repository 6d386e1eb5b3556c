import Foundation
import TestSupport
import XCTest

/// The system libcurl (and the ~30 libraries it pulls in) is loaded with dlopen only when a request is made: commands
/// that never touch the network do not map it. The dynamic loader reports every library it loads (`LD_DEBUG=libs`,
/// on standard error), the dlopen'ed ones included.
final class LibraryLoadingCLITests: XCTestCase {
    /// The libraries the loader loaded in the run, by file name.
    private func loadedLibraries(_ result: CLIResult) -> Set<String> {
        var names: Set<String> = []
        for line in result.stderr.split(separator: "\n") {
            guard let range = line.firstRange(of: "file=") else { continue }
            let name = line[range.upperBound...].prefix { $0 != " " && $0 != "\t" && $0 != ";" }
            names.insert(String(name.split(separator: "/").last ?? name))
        }
        return names
    }

    func testCommandsWithoutNetworkDoNotLoadLibcurlButAnIMDSLookupDoes() throws {
        let home = try KeyFileHome()
        try home.setProfile("p", keyID: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        for arguments in [["--version"], ["list"], ["export", "--profile", "p"],
                          ["export", "--profile", "p", "--key-file", home.keyPath]] {
            let result = try home.run(arguments, environment: ["LD_DEBUG": "libs"])
            XCTAssertEqual(result.status, 0, "credstore \(arguments.joined(separator: " ")) failed")
            let loaded = loadedLibraries(result)
            XCTAssertTrue(loaded.contains { $0.hasPrefix("libc.so") }, "LD_DEBUG printed nothing: \(loaded)")
            XCTAssertFalse(loaded.contains { $0.hasPrefix("libcurl") || $0.hasPrefix("libssl") },
                           "credstore \(arguments.joined(separator: " ")) loaded \(loaded.sorted())")
        }

        // Positive control: a lookup that reaches the instance metadata service loads libcurl (and its TLS library).
        guard let python = ProcessRunner.which("python3") else {
            throw MissingPeer.error("the libcurl loading check", needs: "python3 (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        let work = try TemporaryDirectory()
        let server = try PeerProcess(python, [TestPaths.packageRoot.path + "/Scripts/imds-server.py", "--port", "0"],
                                     environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"],
                                     logPath: work.file("imds.log"))
        defer { server.stop() }
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = server.log().split(separator: "\n").compactMap { $0.hasPrefix("PORT ") ? Int($0.dropFirst(5)) : nil }
                .first
            if port == nil { usleep(25_000) }
        }
        let endpoint = "http://127.0.0.1:\(try XCTUnwrap(port, "imds-server.py did not start: \(server.log())"))"
        let empty = try TemporaryHome()
        var environment = empty.environment.merging(["LD_DEBUG": "libs",
                                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint]) { $1 }
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        let lookup = try CLI.run(["export"], environment: environment)
        XCTAssertEqual(lookup.status, 0, "the IMDS lookup failed")
        XCTAssertTrue(lookup.stdout.contains("AKIAIOSFODNN7EXAMPLE"))
        let loaded = loadedLibraries(lookup)
        XCTAssertTrue(loaded.contains("libcurl.so.4"), "the IMDS lookup did not load libcurl: \(loaded.sorted())")
        XCTAssertTrue(loaded.contains { $0.hasPrefix("libssl") }, "\(loaded.sorted())")
    }
}

/// libcurl would write every connection's TLS secrets to the file `SSLKEYLOGFILE` names: with it set, credstore does
/// not load libcurl at all, says why, and the file is never created.
final class KeyLogCLITests: XCTestCase {
    func testSSLKeyLogFileStopsLibcurlFromLoading() throws {
        let home = try TemporaryHome()
        let keyLog = home.path + "/keys.log"
        var environment = home.environment.merging(["SSLKEYLOGFILE": keyLog, "LD_DEBUG": "libs",
                                                    "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"]) { $1 }
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        let lookup = try CLI.run(["export"], environment: environment)
        XCTAssertNotEqual(lookup.status, 0)
        XCTAssertTrue(lookup.stderr.contains("SSLKEYLOGFILE is set"), lookup.stderr)
        XCTAssertFalse(lookup.stderr.contains("file=libcurl"), "libcurl was loaded")
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyLog))
    }
}
