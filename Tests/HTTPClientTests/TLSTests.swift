import Foundation
@testable import HTTPClient
import SecureStore
import TestSupport
import XCTest

/// TLS against real servers with certificates from a throwaway CA: moto (the AWS endpoint the other tests use) and
/// the hostile server (for a certificate naming another host).
final class TLSTests: XCTestCase {
    func testTheRightCAInAWSCABundleIsTrusted() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, checkSignatures: false)
        let settings = HTTPSettings.fromEnvironment(["AWS_CA_BUNDLE": ca.caCertificate])
        XCTAssertEqual(settings.caBundle, ca.caCertificate)
        let response = try CurlTransport().send(callerIdentityRequest(moto.endpoint), settings: settings)
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertTrue(response.text.contains("<GetCallerIdentityResponse"), response.text)
        XCTAssertEqual(response.header("content-type")?.hasPrefix("text/xml"), true, "\(response.headers)")
    }

    func testWithoutTheCAInTheBundleTheSystemStoreRefusesTheServer() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, checkSignatures: false)
        let (error, _) = try expectFailure(callerIdentityRequest(moto.endpoint), HTTPSettings.fromEnvironment([:]))
        XCTAssertEqual(error.code, .certificateUntrusted, error.message)
        XCTAssertTrue(error.message.contains("is not trusted"), error.message)
        XCTAssertTrue(error.message.contains("(checked against the system trust store)"), error.message)
        XCTAssertTrue(error.message.contains(moto.endpoint), error.message)
        XCTAssertEqual(moto.requestCount(), 0, "a request reached moto over an untrusted connection")
    }

    func testAnUnrelatedCAIsRefused() throws {
        let ca = try LocalCA()
        let moto = try MotoServer(tls: ca, checkSignatures: false)
        let settings = HTTPSettings.fromEnvironment(["AWS_CA_BUNDLE": ca.otherCACertificate])
        let (error, _) = try expectFailure(callerIdentityRequest(moto.endpoint), settings)
        XCTAssertEqual(error.code, .certificateUntrusted, error.message)
        XCTAssertTrue(error.message.contains("(checked against the CA bundle '\(ca.otherCACertificate)')"),
                      error.message)
        XCTAssertEqual(moto.requestCount(), 0)
    }

    func testACertificateForAnotherHostIsRefused() throws {
        let ca = try LocalCA()
        let server = try HostileHTTPServer(certificate: ca.wrongHostCertificate, key: ca.wrongHostKey)
        let settings = HTTPSettings(caBundle: ca.caCertificate)
        let (error, _) = try expectFailure(HTTPRequest(method: "GET", url: server.endpoint + "/ok"), settings)
        XCTAssertEqual(error.code, .hostNameMismatch, error.message)
        XCTAssertTrue(error.message.contains("does not name the host '127.0.0.1'"), error.message)
        XCTAssertEqual(server.requests(), [])
        // The same CA and a certificate that does name the host: accepted (so the refusal above is the name's).
        let good = try HostileHTTPServer(certificate: ca.serverCertificate, key: ca.serverKey)
        XCTAssertEqual(try CurlTransport().send(HTTPRequest(method: "GET", url: good.endpoint + "/ok"),
                                                settings: settings).text, "hello")
        // localhost is in the certificate too.
        let byName = good.endpoint.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/ok"
        XCTAssertEqual(try CurlTransport().send(HTTPRequest(method: "GET", url: byName), settings: settings).status,
                       200)
    }

    func testAnUnusableCABundleIsNamed() throws {
        let directory = try TemporaryDirectory()
        let notPEM = try directory.write("not a certificate\n", to: "bundle.pem")
        let request = HTTPRequest(method: "GET", url: "https://127.0.0.1:9/")
        for (path, expected) in [(directory.file("missing.pem"), "cannot be read: No such file or directory"),
                                 (notPEM, "holds no PEM certificate"), (directory.path, "is not a regular file")] {
            let (error, _) = try expectFailure(request, HTTPSettings(caBundle: path))
            XCTAssertEqual(error.code, .caBundleUnusable, error.message)
            XCTAssertEqual(error.message, "the CA bundle '\(path)' \(expected)")
        }
    }

    func testPlainHTTPToATLSServerIsAProtocolError() throws {
        let ca = try LocalCA()
        let server = try HostileHTTPServer(certificate: ca.serverCertificate, key: ca.serverKey)
        let url = server.endpoint.replacingOccurrences(of: "https://", with: "http://") + "/ok"
        let (error, _) = try expectFailure(HTTPRequest(method: "GET", url: url), HTTPSettings(totalTimeout: 5))
        XCTAssertEqual(error.code, .protocolError, error.message)
    }
}
