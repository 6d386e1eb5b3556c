import Foundation
import XCTest
@testable import CredentialLookup
import Glibc
import HTTPClient
import SystemLayer

/// IMDSv2 against a real local HTTP server (`Scripts/imds-server.py`) on 127.0.0.1, plus endpoints that refuse or
/// never answer, timed.
final class InstanceMetadataTests: XCTestCase {
    /// The metadata server, started on a free port and stopped by PID.
    private final class MetadataServer {
        let process = Process()
        let port: Int
        var endpoint: String { "http://127.0.0.1:\(port)" }

        init(_ arguments: [String] = []) throws {
            let script = packageRoot + "/Scripts/imds-server.py"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "--port", "0"] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
                kill(process.processIdentifier, SIGKILL)
                throw NSError(domain: "imds-server", code: 1,
                              userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
            }
            self.port = port
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    private func fixture(endpoint: String) -> Fixture {
        var fixture = Fixture()
        fixture.environment["AWS_EC2_METADATA_DISABLED"] = nil
        fixture.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoint
        return fixture
    }

    private func source(_ environment: [String: String], timeout: Double = 1) -> InstanceMetadataSource {
        InstanceMetadataSource(environment: environment, options: LookupOptions(instanceMetadataTimeout: timeout))
    }

    func testRoleDiscoveryAndCredentialsOverIMDSv2() throws {
        let server = try MetadataServer(["--role", "web-server"])
        defer { server.stop() }
        let fixture = fixture(endpoint: server.endpoint + "/")

        let resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin, CredentialOrigin(step: .instanceMetadata, storeType: .instanceMetadata,
                                                           location: server.endpoint + "/"))
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, Example.secret)
        XCTAssertEqual(resolution.credentials.sessionToken, SecretBytes(utf8: "IQoJb3JpZ2luX2VjEXAMPLETOKEN"))
        let expiration = try XCTUnwrap(resolution.credentials.expiration)
        XCTAssertEqual(expiration.timeIntervalSinceNow, 6 * 3600, accuracy: 120)
        XCTAssertEqual(resolution.notes, ["instance role 'web-server'"])

