import Foundation
import XCTest
@testable import CredentialLookup

/// One scenario per rule of the documented search order (README, "The search order"), over in-memory catalogs.
final class SearchOrderTests: XCTestCase {
    // MARK: Step 2, name only

    func testStoreAndSharedFileBothHoldProdThenTheStoreWins() throws {
        let fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod")
        fixture.credentialsFile.profiles["prod"] = staticEntry("prod", keyID: Example.otherKeyID,
                                                               secret: Example.otherSecret)
        fixture.configFile.profiles["prod"] = staticEntry("prod", keyID: "AKIACONFIGEXAMPLE")

        let resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, Example.secret)
        XCTAssertEqual(resolution.origin, CredentialOrigin(step: .specifiedProfile, storeType: .secureStore,
                                                           location: fixture.store.location, profileName: "prod"))
        XCTAssertEqual(resolution.searched, [])
    }

    func testNameOnlySearchesTheCredentialsFileThenTheConfigFile() throws {
        let fixture = Fixture()
        fixture.configFile.profiles["prod"] = staticEntry("prod", keyID: Example.otherKeyID)
        var resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.origin.storeType, .sharedConfigFile)
        XCTAssertEqual(resolution.searched, [
            "profile 'prod' in the encrypted store (\(fixture.store.location))",
            "profile 'prod' in the shared credentials file (\(fixture.credentialsFile.location))",
        ])

        fixture.credentialsFile.profiles["prod"] = staticEntry("prod")
        resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.origin.storeType, .sharedCredentialsFile)
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)
    }

    func testNameInNoCatalogIsAnErrorNamingEveryPlaceAndNeverFallsThrough() throws {
        var fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default")
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.accessKeyID
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = Example.secretText

        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "staging")))
        XCTAssertEqual(error.code, .profileNotFound)
        XCTAssertEqual(error.searched.count, 3)
        for catalog in [fixture.store, fixture.credentialsFile, fixture.configFile] {
            XCTAssertTrue(error.message.contains(catalog.location), error.message)
        }
        XCTAssertTrue(error.message.contains("'staging'"))
        XCTAssertNotNil(error.hint)
        // The default profile was never consulted.
        XCTAssertEqual(fixture.store.reads, ["staging"])
        assertNoSecret(error.description)
    }

    // MARK: Step 2, location

    func testProfileLocationBypassesTheStore() throws {
        var fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod")
        let file = MemoryCatalog(.sharedCredentialsFile, "/srv/team/credentials",
                                 [staticEntry("prod", keyID: Example.otherKeyID, secret: Example.otherSecret)])
        fixture.locations[file.location] = file

        let resolution = try fixture.resolve(LookupRequest(profileName: "prod", profileLocation: file.location))
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.otherKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, Example.otherSecret)
        XCTAssertEqual(resolution.origin.location, file.location)
        XCTAssertEqual(resolution.origin.step, .specifiedProfile)
        XCTAssertEqual(fixture.store.reads, [], "the store must not be touched when a location is given")
    }

    func testLocationOnlyUsesThatFilesDefaultProfile() throws {
        var fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default")
        let file = MemoryCatalog(.sharedCredentialsFile, "/srv/team/credentials", [
            staticEntry("default", keyID: Example.otherKeyID, secret: Example.otherSecret),
            staticEntry("prod"),
        ])
        fixture.locations[file.location] = file

        let resolution = try fixture.resolve(LookupRequest(profileLocation: file.location))
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.otherKeyID)
        XCTAssertEqual(resolution.origin.profileName, "default")
        XCTAssertEqual(file.reads, ["default"])
        XCTAssertEqual(fixture.store.reads, [])
    }

    func testLocationWithoutTheProfileIsAnErrorAndAMissingFileKeepsItsError() throws {
        var fixture = Fixture()
        fixture.credentialsFile.profiles["default"] = staticEntry("default")
        let file = MemoryCatalog(.sharedConfigFile, "/srv/team/config", [staticEntry("prod")])
        fixture.locations[file.location] = file

        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileLocation: file.location)))
        XCTAssertEqual(error.code, .profileNotFound)
        XCTAssertEqual(error.searched, ["profile 'default' in the shared config file (/srv/team/config)"])

        XCTAssertThrowsError(try fixture.resolve(LookupRequest(profileLocation: "/nonexistent/credentials"))) {
            XCTAssertEqual(($0 as? MissingFileError)?.path, "/nonexistent/credentials")
        }
    }

    // MARK: Steps 1 and 3

    func testLiteralCredentialsComeFirstWithAWarning() throws {
        var fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod", keyID: Example.otherKeyID)
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.otherKeyID
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = Example.otherSecretText
        let literal = Credentials(accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret)

        let resolution = try fixture.resolve(LookupRequest(profileName: "prod", literalCredentials: literal))
        XCTAssertEqual(resolution.origin.step, .literal)
        XCTAssertEqual(resolution.credentials, literal)
        XCTAssertTrue(resolution.notes.contains { $0.contains("process list") })
    }

    func testSpecifiedProfileBeatsProgrammaticWhichBeatsEnvironment() throws {
        var fixture = Fixture()
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.otherKeyID
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = Example.otherSecretText
        fixture.credentialsFile.profiles["prod"] = staticEntry("prod")
        let programmatic = Credentials(accessKeyID: "AKIAPROGRAMMATIC", secretAccessKey: Example.secret)

        var resolution = try fixture.resolve(LookupRequest(profileName: "prod", programmaticCredentials: programmatic))
        XCTAssertEqual(resolution.origin.step, .specifiedProfile)
        resolution = try fixture.resolve(LookupRequest(programmaticCredentials: programmatic))
        XCTAssertEqual(resolution.origin.step, .programmatic)
        XCTAssertEqual(resolution.credentials.accessKeyID, "AKIAPROGRAMMATIC")
    }

    // MARK: Steps 4 and 5

    func testEnvironmentBeatsSessionProfileAndDefaults() throws {
        var fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default", keyID: Example.otherKeyID)
        fixture.credentialsFile.profiles["session"] = staticEntry("session", keyID: Example.otherKeyID)
        fixture.environment["AWS_PROFILE"] = "session"
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.accessKeyID
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = Example.secretText
        fixture.environment["AWS_SESSION_TOKEN"] = "FwoGZXIvYXdzEXAMPLETOKEN"

        let resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin.step, .environment)
        XCTAssertEqual(resolution.origin.storeType, .environment)
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)
        XCTAssertEqual(resolution.credentials.secretAccessKey, Example.secret)
        XCTAssertEqual(resolution.credentials.sessionToken, SecretBytes(utf8: "FwoGZXIvYXdzEXAMPLETOKEN"))
        XCTAssertEqual(fixture.store.reads, [])
        XCTAssertEqual(fixture.credentialsFile.reads, [])
    }

    func testHalfAnEnvironmentKeyPairIsAnError() throws {
        var fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default")
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.accessKeyID
        let error = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(error.code, .incompleteEnvironmentCredentials)
        XCTAssertTrue(error.message.contains("AWS_SECRET_ACCESS_KEY"))
    }

    func testBlankEnvironmentKeysCountAsMissing() throws {
        // Issue 16 (the SDK suites' `environment_variables_blank`): whitespace-only values are not a key pair.
        var fixture = Fixture()
        fixture.configFile.profiles["some_profile"] = staticEntry("some_profile")
        fixture.environment["AWS_PROFILE"] = "some_profile"
        fixture.environment["AWS_ACCESS_KEY_ID"] = " "
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = " \t"
        let resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin.step, .sessionProfile)
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)

        // Half blank: only the other half is set, which is the usual half-a-pair error.
        fixture.environment["AWS_ACCESS_KEY_ID"] = Example.accessKeyID
        XCTAssertEqual(fixture.lookupError()?.code, .incompleteEnvironmentCredentials)
    }

    func testSessionProfileIsSearchedLikeANameAndMustExist() throws {
        var fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default", keyID: Example.otherKeyID)
        fixture.configFile.profiles["session"] = staticEntry("session")
        fixture.environment["AWS_PROFILE"] = "session"

        let resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin.step, .sessionProfile)
        XCTAssertEqual(resolution.origin.storeType, .sharedConfigFile)
        XCTAssertEqual(resolution.credentials.accessKeyID, Example.accessKeyID)

        fixture.environment["AWS_PROFILE"] = "gone"
        let error = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(error.code, .profileNotFound)
        XCTAssertEqual(error.searched.count, 3)
        XCTAssertTrue(error.message.contains("AWS_PROFILE"))
        XCTAssertTrue(error.hint?.contains("unset AWS_PROFILE") ?? false)
    }

    // MARK: Step 6

    func testDefaultChainStoreThenCredentialsFileThenAWSPSDefault() throws {
        let fixture = Fixture()
        fixture.store.profiles["default"] = staticEntry("default", keyID: "AKIASTOREDEFAULT")
        fixture.credentialsFile.profiles["default"] = staticEntry("default", keyID: "AKIAFILEDEFAULT")
        fixture.store.profiles["AWS PS Default"] = staticEntry("AWS PS Default", keyID: "AKIAPSDEFAULT")
        fixture.configFile.profiles["default"] = staticEntry("default", keyID: "AKIACONFIGDEFAULT")

        var resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin.step, .defaultProfile)
        XCTAssertEqual(resolution.credentials.accessKeyID, "AKIASTOREDEFAULT")
        XCTAssertEqual(resolution.origin.storeType, .secureStore)

        fixture.store.profiles["default"] = nil
        resolution = try fixture.resolve()
        XCTAssertEqual(resolution.credentials.accessKeyID, "AKIAFILEDEFAULT")
        XCTAssertEqual(resolution.origin.storeType, .sharedCredentialsFile)
        XCTAssertEqual(resolution.searched.last, "profile 'default' in the encrypted store (\(fixture.store.location))")

        // Issue 16: the config file's `[default]` comes after the credentials file's and before `AWS PS Default`.
        fixture.credentialsFile.profiles["default"] = nil
        resolution = try fixture.resolve()
        XCTAssertEqual(resolution.credentials.accessKeyID, "AKIACONFIGDEFAULT")
        XCTAssertEqual(resolution.origin.step, .defaultProfile)
        XCTAssertEqual(resolution.origin.storeType, .sharedConfigFile)

        fixture.configFile.profiles["default"] = nil
        resolution = try fixture.resolve()
        XCTAssertEqual(resolution.credentials.accessKeyID, "AKIAPSDEFAULT")
        XCTAssertEqual(resolution.origin.profileName, "AWS PS Default")
        XCTAssertEqual(resolution.origin.storeType, .secureStore)

        fixture.store.profiles["AWS PS Default"] = nil
        let error = try XCTUnwrap(fixture.lookupError())
        XCTAssertEqual(error.code, .noCredentialsFound)
        XCTAssertEqual(error.searched, [
            "environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            "profile 'default' in the encrypted store (\(fixture.store.location))",
            "profile 'default' in the shared credentials file (\(fixture.credentialsFile.location))",
            "profile 'default' in the shared config file (\(fixture.configFile.location))",
            "profile 'AWS PS Default' in the encrypted store (\(fixture.store.location))",
            "instance metadata service (disabled by AWS_EC2_METADATA_DISABLED)",
        ])
    }

    func testDefaultWithOnlySettingsDoesNotStopTheChain() throws {
        let fixture = Fixture()
        fixture.credentialsFile.profiles["default"] = ProfileEntry(name: "default", settings: ["region": "eu-west-1"])
        fixture.store.profiles["AWS PS Default"] = staticEntry("AWS PS Default")
        let resolution = try fixture.resolve()
        XCTAssertEqual(resolution.origin.profileName, "AWS PS Default")
    }

    // MARK: Stores that cannot be read, profiles that are not static

    func testAStoreThatCannotBeUnlockedStopsTheLookup() throws {
        let fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod")
        fixture.store.profiles["default"] = staticEntry("default")
        fixture.store.unlockError = StoreLockedError()
        fixture.credentialsFile.profiles["prod"] = staticEntry("prod", keyID: Example.otherKeyID)
        fixture.credentialsFile.profiles["default"] = staticEntry("default", keyID: Example.otherKeyID)

        XCTAssertThrowsError(try fixture.resolve(LookupRequest(profileName: "prod"))) {
            XCTAssertTrue($0 is StoreLockedError, "\($0)")
        }
        XCTAssertThrowsError(try fixture.resolve()) { XCTAssertTrue($0 is StoreLockedError, "\($0)") }
        XCTAssertEqual(fixture.credentialsFile.reads, [], "never fall through to the plaintext profile")

        // A name the store does not hold needs no unlocking.
        fixture.credentialsFile.profiles["dev"] = staticEntry("dev")
        XCTAssertEqual(try fixture.resolve(LookupRequest(profileName: "dev")).origin.storeType, .sharedCredentialsFile)
    }

    func testRoleProfilesAreReportedNotTreatedAsStatic() throws {
        let fixture = Fixture()
        // Issue 16: a role profile is planned first, so its source must exist for the refusal to be about the role.
        fixture.store.profiles["prod"] = staticEntry("prod")
        fixture.configFile.profiles["admin"] = ProfileEntry(name: "admin", properties: [
            "role_arn": "arn:aws:iam::123456789012:role/admin", "source_profile": "prod",
            "aws_access_key_id": Example.accessKeyID, "aws_secret_access_key": Example.secretText,
        ])
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "admin")))
        XCTAssertEqual(error.code, .roleNotSupported)
        XCTAssertTrue(error.message.contains("role_arn"), error.message)
        XCTAssertTrue(error.message.contains(fixture.configFile.location), error.message)
        XCTAssertTrue(error.message.contains("not supported yet"), error.message)
        assertNoSecret(error.description)

        fixture.configFile.profiles["sso"] = ProfileEntry(name: "sso", settings: [
            "sso_start_url": "https://example.awsapps.com/start", "sso_region": "eu-west-1",
            "sso_account_id": "123456789012", "sso_role_name": "ReadOnly",
        ])
        XCTAssertEqual(fixture.lookupError(LookupRequest(profileName: "sso"))?.code, .ssoNotSupported)
    }

    func testProfilesWithoutCredentialsOrWithHalfAPairAreErrors() throws {
        let fixture = Fixture()
        fixture.configFile.profiles["prod"] = ProfileEntry(name: "prod", settings: ["region": "eu-west-1"])
        var error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "prod")))
        XCTAssertEqual(error.code, .incompleteProfile)
        XCTAssertTrue(error.message.contains(fixture.configFile.location), error.message)

        fixture.credentialsFile.profiles["half"] = ProfileEntry(name: "half",
                                                                properties: ["aws_access_key_id": Example.accessKeyID])
        error = try XCTUnwrap(fixture.lookupError(LookupRequest(profileName: "half")))
        XCTAssertEqual(error.code, .incompleteProfile)
        XCTAssertTrue(error.message.contains("aws_secret_access_key"), error.message)
    }

    // MARK: Region

    func testRegionPrecedence() throws {
        var fixture = Fixture()
        fixture.credentialsFile.profiles["prod"] = staticEntry("prod")
        fixture.configFile.profiles["prod"] = ProfileEntry(name: "prod", settings: ["region": "eu-central-1"])

        var resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.region, "eu-central-1")
        XCTAssertEqual(resolution.regionSource, .profile(storeType: .sharedConfigFile,
                                                         location: fixture.configFile.location, profileName: "prod"))

        fixture.environment["AWS_DEFAULT_REGION"] = "us-west-2"
        resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.region, "us-west-2")
        XCTAssertEqual(resolution.regionSource, .environment(variable: "AWS_DEFAULT_REGION"))

        fixture.environment["AWS_REGION"] = "ap-south-1"
        resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.region, "ap-south-1")
        XCTAssertEqual(resolution.regionSource, .environment(variable: "AWS_REGION"))

        resolution = try fixture.resolve(LookupRequest(profileName: "prod", region: "sa-east-1"))
        XCTAssertEqual(resolution.region, "sa-east-1")
        XCTAssertEqual(resolution.regionSource, .request)
        XCTAssertEqual(resolution.regionSource?.description, "--region")
    }

    func testTheProfilesOwnRegionWinsAndNoRegionIsNil() throws {
        let fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod", settings: ["region": "us-east-2"])
        fixture.configFile.profiles["prod"] = ProfileEntry(name: "prod", settings: ["region": "eu-central-1"])
        var resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        XCTAssertEqual(resolution.region, "us-east-2")
        XCTAssertEqual(resolution.regionSource, .profile(storeType: .secureStore, location: fixture.store.location,
                                                         profileName: "prod"))

        fixture.store.profiles["dev"] = staticEntry("dev")
        resolution = try fixture.resolve(LookupRequest(profileName: "dev"))
        XCTAssertNil(resolution.region)
        XCTAssertNil(resolution.regionSource)
    }

    // MARK: Expiry, the order as data, and redaction

    func testExpiredCredentialsStopTheLookup() throws {
        let fixture = Fixture()
        let expired = Credentials(accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret,
                                  sessionToken: SecretBytes(utf8: "EXAMPLETOKEN"),
                                  expiration: Date(timeIntervalSince1970: 1_600_000_000))
        let error = try XCTUnwrap(fixture.lookupError(LookupRequest(programmaticCredentials: expired)))
        XCTAssertEqual(error.code, .expired)
        XCTAssertTrue(error.message.contains("2020-09-13T12:26:40Z"), error.message)
    }

    func testTheStepNamesAreTheStableJSONValuesInTheDocumentedOrder() {
        // `credstore get --json` prints these names as `Step`; README documents them. A new source adds a name.
        XCTAssertEqual(SearchOrder.steps.map(\.rawValue),
                       ["literal", "specifiedProfile", "programmatic", "environment", "sessionProfile",
                        "defaultProfile", "instanceMetadata"])
        XCTAssertEqual(Set(SearchOrder.steps).count, SearchOrder.steps.count, "step names must be unique")
        XCTAssertEqual(SearchStep.specifiedProfile.description, "2 (specifiedProfile)")
        XCTAssertEqual(SearchStep.instanceMetadata.position, 7)
        XCTAssertEqual(SearchStep(rawValue: "credentialServer").description, "credentialServer")
    }

    func testTheREADMEDocumentsEveryStepInOrder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "### The search order").dropFirst().first)
        for (index, step) in SearchOrder.steps.enumerated() {
            XCTAssertTrue(section.contains("\n\(index + 1). `\(step.rawValue)`: "),
                          "README's search order does not list step \(index + 1) as `\(step.rawValue)`")
        }
        // Step 6's links, in the chain's order (issue 16 put the config file's `[default]` among them).
        let defaultStep = try XCTUnwrap(section.components(separatedBy: "`defaultProfile`: ").dropFirst().first?
            .components(separatedBy: "\n7. ").first).replacingOccurrences(of: "\n   ", with: " ")
        let described: [String: String] = [
            "SecureStore/default": "`default` in the encrypted store",
            "SharedCredentialsFile/default": "`default` in the shared credentials file",
            "SharedConfigFile/default": "`[default]` in the shared config file",
            "SecureStore/AWS PS Default": "`AWS PS Default` in the encrypted store",
        ]
        var cursor = defaultStep.startIndex
        for link in DefaultProfileLink.standardChain {
            let text = try XCTUnwrap(described["\(link.storeType.rawValue)/\(link.profileName)"], "undocumented link")
            let found = try XCTUnwrap(defaultStep.range(of: text, range: cursor..<defaultStep.endIndex),
                                      "README's step 6 does not list \(text) in the chain's order")
            cursor = found.upperBound
        }
    }

    func testTheStandardOrderIsDataAndACustomOrderIsHonoured() throws {
        let fixture = Fixture()
        func kinds(_ request: LookupRequest) -> [String] {
            CredentialResolver.standardSources(for: request, environment: fixture.environment,
                                               catalogs: fixture.catalogs).map { "\(type(of: $0))" }
        }
        XCTAssertEqual(kinds(LookupRequest()), ["EnvironmentCredentialSource", "SessionProfileSource",
                                                "DefaultProfileChainSource", "InstanceMetadataSource"])
        let credentials = Credentials(accessKeyID: Example.accessKeyID, secretAccessKey: Example.secret)
        XCTAssertEqual(kinds(LookupRequest(profileName: "p", literalCredentials: credentials,
                                           programmaticCredentials: credentials)),
                       ["LiteralCredentialSource", "SpecifiedProfileSource", "ProgrammaticCredentialSource",
                        "EnvironmentCredentialSource", "SessionProfileSource", "DefaultProfileChainSource",
                        "InstanceMetadataSource"])

        // A custom order: the default chain before the environment.
        var environment = fixture.environment
        environment["AWS_ACCESS_KEY_ID"] = Example.otherKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = Example.otherSecretText
        fixture.store.profiles["default"] = staticEntry("default")
        let resolver = CredentialResolver(sources: [DefaultProfileChainSource(catalogs: fixture.catalogs,
                                                                              environment: environment),
                                                    EnvironmentCredentialSource(environment: environment)],
                                          environment: environment)
        XCTAssertEqual(try resolver.resolve(LookupRequest()).origin.step, .defaultProfile)
    }

    func testNothingPrintsASecret() throws {
        let fixture = Fixture()
        fixture.store.profiles["prod"] = staticEntry("prod")
        let resolution = try fixture.resolve(LookupRequest(profileName: "prod"))
        var dumped = ""
        dump(resolution, to: &dumped)
        assertNoSecret(dumped)
        assertNoSecret("\(resolution.credentials) \(resolution.origin)")
        XCTAssertTrue("\(resolution.credentials)".contains(Example.accessKeyID))

        let entry = ProfileEntry(name: "p", properties: ["aws_access_key_id": Example.accessKeyID,
                                                         "aws_secret_access_key": Example.secretText,
                                                         "aws_session_token": "EXAMPLETOKEN", "region": "eu-west-1"])
        XCTAssertEqual(entry.settings, ["region": "eu-west-1"])
        XCTAssertEqual(entry.secretAccessKey, Example.secret)
        XCTAssertEqual(entry.sessionToken, SecretBytes(utf8: "EXAMPLETOKEN"))
    }
}
