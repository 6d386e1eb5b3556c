import Foundation
import TestSupport
import XCTest
@testable import CredentialLookup

/// Every case of smithy-rs's `assume-role-tests.json` (../shared/conformance/profile/smithy-rs, 28 cases) through
/// `RoleChainPlanner`, read in place. A chain must equal the expected one exactly (same steps, same fields); an error
/// case must fail with the credstore code listed for its expected message (the wording is each SDK's own) and a
/// message naming what is wrong. README, "Role profiles", lists where credstore deliberately differs: nowhere here.
final class RoleChainPlannerConformanceTests: XCTestCase {
    /// The suite's profiles as one config file (with its `sso-session` sections).
    private final class SuiteCatalog: SSOSessionCatalog {
        let storeType = StoreType.sharedConfigFile
        let location = "/suite/config"
        let profiles: [String: [String: String]]
        let sessions: [String: [String: String]]

        init(profiles: [String: [String: String]], sessions: [String: [String: String]]) {
            self.profiles = profiles
            self.sessions = sessions
        }

        func profile(named name: String) throws -> ProfileEntry? {
            profiles[name].map { ProfileEntry(name: name, properties: $0) }
        }

        func ssoSession(named name: String) throws -> [String: String]? { sessions[name] }
    }

    /// The code credstore fails with for each expected error of the suite, and a part of its message.
    private static let expectedErrors: [String: (code: CredentialLookupError.Code, mentions: String)] = [
        "profile must contain `source_profile`": (.invalidProfileConfiguration,
                                                  "neither source_profile nor credential_source"),
        "profile contained both source_profile and credential_source": (.invalidProfileConfiguration,
                                                                         "both source_profile and credential_source"),
        "profile missing aws_secret_access_key": (.incompleteProfile, "'B' in the shared config file"),
        "profile missing aws_access_key_id": (.incompleteProfile, "missing aws_access_key_id"),
        "profile `B` did not contain credential information": (.invalidProfileConfiguration,
                                                               "is the source_profile of 'A'"),
        "profile `A` did not contain credential information": (.incompleteProfile, "profile 'A' has no credentials"),
        "could not find source profile B referenced from A": (.invalidProfileConfiguration,
                                                              "names source_profile 'B', which is in none of"),
        "No profiles were defined": (.profileNotFound, "profile 'A'"),
        "profile formed an infinite loop": (.roleChainLoop, "A -> B -> A"),
        "`role_arn` was missing": (.invalidProfileConfiguration, "role_arn is missing"),
        "if `sso_role_name` is set, then `sso_account_id` must also be set": (.invalidProfileConfiguration,
                                                                              "not sso_account_id"),
        "if `sso_account_id` is set, then `sso_role_name` must also be set": (.invalidProfileConfiguration,
                                                                              "not sso_role_name"),
        "`sso_region` can only be specified in the [sso-session] config when a session name is given":
            (.invalidProfileConfiguration, "sets sso_region, which belongs in its [sso-session A] section"),
        "sso-session named `oops` (referenced by profile `A`) was not found": (.invalidProfileConfiguration,
                                                                               "names sso-session 'oops'"),
    ]

    private static func strings(_ object: Any?) -> [String: String] {
        (object as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    /// The chain in the suite's JSON shape.
    private static func suiteShape(_ chain: RoleChain) -> [[String: Any]] {
        var steps: [[String: Any]] = []
        switch chain.base {
        case .staticKeys(_, let credentials, let accountID):
            var keys = ["access_key_id": credentials.accessKeyID,
                        "secret_access_key": credentials.secretAccessKey.unsafeUTF8String() ?? ""]
            keys["account_id"] = accountID
            steps.append(["AccessKey": keys])
        case .namedSource(let source, _):
            steps.append(["NamedSource": source.rawValue])
        case .webIdentity(_, let roleARN, let tokenFile, let sessionName):
            var fields = ["role_arn": roleARN, "web_identity_token_file": tokenFile]
            fields["role_session_name"] = sessionName
            steps.append(["WebIdentityToken": fields])
        case .sso(_, let settings):
            steps.append(["Sso": settings])
        case .credentialProcess(_, let command):
            steps.append(["CredentialProcess": command])
        }
        for role in chain.roles {
            var fields = ["role_arn": role.roleARN]
            fields["external_id"] = role.externalID
            fields["role_session_name"] = role.roleSessionName
            steps.append(["AssumeRole": fields])
        }
        return steps
    }

    func testEveryAssumeRoleCase() throws {
        let url = try TestPaths.requireConformance("profile/smithy-rs/assume-role-tests.json",
                                                   area: "the assume-role conformance suite")
        let cases = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        XCTAssertEqual(cases.count, 28, "the suite has 28 cases")
        var chains = 0
        var errors = 0
        for (index, testCase) in cases.enumerated() {
            let docs = "case \(index): \(testCase["docs"] as? String ?? "")"
            let input = try XCTUnwrap(testCase["input"] as? [String: Any], docs)
            let output = try XCTUnwrap(testCase["output"] as? [String: Any], docs)
            let profiles = (input["profiles"] as? [String: Any] ?? [:]).mapValues(Self.strings)
            let sessions = (input["sso_sessions"] as? [String: Any] ?? [:]).mapValues(Self.strings)
            let selected = try XCTUnwrap(input["selected_profile"] as? String, docs)
            let planner = RoleChainPlanner(catalogs: [SuiteCatalog(profiles: profiles, sessions: sessions)])
            if let expected = output["ProfileChain"] as? [[String: Any]] {
                chains += 1
                do {
                    let chain = try planner.plan(profile: selected)
                    XCTAssertEqual(NSArray(array: Self.suiteShape(chain)), NSArray(array: expected), docs)
                    XCTAssertEqual(chain.profileName, selected, docs)
                } catch {
                    XCTFail("\(docs): \(error)")
                }
            } else {
                errors += 1
                let message = try XCTUnwrap(output["Error"] as? String, docs)
                let wanted = try XCTUnwrap(Self.expectedErrors[message], "\(docs): no code listed for '\(message)'")
                XCTAssertThrowsError(try planner.plan(profile: selected), docs) { error in
                    guard let error = error as? CredentialLookupError else {
                        return XCTFail("\(docs): \(error)")
                    }
                    XCTAssertEqual(error.code, wanted.code, "\(docs): \(error.message)")
                    XCTAssertTrue(error.message.contains(wanted.mentions), "\(docs): \(error.message)")
                }
            }
        }
        XCTAssertEqual(chains, 13)
        XCTAssertEqual(errors, 15)
    }
}