        // Earlier steps still win over the instance role.
        fixture.store.profiles["default"] = staticEntry("default", keyID: Example.otherKeyID)
        XCTAssertEqual(try fixture.resolve().origin.step, .defaultProfile)
    }

    func testTheServerRequiresASessionToken() throws {
        let server = try MetadataServer()
        defer { server.stop() }
        let client = MetadataRequester(endpoint: try MetadataEndpoint(parsing: server.endpoint),
                                       transport: CurlTransport(), deadline: MonotonicClock().now + 2,
                                       clock: MonotonicClock())
        let withoutToken = try client.request(method: "GET", path: "/latest/meta-data/iam/security-credentials/")
        XCTAssertEqual(withoutToken.status, 401)
        let withoutLifetime = try client.request(method: "PUT", path: "/latest/api/token")
        XCTAssertEqual(withoutLifetime.status, 400)
        let token = try client.request(method: "PUT", path: "/latest/api/token",
                                       headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", "60")])
        XCTAssertEqual(token.status, 200)
        let withToken = try client.request(method: "GET", path: "/latest/meta-data/iam/security-credentials/",
                                           headers: [HTTPHeader("X-aws-ec2-metadata-token",
                                                                token.body.unsafeUTF8String() ?? "")])
        XCTAssertEqual(withToken.status, 200)
        XCTAssertEqual(withToken.body, SecretBytes(utf8: "credstore-test-role\n"))
    }

    func testExpiredInstanceCredentialsAreAnError() throws {
        let server = try MetadataServer(["--expired"])
        defer { server.stop() }
        let error = try XCTUnwrap(fixture(endpoint: server.endpoint).lookupError())
        XCTAssertEqual(error.code, .expired)
        XCTAssertTrue(error.message.contains("instance metadata service"), error.message)
    }

    func testNoRoleIsNotHereButBrokenCredentialsAreAnError() throws {
        var server = try MetadataServer(["--no-role"])
        var error = try XCTUnwrap(fixture(endpoint: server.endpoint).lookupError())
        server.stop()
        XCTAssertEqual(error.code, .noCredentialsFound)
        XCTAssertEqual(error.searched.last,
                       "instance metadata service (\(server.endpoint)): the instance has no IAM role")

        server = try MetadataServer(["--malformed"])
        error = try XCTUnwrap(fixture(endpoint: server.endpoint).lookupError())
        server.stop()
        XCTAssertEqual(error.code, .instanceMetadataFailed)
        XCTAssertTrue(error.message.contains("not valid JSON"), error.message)

        server = try MetadataServer(["--code", "Failure"])
        error = try XCTUnwrap(fixture(endpoint: server.endpoint).lookupError())
        server.stop()
        XCTAssertEqual(error.code, .instanceMetadataFailed)
        XCTAssertTrue(error.message.contains("'Failure'"), error.message)
    }

    /// A Code the server chose is escaped in the message (it may hold terminal escapes), and a reply that is valid
    /// JSON is not called "not valid JSON".
    func testAHostileCodeIsEscapedAndNotCalledInvalidJSON() throws {
        let server = try MetadataServer(["--code", "\u{1B}]0;PWNED\u{07}\u{1B}[2J"])
        defer { server.stop() }
        let error = try XCTUnwrap(fixture(endpoint: server.endpoint).lookupError())
        XCTAssertEqual(error.code, .instanceMetadataFailed)
        XCTAssertFalse(error.message.contains("not valid JSON"), error.message)
        XCTAssertTrue(error.message.contains(#"'\u{1B}]0;PWNED\u{07}\u{1B}[2J', not 'Success'"#), error.message)
        XCTAssertFalse(error.description.unicodeScalars.contains { $0.value < 0x20 }, error.description)
    }

    func testDisabledMeansNoRequestAtAll() throws {
        let server = try MetadataServer()
        defer { server.stop() }
        var fixture = fixture(endpoint: server.endpoint)
        fixture.environment["AWS_EC2_METADATA_DISABLED"] = "TRUE"
        let error = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(error.code, .noCredentialsFound)
        XCTAssertEqual(error.searched.last, "instance metadata service (disabled by AWS_EC2_METADATA_DISABLED)")
    }

    func testAnEndpointThatRefusesConnectionsIsNotHereAtOnce() throws {
        let server = try MetadataServer()
        let endpoint = server.endpoint
        server.stop()
        let start = MonotonicClock().now
        let result = try source(["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint]).resolve(LookupRequest())
        let elapsed = MonotonicClock().now - start
        guard case .notHere(let searched) = result else { return XCTFail("expected not here, got \(result)") }
        XCTAssertTrue(searched.first?.contains("unreachable") ?? false, "\(searched)")
        XCTAssertLessThan(elapsed, 0.5)
    }

    func testAnEndpointThatNeverAnswersIsNotHereWithinTheTimeout() throws {
        // A listening socket that never accepts: connect succeeds through the backlog, then nothing comes back.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { return XCTFail("socket: errno \(errno)") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                XCTAssertEqual(bind(listener, raw, length), 0)
                XCTAssertEqual(listen(listener, 4), 0)
                XCTAssertEqual(getsockname(listener, raw, &length), 0)
            }
        }
        let endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"

        for (environment, timeout, expected) in [
            (["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint], 0.5, 0.5),
            (["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint, "AWS_METADATA_SERVICE_TIMEOUT": "0.3"], 1.0, 0.3),
        ] {
            let start = MonotonicClock().now
            let result = try source(environment, timeout: timeout).resolve(LookupRequest())
            let elapsed = MonotonicClock().now - start
            guard case .notHere(let searched) = result else { return XCTFail("expected not here, got \(result)") }
            XCTAssertTrue(searched.first?.contains("no answer in time") ?? false, "\(searched)")
            XCTAssertGreaterThanOrEqual(elapsed, expected - 0.05)
            XCTAssertLessThan(elapsed, expected + 0.4)
        }
        XCTAssertEqual(source(["AWS_METADATA_SERVICE_TIMEOUT": "3600"]).timeout, 10)
        XCTAssertEqual(source(["AWS_METADATA_SERVICE_TIMEOUT": "0"]).timeout, 0.1)
        XCTAssertEqual(source([:], timeout: 99).timeout, 10)
    }

    func testTheDefaultEndpointGivesUpQuicklyOffEC2() throws {
        // 169.254.169.254 does not exist here: whatever the network does with it, the lookup must not wait long.
        let start = MonotonicClock().now
        let result = try source([:]).resolve(LookupRequest())
        let elapsed = MonotonicClock().now - start
        if case .found = result {
            throw XCTSkip("skipped the off-EC2 timeout check: this machine has an instance metadata service")
        }
        XCTAssertLessThan(elapsed, 1.3)
    }

    func testEndpointParsing() throws {
        var endpoint = try MetadataEndpoint(parsing: "http://169.254.169.254")
        XCTAssertEqual([endpoint.host, String(endpoint.port), endpoint.hostHeader], ["169.254.169.254", "80",
                                                                                     "169.254.169.254"])
        endpoint = try MetadataEndpoint(parsing: "http://[fd00:ec2::254]:8080/")
        XCTAssertEqual([endpoint.host, String(endpoint.port), endpoint.hostHeader], ["fd00:ec2::254", "8080",
                                                                                     "[fd00:ec2::254]:8080"])
        for bad in ["https://169.254.169.254", "169.254.169.254", "http://", "http://host/latest", "http://h:0",
                    "http://h:99999", "http://user@h", "http://[::1"] {
            XCTAssertThrowsError(try MetadataEndpoint(parsing: bad), bad) {
                XCTAssertEqual(($0 as? CredentialLookupError)?.code, .invalidInstanceMetadataEndpoint, bad)
            }
        }
        let error = try XCTUnwrap(fixture(endpoint: "https://169.254.169.254").lookupError())
        XCTAssertEqual(error.code, .invalidInstanceMetadataEndpoint)
        XCTAssertTrue(error.message.contains("only http://"), error.message)
    }
}

/// The metadata client's HTTP through the transport (libcurl): replies no well-behaved server sends. These tested
/// the hand-written HTTP parser before; the same replies must still be refused, or decoded, and the lookup go on.
final class MetadataHTTPClientTests: XCTestCase {
    private func client(_ server: OneShotHTTPServer) throws -> MetadataRequester {
        MetadataRequester(endpoint: try MetadataEndpoint(parsing: server.endpoint), transport: CurlTransport(),
                          deadline: MonotonicClock().now + 2, clock: MonotonicClock())
    }

    func testChunkedBodiesAreDecoded() throws {
        var server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           + "4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n")
        let decoded = try client(server).request(method: "GET", path: "/")
        server.finish()
        XCTAssertEqual(decoded.body, SecretBytes(utf8: "Wikipedia in \r\n\r\nchunks."))
        server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       + "9\r\nshort\r\n")
        XCTAssertThrowsError(try client(server).request(method: "GET", path: "/")) {
            XCTAssertTrue("\($0)".hasPrefix("bad HTTP response: "), "\($0)")
        }
        server.finish()
    }

    func testHugeChunkSizesAreRejectedWithoutOverflow() throws {
        // `size + 2` trapped for sizes near Int.max in the hand-written parser; none can be honest here.
        for size in ["7FFFFFFFFFFFFFFF", "7ffffffffffffffe", "10001", "-1"] {
            let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               + "\(size)\r\nabc\r\n0\r\n\r\n")
            XCTAssertThrowsError(try client(server).request(method: "GET", path: "/"), size) {
                XCTAssertTrue("\($0)".hasPrefix("bad HTTP response: "), "\(size): \($0)")
            }
            server.finish()
        }
    }

    func testHugeContentLengthsAreMalformedAndTheLookupMovesOn() throws {
        // `bodyStart + length` trapped for lengths near Int.max in the hand-written parser.
        for length in ["9223372036854775807", "9223372036854775800", "65537"] {
            let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n\r\nabc")
            XCTAssertThrowsError(try client(server).request(method: "GET", path: "/"), length) {
                XCTAssertTrue("\($0)".hasPrefix("bad HTTP response: "), "\(length): \($0)")
                XCTAssertTrue("\($0)".contains("larger than the 65536-byte limit"), "\(length): \($0)")
            }
            server.finish()
        }

        let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n")
        let source = InstanceMetadataSource(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint],
                                            options: LookupOptions(instanceMetadataTimeout: 2))
        let result = try source.resolve(LookupRequest())
        server.finish()
        guard case .notHere(let searched) = result else { return XCTFail("expected not here, got \(result)") }
        XCTAssertTrue(searched.first?.contains("bad HTTP response") ?? false, "\(searched)")
    }

    func testAHugeChunkSizeFromAServerIsMalformed() throws {
        let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           + "7FFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n")
        defer { server.finish() }
        XCTAssertThrowsError(try client(server).request(method: "GET", path: "/")) {
            XCTAssertTrue("\($0)".hasPrefix("bad HTTP response: "), "\($0)")
        }
    }

    /// The metadata service is never reached through a proxy, whatever the environment says.
    func testNoProxyIsUsed() throws {
        let server = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        defer { server.finish() }
        setenv("http_proxy", "http://127.0.0.1:9", 1)
        defer { unsetenv("http_proxy") }
        XCTAssertEqual(try client(server).request(method: "GET", path: "/").body, SecretBytes(utf8: "ok"))
    }
}

/// A server on 127.0.0.1 that accepts one connection, reads the request head, sends a fixed reply and closes, so a
/// test can give the client replies no well-behaved server would send.
private final class OneShotHTTPServer {
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    let endpoint: String

    init(response: String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let done = self.done
        let thread = Thread {
            defer { done.signal() }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) {
                let count = recv(connection, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                request.append(contentsOf: buffer[0..<count])
            }
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        thread.start()
    }

    /// Waits for the reply to be sent (or the client to give up) and stops listening.
    func finish() {
        shutdown(listener, Int32(SHUT_RDWR))
        done.wait()
        close(listener)
    }
}
