import Foundation
import SecureStore
import TestSupport
import XCTest
@testable import CredentialLookup

/// A recording STS for the executor's pure logic (which call, signed by which key, with which MFA code); the same
/// flows run against the real moto server in `CLITests/RoleSessionCLITests`.
final class RecordingSTS: STSCalling, STSCallingFactory, @unchecked Sendable {
    struct Call: Equatable {
        var operation: String
        var signedBy: String
        var roleARN: String?
        var serialNumber: String?
        var tokenCode: String?
        var externalID: String?
        var sessionName: String?
        var durationSeconds: Int?
    }

    struct Failure: STSFailureDescribing {
        var failureCode: String
        var failureMessage: String
    }

    var calls: [Call] = []
    var now: () -> Date
    var lifetime: TimeInterval = 3600
    var failure: Failure?
    var endpointDescription = "https://sts.us-east-1.amazonaws.com"
    private var issued = 0

    init(now: @escaping () -> Date) { self.now = now }

    func caller(region: String?, profileSettings: [String: String]) throws -> any STSCalling { self }

    private func issue(_ prefix: String) -> Credentials {
        issued += 1
        return Credentials(accessKeyID: "ASIA\(prefix)\(issued)", secretAccessKey: SecretBytes(utf8: "secret\(issued)"),
                           sessionToken: SecretBytes(utf8: "token\(issued)"), expiration: now() + lifetime)
    }

    func assumeRole(using credentials: Credentials, roleARN: String, sessionName: String, durationSeconds: Int?,
                    externalID: String?, serialNumber: String?, tokenCode: String?) throws
        -> (credentials: Credentials, assumedRoleARN: String) {
        calls.append(Call(operation: "AssumeRole", signedBy: credentials.accessKeyID, roleARN: roleARN,
                          serialNumber: serialNumber, tokenCode: tokenCode, externalID: externalID,
                          sessionName: sessionName, durationSeconds: durationSeconds))
        if let failure { throw failure }
        let role = roleARN.split(separator: "/").last.map(String.init) ?? "?"
        return (issue("ROLE"), "arn:aws:sts::123456789012:assumed-role/\(role)/\(sessionName)")
    }

    func getSessionToken(using credentials: Credentials, durationSeconds: Int?, serialNumber: String?,
                         tokenCode: String?) throws -> Credentials {
        calls.append(Call(operation: "GetSessionToken", signedBy: credentials.accessKeyID, serialNumber: serialNumber,
                          tokenCode: tokenCode, durationSeconds: durationSeconds))
        if let failure { throw failure }
        return issue("SESSION")
    }
}

