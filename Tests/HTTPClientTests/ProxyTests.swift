import Foundation
@testable import HTTPClient
import SecureStore
import TestSupport
import XCTest

/// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` through a real forward proxy (tinyproxy), with moto over TLS behind it.
final class ProxyTests: XCTestCase {
    func testHTTPSProxyIsUsedAndNoProxyBypassesIt() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, checkSignatures: false)
        let proxy = try Tinyproxy(connectPorts: [moto.port])
        var environment = ["AWS_CA_BUNDLE": ca.caCertificate, "HTTPS_PROXY": proxy.url]

        let through = try CurlTransport().send(callerIdentityRequest(moto.endpoint),
                                               settings: .fromEnvironment(environment))
        XCTAssertEqual(through.status, 200, through.text)
        XCTAssertTrue(proxy.sawRequest(toPort: moto.port), "tinyproxy's log shows no CONNECT: \(proxy.log())")

        // NO_PROXY naming the host: straight to moto, nothing new in the proxy's log.
        XCTAssertEqual(proxy.requestCount(toPort: moto.port), 1)
        for noProxy in ["127.0.0.1", "localhost,127.0.0.1", "*", "127.0.0.1:\(moto.port)"] {
            environment["NO_PROXY"] = noProxy
            let direct = try CurlTransport().send(callerIdentityRequest(moto.endpoint),
                                                  settings: .fromEnvironment(environment))
            XCTAssertEqual(direct.status, 200, direct.text)
            XCTAssertEqual(proxy.requestCount(toPort: moto.port), 1, "NO_PROXY=\(noProxy) did not bypass the proxy")
        }

        // A NO_PROXY for other hosts does not bypass it.
        environment["NO_PROXY"] = "example.com,10.0.0.1"
        XCTAssertEqual(try CurlTransport().send(callerIdentityRequest(moto.endpoint),
                                                settings: .fromEnvironment(environment)).status, 200)
        XCTAssertEqual(proxy.requestCount(toPort: moto.port), 2)
        // TLS is still verified end to end through the tunnel.
        environment["AWS_CA_BUNDLE"] = ca.otherCACertificate
        let (error, _) = try expectFailure(callerIdentityRequest(moto.endpoint), .fromEnvironment(environment))
        XCTAssertEqual(error.code, .certificateUntrusted, error.message)
    }

    func testPlainHTTPGoesThroughHTTPProxy() throws {
        let server = try HostileHTTPServer()
        let proxy = try Tinyproxy(connectPorts: [])
        let settings = HTTPSettings.fromEnvironment(["http_proxy": proxy.url, "HTTPS_PROXY": "http://127.0.0.1:9"])
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.endpoint + "/ok"),
                                                settings: settings)
        XCTAssertEqual(response.text, "hello")
        XCTAssertTrue(proxy.sawRequest(toPort: server.port), proxy.log())
    }

    func testAProxyThatIsDownOrRefusesIsAProxyFailure() throws {
        let ca = try LocalCA()
        let server = try HostileHTTPServer(certificate: ca.serverCertificate, key: ca.serverKey)
        let request = HTTPRequest(method: "GET", url: server.endpoint + "/ok")
        // Nothing listens on the proxy's port.
        let downPort = LocalPort.free()
        var settings = HTTPSettings(caBundle: ca.caCertificate, httpsProxy: "http://user:secret@127.0.0.1:\(downPort)")
        var (error, _) = try expectFailure(request, settings)
        XCTAssertEqual(error.code, .proxyFailed, error.message)
        XCTAssertTrue(error.message.contains("127.0.0.1:\(downPort)"), error.message)
        XCTAssertFalse(error.message.contains("secret"), "the proxy password is in the message: \(error.message)")
        // tinyproxy refuses CONNECT to a port not in its ConnectPort list.
        let proxy = try Tinyproxy(connectPorts: [server.port + 1])
        settings.httpsProxy = proxy.url
        (error, _) = try expectFailure(request, settings)
        XCTAssertEqual(error.code, .proxyFailed, error.message)
        XCTAssertTrue(error.message.contains("refused to connect"), error.message)
        XCTAssertEqual(server.requests(), [])
    }

    /// libcurl never reads the proxy from the process environment on its own: with no proxy in the settings, a
    /// proxy in this process's environment is not used (checked in a child whose environment has one).
    func testTheProcessEnvironmentIsNotReadByLibcurl() throws {
        let server = try HostileHTTPServer()
        let proxy = try Tinyproxy(connectPorts: [])
        setenv("http_proxy", proxy.url, 1)
        setenv("HTTP_PROXY", proxy.url, 1)
        defer {
            unsetenv("http_proxy")
            unsetenv("HTTP_PROXY")
        }
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.endpoint + "/ok"),
                                                settings: HTTPSettings())
        XCTAssertEqual(response.text, "hello")
        XCTAssertFalse(proxy.sawRequest(toPort: server.port), proxy.log())
    }
}
