import CredentialLookup
import CredentialServer
import Foundation
import SecureStore
import TestSupport
import XCTest

/// The endpoint against a real HTTP client (the curl CLI): the protocol the SDKs read, the token, path and method
/// checks, expiry, refresh, limits, concurrency and the closed port after `stop()`.
final class CredentialServerTests: XCTestCase {
    private static let area = "the credential endpoint tests"

    /// A client request: status and body. The token goes to curl on standard input (its config), never in argv.
    struct Reply {
        let status: Int
        let body: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    private func curl() throws -> URL {
        guard let curl = ProcessRunner.which("curl") else {
            throw MissingPeer.error(Self.area, needs: "curl (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs curl)")
        }
        return curl
    }

    private func request(_ url: String, token: String?, method: String = "GET",
                         extraHeader: String? = nil) throws -> Reply {
        var config = "url = \"\(url)\"\nrequest = \"\(method)\"\nsilent\nwrite-out = \"\\n%{http_code}\"\n"
        // curl drops a header given as "Name:" with no value; "Name;" sends it empty.
        if let token {
            config += token.isEmpty ? "header = \"Authorization;\"\n" : "header = \"Authorization: \(token)\"\n"
        }
        if let extraHeader { config += "header = \"\(extraHeader)\"\n" }
        let result = try ProcessRunner.run(try curl(), ["--config", "-", "--max-time", "10"], environment: [:],
                                           stdin: Data(config.utf8))
        XCTAssertEqual(result.status, 0, "curl failed: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return Reply(status: Int(lines.last ?? "") ?? -1, body: lines.dropLast().joined(separator: "\n"))
    }

    private static func exampleKey() -> Credentials {
        Credentials(accessKeyID: ExampleKeys.accessKeyID,
                    secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey))
    }

    func testServesTheECSContainerCredentialsDocument() throws {
        let expiry = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01T00:00:00Z
        let server = try CredentialServer {
            Credentials(accessKeyID: ExampleKeys.accessKeyID,
                        secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey),
                        sessionToken: SecretBytes(utf8: "session\"token\\with/odd+chars"), expiration: expiry)
        }
        defer { server.stop() }
        XCTAssertTrue(server.uri.hasPrefix("http://127.0.0.1:\(server.port)/"))
        XCTAssertEqual(server.authorizationTokenText.count, 64)
        let reply = try request(server.uri, token: server.authorizationTokenText)
        XCTAssertEqual(reply.status, 200)
        let json = try XCTUnwrap(reply.json, reply.body)
        XCTAssertEqual(json["AccessKeyId"] as? String, ExampleKeys.accessKeyID)
        XCTAssertEqual(json["SecretAccessKey"] as? String, ExampleKeys.secretAccessKey)
        XCTAssertEqual(json["Token"] as? String, "session\"token\\with/odd+chars")
        XCTAssertEqual(json["Expiration"] as? String, "2100-01-01T00:00:00Z")
    }