final class RoleChainExecutorTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var storePath: String!
    private var key: SecretBytes!
    private var clock = Date(timeIntervalSince1970: 1_800_000_000)
    private var sts: RecordingSTS!
    private var prompts: [MFARequest] = []
    private var promptAnswer: String? = "123456"

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        storePath = directory.path + "/store"
        key = try KeyFile.generate(at: directory.path + "/store.key")
        _ = try EncryptedStore.create(at: storePath, secrets: [.keyFile(key)])
        sts = RecordingSTS(now: { [unowned self] in self.clock })
    }

    private func context(cache: Bool = true, prompt: Bool = true,
                         environment: [String: String] = ["PATH": "/usr/bin:/bin"]) -> TemporaryCredentialsContext {
        let storePath = self.storePath!
        let key = self.key!
        let now: @Sendable () -> Date = { [unowned self] in self.clock }
        return TemporaryCredentialsContext(
            environment: environment, sts: sts,
            openCache: {
                guard cache else { return nil }
                return SessionCache(store: try EncryptedStore.open(at: storePath, with: .keyFile(key)), now: now)
            },
            now: now,
            mfaPrompt: prompt ? { [unowned self] request in
                self.prompts.append(request)
                return self.promptAnswer.flatMap(MFACode.init(validating:))
            } : nil,
            transport: { fatalError("no HTTP in these tests") })
    }

    private func reference(_ name: String, _ settings: [String: String] = [:]) -> ProfileReference {
        ProfileReference(name: name, storeType: .sharedConfigFile, location: "/home/test/.aws/config",
                         settings: settings)
    }

    private func keysBase(_ name: String = "source", settings: [String: String] = [:]) -> RoleChainBase {
        .staticKeys(profile: ProfileReference(name: name, storeType: .secureStore, location: storePath,
                                              settings: settings),
                    credentials: Credentials(accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret),
                    accountID: nil)
    }

    private func role(_ profile: String, _ arn: String, mfa: String? = nil, externalID: String? = nil,
                      duration: Int? = nil, settings: [String: String] = [:]) -> AssumeRoleStep {
        AssumeRoleStep(roleARN: arn, externalID: externalID, mfaSerial: mfa, durationSeconds: duration,
                       profile: reference(profile, settings))
    }

    private func resolve(_ chain: RoleChain, _ context: TemporaryCredentialsContext? = nil) throws -> Resolution {
        try RoleChainExecutor(context: context ?? self.context()).resolve(chain, step: .specifiedProfile)
    }

    func testAssumesTheRoleOnceAndReusesTheCachedSessionUntilTheRefreshWindow() throws {
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin", externalID: "x-1",
                                           duration: 3600)])
        let first = try resolve(chain)
        XCTAssertEqual(sts.calls.count, 1)
        XCTAssertEqual(sts.calls[0].signedBy, Example.accessKeyID)
        XCTAssertEqual(sts.calls[0].externalID, "x-1")
        XCTAssertEqual(sts.calls[0].durationSeconds, 3600)
        XCTAssertEqual(sts.calls[0].sessionName, "credstore-session-1800000000", "botocore-like default name")
        XCTAssertEqual(first.origin.storeType, .assumedRole)
        XCTAssertEqual(first.origin.location, "arn:aws:iam::123456789012:role/admin")
        XCTAssertNotNil(first.credentials.sessionToken)

        clock += 30 * 60  // 30 min later: 30 min left, outside the 15 min window
        let second = try resolve(chain)
        XCTAssertEqual(sts.calls.count, 1, "a live cached session makes no STS call")
        XCTAssertEqual(second.credentials.accessKeyID, first.credentials.accessKeyID)
        XCTAssertEqual(second.credentials.sessionToken, first.credentials.sessionToken)

        clock += 20 * 60  // 10 min left: inside the window, so a new session
        let third = try resolve(chain)
        XCTAssertEqual(sts.calls.count, 2)
        XCTAssertNotEqual(third.credentials.accessKeyID, first.credentials.accessKeyID)
    }

    func testAShortSessionIsReusedForHalfItsLifetime() throws {
        sts.lifetime = 900
        let chain = RoleChain(profileName: "short", base: keysBase(),
                              roles: [role("short", "arn:aws:iam::123456789012:role/short", duration: 900)])
        _ = try resolve(chain)
        clock += 400
        _ = try resolve(chain)
        XCTAssertEqual(sts.calls.count, 1, "reused: 500 s left of 900, the window is capped at 450 s")
        clock += 100
        _ = try resolve(chain)
        XCTAssertEqual(sts.calls.count, 2, "refreshed: 400 s left")
    }

    func testWithoutAStoreNothingIsCachedAndEveryCallAssumesTheRole() throws {
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin")])
        let first = try resolve(chain, context(cache: false))
        _ = try resolve(chain, context(cache: false))
        XCTAssertEqual(sts.calls.count, 2)
        XCTAssertTrue(first.notes.joined().contains("not cached"), "\(first.notes)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath + ".sessions"))
    }

    func testAChainReusesItsLastLiveSessionWithoutRunningTheBase() throws {
        // The base is a credential_process that fails: a cached last step must not run it.
        let failing = RoleChainBase.credentialProcess(profile: reference("base"), command: "/bin/false")
        let good = RoleChain(profileName: "second", base: keysBase(),
                             roles: [role("first", "arn:aws:iam::123456789012:role/first"),
                                     role("second", "arn:aws:iam::123456789012:role/second")])
        let made = try resolve(good)
        XCTAssertEqual(sts.calls.map(\.roleARN), ["arn:aws:iam::123456789012:role/first",
                                                  "arn:aws:iam::123456789012:role/second"])
        XCTAssertEqual(sts.calls[1].signedBy, "ASIAROLE1", "the second role is assumed with the first's session")
        // Same roles over a base whose identity is not a long-lived key: keyed by profile, so only the first step
        // differs; the second step's key names the first role, which is the same.
        let viaProcess = RoleChain(profileName: "second", base: failing, roles: good.roles)
        let reused = try resolve(viaProcess)
        XCTAssertEqual(reused.credentials.accessKeyID, made.credentials.accessKeyID)
        XCTAssertEqual(sts.calls.count, 2)
    }

    func testTwoRolesWithOneSourceAndDeviceShareOneMFAPrompt() throws {
        let serial = "arn:aws:iam::123456789012:mfa/user"
        let admin = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin", mfa: serial)])
        let ops = RoleChain(profileName: "ops", base: keysBase(),
                            roles: [role("ops", "arn:aws:iam::123456789012:role/ops", mfa: serial)])
        _ = try resolve(admin)
        _ = try resolve(ops)
        XCTAssertEqual(prompts, [MFARequest(profile: "admin", serial: serial)], "one code for both roles")
        XCTAssertEqual(sts.calls.map(\.operation), ["GetSessionToken", "AssumeRole", "AssumeRole"])
        XCTAssertEqual(sts.calls[0].serialNumber, serial)
        XCTAssertEqual(sts.calls[0].tokenCode, "123456")
        XCTAssertEqual(sts.calls[1].signedBy, "ASIASESSION1", "the role is assumed with the MFA session")
        XCTAssertEqual(sts.calls[2].signedBy, "ASIASESSION1")
        XCTAssertNil(sts.calls[1].tokenCode, "the MFA session carries the MFA; the code is not sent twice")
    }

    func testWithNoTerminalNoProcessAndNoSessionItFailsAtOnceWithoutCallingSTS() throws {
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin",
                                           mfa: "arn:aws:iam::123456789012:mfa/user")])
        promptAnswer = nil  // the prompt finds no terminal
        let error = try XCTUnwrap(catching { _ = try resolve(chain) } as? CredentialLookupError)
        XCTAssertEqual(error.code, .mfaCodeUnavailable)
        XCTAssertEqual(sts.calls.count, 0)
        // With a live MFA session (started earlier on a terminal) the same call needs no code.
        promptAnswer = "654321"
        _ = try resolve(chain)
        promptAnswer = nil
        clock += 60
        let other = RoleChain(profileName: "ops", base: keysBase(),
                              roles: [role("ops", "arn:aws:iam::123456789012:role/ops",
                                           mfa: "arn:aws:iam::123456789012:mfa/user")])
        XCTAssertNoThrow(try resolve(other, context(prompt: false)))
    }

    func testMFAProcessGivesTheCodeAndBadOutputSendsNothing() throws {
        let script = directory.path + "/otp"
        try "#!/bin/sh\necho ' 246810 '\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o700)
        let serial = "arn:aws:iam::123456789012:mfa/user"
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin", mfa: serial,
                                           settings: ["mfa_process": script])])
        _ = try resolve(chain, context(prompt: false))
        XCTAssertEqual(sts.calls.first?.tokenCode, "246810")

        try "#!/bin/sh\necho 12345\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o700)
        let bad = RoleChain(profileName: "ops", base: keysBase("other"),
                            roles: [role("ops", "arn:aws:iam::123456789012:role/ops", mfa: serial,
                                         settings: ["mfa_process": script])])
        let calls = sts.calls.count
        let error = try XCTUnwrap(catching { _ = try resolve(bad, context(prompt: false)) } as? CredentialLookupError)
        XCTAssertEqual(error.code, .invalidMFACode, error.description)
        XCTAssertFalse(error.description.contains("12345"), "the output is never quoted")
        XCTAssertEqual(sts.calls.count, calls, "nothing sent")
    }

    func testARoleFurtherDownAChainSendsTheCodeWithAssumeRole() throws {
        let serial = "arn:aws:iam::123456789012:mfa/user"
        let chain = RoleChain(profileName: "second", base: keysBase(),
                              roles: [role("first", "arn:aws:iam::123456789012:role/first"),
                                      role("second", "arn:aws:iam::123456789012:role/second", mfa: serial)])
        _ = try resolve(chain)
        XCTAssertEqual(sts.calls.map(\.operation), ["AssumeRole", "AssumeRole"])
        XCTAssertEqual(sts.calls[1].serialNumber, serial)
        XCTAssertEqual(sts.calls[1].tokenCode, "123456")
    }

    func testAnExpiredReplyIsRefusedAndNotCached() throws {
        sts.lifetime = -1
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin")])
        let error = try XCTUnwrap(catching { _ = try resolve(chain) } as? CredentialLookupError)
        XCTAssertEqual(error.code, .invalidTemporaryCredentials)
        XCTAssertFalse(FileManager.default.fileExists(atPath: storePath + ".sessions"), "no partial session")
    }

    func testAnSTSErrorKeepsItsCodeAndNamesTheRoleAndProfile() throws {
        sts.failure = RecordingSTS.Failure(failureCode: "access-denied", failureMessage: "AccessDenied: not allowed")
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin")])
        let error = try XCTUnwrap(catching { _ = try resolve(chain) } as? CredentialLookupError)
        XCTAssertEqual(error.code, .stsRequestFailed)
        XCTAssertEqual(error.serviceErrorCode, "access-denied")
        XCTAssertTrue(error.message.contains("arn:aws:iam::123456789012:role/admin"), error.message)
        XCTAssertTrue(error.message.contains("'admin'"), error.message)
    }

    func testASessionOnlyProfileGetsAPlainSessionOnceAndItsMFASessionIsSharedWithItsRoles() throws {
        let executor = RoleChainExecutor(context: context())
        let keys = Resolution(credentials: Credentials(accessKeyID: Example.accessKeyID,
                                                       secretAccessKey: Example.secret),
                              origin: CredentialOrigin(step: .specifiedProfile, storeType: .secureStore,
                                                       location: storePath, profileName: "source"))
        let plain = try executor.sessionCredentials(for: keys, profile: reference("source"))
        XCTAssertEqual(plain.origin.storeType, .stsSession)
        XCTAssertNotEqual(plain.credentials.accessKeyID, Example.accessKeyID, "the long-lived key stays home")
        _ = try executor.sessionCredentials(for: keys, profile: reference("source"))
        XCTAssertEqual(sts.calls.count, 1, "reused")

        let serial = "arn:aws:iam::123456789012:mfa/user"
        let mfa = try executor.sessionCredentials(for: keys, profile: reference("source", ["mfa_serial": serial]))
        XCTAssertEqual(sts.calls.last?.tokenCode, "123456")
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin", mfa: serial)])
        _ = try resolve(chain)
        XCTAssertEqual(prompts.count, 1, "the role reuses the profile's MFA session")
        XCTAssertEqual(sts.calls.last?.signedBy, mfa.credentials.accessKeyID)
    }

    func testTheCacheHoldsNoTokenInPlainText() throws {
        let chain = RoleChain(profileName: "admin", base: keysBase(),
                              roles: [role("admin", "arn:aws:iam::123456789012:role/admin")])
        let resolution = try resolve(chain)
        let token = try XCTUnwrap(resolution.credentials.sessionToken?.unsafeUTF8String())
        let bytes = try Data(contentsOf: URL(fileURLWithPath: storePath + ".sessions"))
        XCTAssertNil(bytes.range(of: Data(token.utf8)))
        XCTAssertNil(bytes.range(of: Data(resolution.credentials.accessKeyID.utf8)))
    }
}

private func catching(_ body: () throws -> Void) -> Error? {
    do { try body() } catch { return error }
    return nil
}
