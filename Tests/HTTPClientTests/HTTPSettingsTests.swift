@testable import HTTPClient
import XCTest

/// Pure rules: which environment variables make the settings, and which hosts NO_PROXY sends directly.
final class HTTPSettingsTests: XCTestCase {
    func testSettingsFromTheEnvironment() {
        XCTAssertEqual(HTTPSettings.fromEnvironment([:]), HTTPSettings())
        let settings = HTTPSettings.fromEnvironment([
            "AWS_CA_BUNDLE": " /etc/ca.pem ", "HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:1",
            "HTTP_PROXY": "http://plain:2", "NO_PROXY": "a.example", "no_proxy": "  ",
        ])
        XCTAssertEqual(settings.caBundle, "/etc/ca.pem")
        XCTAssertEqual(settings.httpsProxy, "http://lower:1", "the lower-case name wins, as in urllib and libcurl")
        XCTAssertEqual(settings.httpProxy, "http://plain:2")
        XCTAssertEqual(settings.noProxy, "a.example", "a blank no_proxy counts as unset")
        XCTAssertEqual(settings.totalTimeout, HTTPSettings().totalTimeout)
    }

    func testProxyChoice() throws {
        let settings = HTTPSettings(httpsProxy: "http://p:3128", httpProxy: "http://q:3128",
                                    noProxy: ".internal.example, 10.1.2.3,localhost:8080")
        func proxy(_ url: String) throws -> String? { settings.proxy(for: try RequestURL(parsing: url)) }
        XCTAssertEqual(try proxy("https://sts.amazonaws.com/"), "http://p:3128")
        XCTAssertEqual(try proxy("http://sts.amazonaws.com/"), "http://q:3128")
        XCTAssertNil(try proxy("https://internal.example/"))
        XCTAssertNil(try proxy("https://kms.internal.example/"))
        XCTAssertEqual(try proxy("https://notinternal.example/"), "http://p:3128")
        XCTAssertNil(try proxy("https://10.1.2.3/"))
        XCTAssertEqual(try proxy("https://10.1.2.30/"), "http://p:3128")
        XCTAssertNil(try proxy("http://LOCALHOST:8080/"))
        XCTAssertEqual(try proxy("http://localhost:8081/"), "http://q:3128")
        XCTAssertNil(HTTPSettings(httpsProxy: "http://p:1", noProxy: "*").proxy(for: try RequestURL(parsing:
            "https://anything/")))
        XCTAssertNil(HTTPSettings().proxy(for: try RequestURL(parsing: "https://anything/")))
        XCTAssertNil(HTTPSettings(httpsProxy: "http://p:1", noProxy: "[::1]").proxy(for: try RequestURL(parsing:
            "https://[::1]:8443/")))
    }

    func testProxyPasswordsAreNotShown() {
        XCTAssertEqual(CurlFailure.proxyDisplay("http://user:hunter2@proxy.example:3128"),
                       "'http://proxy.example:3128'")
        XCTAssertEqual(RequestURL.withoutSecrets("https://u:p@host.example/a@b?X-Amz-Signature=s"),
                       "https://host.example/a@b")
        XCTAssertEqual(CurlFailure.proxyDisplay("proxy.example:3128"), "'proxy.example:3128'")
    }
}
