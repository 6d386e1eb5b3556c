import Foundation
@testable import HTTPClient
import SecureStore
import TestSupport
import XCTest

/// A broken or hostile endpoint (`Scripts/hostile-http-server.py`) gets a clear error within the time limit, and
/// never a partial body.
final class HostileServerTests: XCTestCase {
    private var server: HostileHTTPServer!

    override func setUpWithError() throws {
        server = try HostileHTTPServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func get(_ path: String) -> HTTPRequest {
        HTTPRequest(method: "GET", url: server.endpoint + path)
    }

    func testASlowDripTimesOutWithinTheLimit() throws {
        let (error, seconds) = try expectFailure(get("/slow"), HTTPSettings(totalTimeout: 1))
        XCTAssertEqual(error.code, .timedOut, error.message)
        XCTAssertTrue(error.message.contains("within the time limit"), error.message)
        XCTAssertGreaterThanOrEqual(seconds, 0.9)
        XCTAssertLessThan(seconds, 1.6)
        let (stalled, stallSeconds) = try expectFailure(get("/stall"), HTTPSettings(totalTimeout: 0.5))
        XCTAssertEqual(stalled.code, .timedOut, stalled.message)
        XCTAssertLessThan(stallSeconds, 1.1)
    }

    func testAHugeBodyIsRefusedWhole() throws {
        for path in ["/huge-declared", "/huge-chunked"] {
            let (error, seconds) = try expectFailure(get(path), HTTPSettings(totalTimeout: 10, maxResponseBytes: 4096))
            XCTAssertEqual(error.code, .responseTooLarge, "\(path): \(error.message)")
            XCTAssertTrue(error.message.contains("larger than the 4096-byte limit; none of it was used"), error.message)
            XCTAssertLessThan(seconds, 5, path)
        }
        // Exactly at the limit is fine.
        let response = try CurlTransport().send(get("/ok"), settings: HTTPSettings(maxResponseBytes: 5))
        XCTAssertEqual(response.text, "hello")
        let (error, _) = try expectFailure(get("/ok"), HTTPSettings(maxResponseBytes: 4))
        XCTAssertEqual(error.code, .responseTooLarge, error.message)
    }

    func testARedirectComesBackAndIsNotFollowed() throws {
        let response = try CurlTransport().send(get("/redirect"), settings: HTTPSettings())
        XCTAssertEqual(response.status, 302)
        XCTAssertEqual(response.header("location"), "/redirect-target")
        XCTAssertEqual(server.requests(), ["GET /redirect"])
    }

    func testBytesThatAreNotHTTPAreAProtocolError() throws {
        for path in ["/garbage", "/bad-chunk", "/close-early"] {
            let (error, _) = try expectFailure(get(path), HTTPSettings(totalTimeout: 5))
            XCTAssertEqual(error.code, .protocolError, "\(path): \(error.message)")
            XCTAssertTrue(error.message.contains("is not valid HTTP or the connection broke"), error.message)
        }
    }

    func testTooManyOrTooLongHeadersAreRefused() throws {
        for (path, reason) in [("/many-headers", "more than 100 header lines"),
                               ("/long-header", "longer than 65536 bytes")] {
            let (error, _) = try expectFailure(get(path), HTTPSettings(totalTimeout: 5))
            XCTAssertEqual(error.code, .protocolError, "\(path): \(error.message)")
            XCTAssertTrue(error.message.contains(reason), error.message)
        }
    }

    func testNothingListeningIsAConnectionFailure() throws {
        let port = server.port
        server.stop()
        let (error, seconds) = try expectFailure(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"),
                                                 HTTPSettings())
        XCTAssertEqual(error.code, .connectionFailed, error.message)
        XCTAssertLessThan(seconds, 1)
    }

    /// What reaches the server is what the caller built: the body byte for byte (also past libcurl's 1 MiB
    /// `Expect: 100-continue` threshold), and none of libcurl's own Expect, Accept-Encoding or form Content-Type.
    func testTheRequestIsSentAsBuilt() throws {
        for size in [0, 27, 2 << 20] {
            var bytes = [UInt8](repeating: 0, count: size)
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 7 &+ 3) }
            let request = HTTPRequest(method: "PUT", url: server.endpoint + "/echo?X-Amz-Signature=abc",
                                      headers: [HTTPHeader("X-Amz-Date", "20261205T120000Z"),
                                                HTTPHeader("X-Empty", "")],
                                      body: SecretBytes(bytes))
            let response = try CurlTransport().send(request, settings: HTTPSettings(maxResponseBytes: 1 << 20))
            XCTAssertEqual(response.status, 200)
            let echo = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
            XCTAssertEqual(echo["method"] as? String, "PUT")
            XCTAssertEqual(echo["path"] as? String, "/echo?X-Amz-Signature=abc")
            XCTAssertEqual(echo["bodyLength"] as? Int, size)
            let digest = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
                "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                stdin: Data(bytes))
            XCTAssertEqual(echo["bodySHA256"] as? String, digest.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let headers = (echo["headers"] as? [[String]] ?? []).map { ($0.first ?? "").lowercased() }
            XCTAssertTrue(headers.contains("x-amz-date"), "\(headers)")
            XCTAssertTrue(headers.contains("x-empty"), "\(headers)")
            for added in ["expect", "accept-encoding", "content-type", "transfer-encoding"] {
                XCTAssertFalse(headers.contains(added), "libcurl added \(added): \(headers)")
            }
        }
        XCTAssertFalse(server.requests().contains { !$0.hasPrefix("PUT /echo") }, "\(server.requests())")
    }

    func testHeadersThatWouldSplitTheRequestAreNotSent() throws {
        for header in [HTTPHeader("X-Bad", "a\r\nInjected: yes"), HTTPHeader("Bad Name", "v"),
                       HTTPHeader("X-Nul", "a\u{0}b")] {
            let request = HTTPRequest(method: "GET", url: server.endpoint + "/ok", headers: [header])
            let (error, _) = try expectFailure(request, HTTPSettings())
            XCTAssertEqual(error.code, .protocolError, error.message)
            XCTAssertTrue(error.message.contains("was not sent"), error.message)
        }
        let (error, _) = try expectFailure(HTTPRequest(method: "GET /x", url: server.endpoint + "/ok"), HTTPSettings())
        XCTAssertTrue(error.message.contains("was not sent"), error.message)
        XCTAssertEqual(server.requests(), [])
    }

    func testOnlyHTTPAndHTTPSURLsWithoutUserInformation() throws {
        for url in ["ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1/", "http://user:pass@127.0.0.1/",
                    "http://127.0.0.1:0/", "http://", "http://exa mple.com/", "gopher://127.0.0.1:70/"] {
            let (error, _) = try expectFailure(HTTPRequest(method: "GET", url: url), HTTPSettings())
            XCTAssertEqual(error.code, .invalidURL, "\(url): \(error.message)")
            XCTAssertFalse(error.message.contains("pass@"), error.message)
        }
    }
}
