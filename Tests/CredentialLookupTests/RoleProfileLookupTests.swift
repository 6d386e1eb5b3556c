import Foundation
import XCTest
@testable import CredentialLookup

/// Issue 16 item 4 in the search order: role profiles are planned by `RoleChainPlanner` over every place (the store
/// first, then the shared files merged as the SDKs merge them), and — until credstore calls STS — refused from the
/// plan, naming the chain.
final class RoleProfileLookupTests: XCTestCase {
    private let adminARN = "arn:aws:iam::123456789012:role/admin"

    private func plan(_ fixture: Fixture, _ name: String) throws -> RoleChain {
        try RoleChainPlanner(catalogs: fixture.catalogs.searchOrder).plan(profile: name)
    }

    func testAChainAcrossTheStoreAndTheSharedFiles() throws {
        let fixture = Fixture()
        // The source keys are in the store (migrated); the roles are in the config file.
        fixture.store.profiles["prod"] = staticEntry("prod")
        fixture.configFile.profiles["prod"] = ProfileEntry(name: "prod", settings: [
            "credential_process": "credstore export --profile prod", "region": "eu-west-1",
        ])
        fixture.configFile.profiles["ops"] = ProfileEntry(name: "ops", settings: [
            "role_arn": "arn:aws:iam::123456789012:role/ops", "source_profile": "prod", "mfa_serial": "arn:mfa",
        ])
        fixture.configFile.profiles["admin"] = ProfileEntry(name: "admin", settings: [
            "role_arn": adminARN, "source_profile": "ops", "external_id": "x-1", "role_session_name": "me",
            "duration_seconds": "1800", "region": "us-west-2",
        ])
        let chain = try plan(fixture, "admin")
        guard case .staticKeys(let profile, let credentials, _) = chain.base else {
            return XCTFail("base: \(chain.base.description)")
        }
        XCTAssertEqual(profile.name, "prod")
        XCTAssertEqual(profile.storeType, .secureStore)
        XCTAssertEqual(credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(chain.roles.map(\.roleARN), ["arn:aws:iam::123456789012:role/ops", adminARN])
        XCTAssertEqual(chain.roles[0].mfaSerial, "arn:mfa")
        XCTAssertEqual(chain.roles[1], AssumeRoleStep(
            roleARN: adminARN, externalID: "x-1", roleSessionName: "me", durationSeconds: 1800,
            profile: ProfileReference(name: "admin", storeType: .sharedConfigFile,
                                      location: fixture.configFile.location,
                                      settings: fixture.configFile.profiles["admin"]!.settings),
            region: "us-west-2"))

        // get/exec: refused from the plan, naming it, without a secret.
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "admin")))
        XCTAssertEqual(error.code, .roleNotSupported)
        XCTAssertTrue(error.message.contains("access key \(Example.accessKeyID) of 'prod' in the encrypted store"),
                      error.message)
        XCTAssertTrue(error.message.contains("-> arn:aws:iam::123456789012:role/ops ('ops') -> \(adminARN) ('admin')"),
                      error.message)
        assertNoSecret(error.description)
    }

    func testKeysAndRoleTogetherWithSourceProfileItselfUseTheOwnKeys() throws {
        // The usual layout: keys in the credentials file, the role in the config file, merged as the SDKs merge them.
        let fixture = Fixture()
        fixture.credentialsFile.profiles["dev"] = staticEntry("dev")
        fixture.configFile.profiles["dev"] = ProfileEntry(name: "dev", settings: [
            "role_arn": adminARN, "source_profile": "dev",
        ])
        let chain = try plan(fixture, "dev")
        guard case .staticKeys(let profile, _, _) = chain.base else { return XCTFail(chain.base.description) }
        XCTAssertEqual(profile.name, "dev")
        XCTAssertEqual(chain.roles.map(\.roleARN), [adminARN])
        XCTAssertEqual(fixture.lookupError(LookupRequest(profileName: "dev"))?.code, .roleNotSupported,
                       "the role is not silently dropped for the keys")
    }

    func testALoopIsRefusedWithTheChainNamed() throws {
        let fixture = Fixture()
        fixture.store.profiles["a"] = staticEntry("a", settings: ["role_arn": adminARN, "source_profile": "b"])
        fixture.configFile.profiles["b"] = ProfileEntry(name: "b", settings: ["role_arn": adminARN,
                                                                               "source_profile": "c"])
        fixture.credentialsFile.profiles["c"] = ProfileEntry(name: "c", settings: ["role_arn": adminARN,
                                                                                    "source_profile": "a"])
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "a")))
        XCTAssertEqual(error.code, .roleChainLoop)
        XCTAssertTrue(error.message.hasSuffix("a -> b -> c -> a"), error.message)
    }

    func testCredentialSourceWebIdentityAndBrokenProfiles() throws {
        let fixture = Fixture()
        fixture.configFile.profiles["ec2"] = ProfileEntry(name: "ec2", settings: [
            "role_arn": adminARN, "credential_source": "Ec2InstanceMetadata",
        ])
        guard case .namedSource(.ec2InstanceMetadata, _) = try plan(fixture, "ec2").base else {
            return XCTFail("credential_source")
        }
        fixture.configFile.profiles["bad"] = ProfileEntry(name: "bad", settings: [
            "role_arn": adminARN, "credential_source": "Ec2",
        ])
        var error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "bad")))
        XCTAssertEqual(error.code, .invalidProfileConfiguration)
        XCTAssertTrue(error.message.contains("Environment, Ec2InstanceMetadata, EcsContainer"), error.message)

        fixture.configFile.profiles["web"] = ProfileEntry(name: "web", settings: [
            "role_arn": adminARN, "web_identity_token_file": "/var/run/token",
        ])
        error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "web")))
        XCTAssertEqual(error.code, .webIdentityNotSupported)
        XCTAssertTrue(error.message.contains("web_identity_token_file"), error.message)

        fixture.configFile.profiles["slow"] = ProfileEntry(name: "slow", settings: [
            "role_arn": adminARN, "credential_source": "Environment", "duration_seconds": "1h",
        ])
        XCTAssertEqual(fixture.lookupError(LookupRequest(profileName: "slow"))?.code, .invalidProfileConfiguration)

        // The default chain plans the config file's `[default]` role too.
        fixture.configFile.profiles["default"] = ProfileEntry(name: "default", settings: [
            "role_arn": adminARN, "source_profile": "gone",
        ])
        error = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(error.code, .invalidProfileConfiguration)
        XCTAssertTrue(error.message.contains("source_profile 'gone'"), error.message)
    }

    func testSourceProfileWithoutRoleArnIsNotARole() throws {
        // As in the SDKs (smithy-rs's credential_process case): only role_arn makes source_profile count.
        let fixture = Fixture()
        fixture.configFile.profiles["plain"] = staticEntry("plain", settings: ["source_profile": "other"])
        XCTAssertEqual(try fixture.resolve(LookupRequest(profileName: "plain")).credentials.accessKeyID,
                       Example.accessKeyID)
    }

    func testPlanningRunsNothing() throws {
        // A credential_process base is planned, not run (the planner is pure; running it is execution's job).
        var fixture = Fixture()
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("credstore-ran-\(UUID())").path
        fixture.environment["PATH"] = "/usr/bin:/bin"
        fixture.configFile.profiles["proc"] = ProfileEntry(name: "proc", settings: ["credential_process":
                                                                                        "/usr/bin/touch \(marker)"])
        fixture.configFile.profiles["role"] = ProfileEntry(name: "role", settings: [
            "role_arn": adminARN, "source_profile": "proc",
        ])
        guard case .credentialProcess(let profile, let command) = try plan(fixture, "role").base else {
            return XCTFail("credential_process base")
        }
        XCTAssertEqual(profile.name, "proc")
        XCTAssertEqual(command, "/usr/bin/touch \(marker)")
        XCTAssertEqual(fixture.lookupError(LookupRequest(profileName: "role"))?.code, .roleNotSupported)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "planning ran the credential_process")
    }
}