    func testALongLivedKeyIsServedWithAnEmptyTokenAndAShortLease() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let server = try CredentialServer(now: { now }) { Self.exampleKey() }
        defer { server.stop() }
        let json = try XCTUnwrap(try request(server.uri, token: server.authorizationTokenText).json)
        XCTAssertEqual(json["Token"] as? String, "")
        XCTAssertEqual(json["Expiration"] as? String, RFC3339.format(now.addingTimeInterval(20 * 60)))
    }

    func testRequestsWithoutTheRightTokenPathOrMethodGetNoCredentials() throws {
        let server = try CredentialServer { Self.exampleKey() }
        defer { server.stop() }
        let token = server.authorizationTokenText
        let wrongToken = String(token.reversed())
        let root = "http://127.0.0.1:\(server.port)"
        let cases: [(String, String?, String, Int)] = [
            (server.uri, nil, "GET", 401),
            (server.uri, wrongToken, "GET", 403),
            (server.uri, String(token.dropLast()), "GET", 403),
            (server.uri, token + "0", "GET", 403),
            (server.uri, "", "GET", 403),
            (root + "/", token, "GET", 404),
            (server.uri + "x", token, "GET", 404),
            (root + "/latest/meta-data/", nil, "GET", 401),
            (server.uri, token, "POST", 405),
            (server.uri, token, "PUT", 405),
            (server.uri, token, "DELETE", 405),
            (server.uri, nil, "POST", 401),
        ]
        for (url, sent, method, expected) in cases {
            let reply = try request(url, token: sent, method: method)
            XCTAssertEqual(reply.status, expected, "\(method) \(url) with \(sent == nil ? "no" : "a") token")
            XCTAssertFalse(reply.body.contains(ExampleKeys.accessKeyID), "credentials in a \(expected) answer")
            XCTAssertFalse(reply.body.contains(ExampleKeys.secretAccessKey), "credentials in a \(expected) answer")
            XCTAssertNotNil(reply.json?["message"] as? String, "no JSON message in \(reply.body)")
        }
        XCTAssertEqual(try request(server.uri, token: token).status, 200)
    }

    func testAProviderFailureIsA500WithItsMessage() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "the store is locked" } }
        let server = try CredentialServer { throw Failure() }
        defer { server.stop() }
        let reply = try request(server.uri, token: server.authorizationTokenText)
        XCTAssertEqual(reply.status, 500)
        XCTAssertEqual(reply.json?["code"] as? String, "CredentialsUnavailable")
        XCTAssertTrue((reply.json?["message"] as? String ?? "").contains("the store is locked"), reply.body)
    }

    func testExpiredCredentialsAreNeverServed() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for expiry in [now, now.addingTimeInterval(-1), now.addingTimeInterval(-86_400)] {
            let server = try CredentialServer(now: { now }) {
                Credentials(accessKeyID: ExampleKeys.accessKeyID,
                            secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey),
                            sessionToken: SecretBytes(utf8: "token"), expiration: expiry)
            }
            defer { server.stop() }
            let reply = try request(server.uri, token: server.authorizationTokenText)
            XCTAssertEqual(reply.status, 500)
            XCTAssertEqual(reply.json?["code"] as? String, "CredentialsExpired")
            XCTAssertFalse(reply.body.contains(ExampleKeys.secretAccessKey))
        }
    }

    func testEachRequestAsksTheProviderSoRefreshedCredentialsAreServed() throws {
        final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var value = 0
            func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
        }
        let counter = Counter()
        let server = try CredentialServer {
            let round = counter.next()
            return Credentials(accessKeyID: round == 1 ? ExampleKeys.accessKeyID : ExampleKeys.otherAccessKeyID,
                               secretAccessKey: SecretBytes(utf8: round == 1 ? ExampleKeys.secretAccessKey
                                                                             : ExampleKeys.otherSecretAccessKey),
                               sessionToken: SecretBytes(utf8: "token-\(round)"),
                               expiration: Date().addingTimeInterval(3600))
        }
        defer { server.stop() }
        let first = try XCTUnwrap(try request(server.uri, token: server.authorizationTokenText).json)
        let second = try XCTUnwrap(try request(server.uri, token: server.authorizationTokenText).json)
        XCTAssertEqual(first["AccessKeyId"] as? String, ExampleKeys.accessKeyID)
        XCTAssertEqual(first["Token"] as? String, "token-1")
        XCTAssertEqual(second["AccessKeyId"] as? String, ExampleKeys.otherAccessKeyID)
        XCTAssertEqual(second["SecretAccessKey"] as? String, ExampleKeys.otherSecretAccessKey)
        XCTAssertEqual(second["Token"] as? String, "token-2")
    }

    func testAnOversizedRequestIsRefusedBeforeTheHandler() throws {
        let server = try CredentialServer { Self.exampleKey() }
        defer { server.stop() }
        let huge = "X-Padding: " + String(repeating: "a", count: 64 * 1024)
        let reply = try request(server.uri, token: server.authorizationTokenText, extraHeader: huge)
        XCTAssertNotEqual(reply.status, 200)
        XCTAssertFalse(reply.body.contains(ExampleKeys.secretAccessKey))
        XCTAssertEqual(try request(server.uri, token: server.authorizationTokenText).status, 200,
                       "the endpoint still serves after refusing an oversized request")
    }

    func testRequestsAreServedConcurrently() throws {
        // Each request holds the provider for 300 ms; eight clients at once must find it busy with more than one
        // (a thread per connection: requests on other connections never wait for a busy one).
        final class InFlight: @unchecked Sendable {
            private let lock = NSLock()
            private var current = 0
            private(set) var most = 0
            func enter() { lock.lock(); current += 1; most = max(most, current); lock.unlock() }
            func leave() { lock.lock(); current -= 1; lock.unlock() }
        }
        let inFlight = InFlight()
        let server = try CredentialServer {
            inFlight.enter()
            defer { inFlight.leave() }
            usleep(300_000)
            return Self.exampleKey()
        }
        defer { server.stop() }
        let token = server.authorizationTokenText
        let statuses = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8)
        defer { statuses.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            statuses[index] = (try? request(server.uri, token: token).status) ?? -1
        }
        XCTAssertEqual(Array(statuses), Array(repeating: 200, count: 8))
        XCTAssertGreaterThan(inFlight.most, 1, "the requests were answered one at a time")
    }

    func testConnectionsBeyondTheLimitAreRefused() throws {
        var configuration = CredentialServer.Configuration()
        configuration.connections = 4
        let server = try CredentialServer(configuration: configuration) { Self.exampleKey() }
        defer { server.stop() }
        // Four idle connections take every slot; the fifth client gets no answer at all.
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<4 {
            let fd = try XCTUnwrap(Self.openConnection(port: server.port), "could not connect")
            idle.append(fd)
        }
        usleep(200_000)  // libmicrohttpd accepts them
        let refused = try ProcessRunner.run(try curl(), ["--config", "-", "--max-time", "5"], environment: [:],
                                            stdin: Data("url = \"\(server.uri)\"\nsilent\n".utf8))
        XCTAssertNotEqual(refused.status, 0, "a request beyond the connection limit was answered")
        XCTAssertFalse(refused.stdout.contains(ExampleKeys.accessKeyID))
        idle.forEach { close($0) }
        idle = []
        // libmicrohttpd notices the closed connections on its own schedule: ask again for up to 5 s.
        var config = "url = \"\(server.uri)\"\nsilent\nwrite-out = \"%{http_code}\"\noutput = \"/dev/null\"\n"
        config += "header = \"Authorization: \(server.authorizationTokenText)\"\n"
        var status = ""
        let deadline = Date().addingTimeInterval(5)
        while status != "200", Date() < deadline {
            usleep(100_000)
            status = try ProcessRunner.run(try curl(), ["--config", "-", "--max-time", "5"], environment: [:],
                                           stdin: Data(config.utf8)).stdout
        }
        XCTAssertEqual(status, "200", "the endpoint does not serve again once the idle connections are closed")
    }

    func testThePortIsClosedAfterStop() throws {
        let server = try CredentialServer { Self.exampleKey() }
        XCTAssertTrue(Self.canConnect(port: server.port))
        server.stop()
        XCTAssertFalse(Self.canConnect(port: server.port), "the port still accepts connections after stop()")
        server.stop()  // a second stop does nothing
    }

    func testEachEndpointHasItsOwnTokenAndPath() throws {
        let first = try CredentialServer { Self.exampleKey() }
        defer { first.stop() }
        let second = try CredentialServer { Self.exampleKey() }
        defer { second.stop() }
        XCTAssertNotEqual(first.authorizationTokenText, second.authorizationTokenText)
        XCTAssertNotEqual(URL(string: first.uri)?.path, URL(string: second.uri)?.path)
        XCTAssertEqual(try request(second.uri, token: first.authorizationTokenText).status, 403)
    }

    /// An open TCP connection to 127.0.0.1:`port`, or nil.
    static func openConnection(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }
}
