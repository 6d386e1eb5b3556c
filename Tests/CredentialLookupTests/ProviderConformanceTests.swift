import Foundation
import TestSupport
import XCTest
@testable import CredentialLookup

/// The cases of smithy-rs's provider directories (`default-credential-provider-chain/`, `profile-provider/` in
/// ../shared/conformance/profile/smithy-rs) that need no network (their `http-traffic.json` records no request), each
/// run through the real `CredentialSearch` in a temporary HOME holding the case's `fs/home` and the case's
/// environment (HOME replaced, instance metadata off: that is the network). Every such case is listed below with what
/// credstore does; a case where credstore deliberately differs from the SDK is listed in the README ("Role
/// profiles", "Where credstore differs from the SDK suites") with the reason, and this test checks that it is.
final class ProviderConformanceTests: XCTestCase {
    private enum Expectation {
        /// The SDK's result: the same key pair, or (for an SDK error) a failure with this credstore code.
        case agrees(failingWith: String?)
        /// credstore deliberately differs: it fails with this code; the README says why.
        case differs(failingWith: String)
    }

    private static let expectations: [String: Expectation] = [
        "default-credential-provider-chain/environment_variables": .agrees(failingWith: nil),
        "default-credential-provider-chain/environment_variables_blank": .agrees(failingWith: nil),
        "default-credential-provider-chain/prefer_environment": .agrees(failingWith: nil),
        "default-credential-provider-chain/profile_name": .agrees(failingWith: nil),
        "default-credential-provider-chain/profile_static_keys": .agrees(failingWith: nil),
        "default-credential-provider-chain/profile_static_keys_case_insensitive": .agrees(failingWith: nil),
        "default-credential-provider-chain/imds_disabled": .agrees(failingWith: "no-credentials-found"),
        "default-credential-provider-chain/eks_pod_identity_no_token_file":
            .differs(failingWith: "no-credentials-found"),
        "default-credential-provider-chain/profile_overrides_web_identity":
            .agrees(failingWith: "source-credentials-unavailable"),
        "default-credential-provider-chain/sso_no_token_file": .agrees(failingWith: "sso-not-supported"),
        "default-credential-provider-chain/web_identity_source_profile_no_env":
            .agrees(failingWith: "invalid-profile-configuration"),
        "profile-provider/credential_process": .differs(failingWith: "invalid-credential-process-output"),
        "profile-provider/credential_process_account_id_fallback":
            .differs(failingWith: "invalid-credential-process-output"),
        "profile-provider/credential_process_failure": .differs(failingWith: "credential-process-failed"),
        "profile-provider/credential_process_invalid": .agrees(failingWith: "invalid-credential-process-output"),
        "profile-provider/empty_config": .agrees(failingWith: "no-credentials-found"),
        "profile-provider/invalid_config": .agrees(failingWith: "malformed-file"),
        "profile-provider/invalid_sso_credentials_config": .agrees(failingWith: "sso-not-supported"),
        "profile-provider/sso_token": .agrees(failingWith: "sso-not-supported"),
    ]

    private func code(of error: Error) -> String {
        if let error = error as? CredentialLookupError { return error.code.rawValue }
        if let error = error as? SharedFileError { return error.code.rawValue }
        if let error = error as? SecureStoreError { return error.code.rawValue }
        return "\(type(of: error))"
    }

    private func copyTree(_ source: URL, to destination: URL) throws {
        let manager = FileManager.default
        guard let items = manager.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey]) else { return }
        for case let item as URL in items {
            let relative = String(item.path.dropFirst(source.path.count + 1))
            let target = destination.appendingPathComponent(relative)
            if (try item.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                try manager.createDirectory(at: target, withIntermediateDirectories: true)
            } else {
                try manager.copyItem(at: item, to: target)
            }
        }
    }

    func testTheNoNetworkCasesThroughTheRealSearch() throws {
        let root = try TestPaths.requireConformance("profile/smithy-rs", area: "the provider conformance cases")
        let readme = try XCTUnwrap(String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"),
                                          encoding: .utf8)
            .components(separatedBy: "#### Where credstore differs from the SDK suites").dropFirst().first?
            .components(separatedBy: "\n## ").first, "README has no section on where credstore differs")
        var ran = 0
        for directory in ["default-credential-provider-chain", "profile-provider"] {
            let cases = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)
            for name in cases.sorted() {
                let caseURL = root.appendingPathComponent(directory).appendingPathComponent(name)
                let traffic = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: caseURL.appendingPathComponent("http-traffic.json"))) as? [String: Any]
                guard (traffic?["events"] as? [Any] ?? []).isEmpty else { continue }
                let id = "\(directory)/\(name)"
                guard let expectation = Self.expectations[id] else {
                    XCTFail("\(id) needs no network but is not listed here")
                    continue
                }
                ran += 1
                try run(id, caseURL, expectation, readme: readme)
            }
        }
        XCTAssertEqual(ran, Self.expectations.count, "every listed case is in the suite")
    }

    private func run(_ id: String, _ caseURL: URL, _ expectation: Expectation, readme: String) throws {
        let home = try TemporaryHome()
        let caseHome = caseURL.appendingPathComponent("fs/home")
        if FileManager.default.fileExists(atPath: caseHome.path) { try copyTree(caseHome, to: home.url) }
        let variables = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: caseURL.appendingPathComponent("env.json"))) as? [String: String], id)
        var environment = home.environment.merging(variables) { _, fromCase in fromCase }
        environment["HOME"] = home.path
        environment["AWS_EC2_METADATA_DISABLED"] = environment["AWS_EC2_METADATA_DISABLED"] ?? "true"
        let result = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: caseURL.appendingPathComponent("test-case.json"))) as? [String: Any], id)
        let expected = (result["result"] as? [String: Any])?["Ok"] as? [String: Any]

        let outcome = Result { try CredentialSearch(environment: environment).resolve(LookupRequest()) }
        switch (expectation, outcome) {
        case (.agrees(nil), .success(let resolution)):
            let keys = try XCTUnwrap(expected, "\(id): the SDK fails here")
            XCTAssertEqual(resolution.credentials.accessKeyID, keys["access_key_id"] as? String, id)
            XCTAssertTrue(resolution.credentials.secretAccessKey
                            == SecretBytes(utf8: keys["secret_access_key"] as? String ?? ""), "\(id): secret")
        case (.agrees(let code?), .failure(let error)), (.differs(let code), .failure(let error)):
            XCTAssertEqual(self.code(of: error), code, "\(id): \(error)")
            if case .agrees = expectation { XCTAssertNil(expected, "\(id): the SDK succeeds here") }
        default:
            XCTFail("\(id): \(outcome)")
        }
        if case .differs = expectation {
            let name = String(id.split(separator: "/").last ?? "")
            XCTAssertTrue(readme.contains("`\(name)`"), "README does not list \(id) where credstore differs")
        }
    }
}
