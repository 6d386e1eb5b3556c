import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore

/// A JSON-shaped value for comparing parse results with the suites' expected output.
indirect enum Tree: Equatable, CustomStringConvertible {
    case string(String)
    case map([String: Tree])

    init(json: Any) {
        if let dictionary = json as? [String: Any] {
            self = .map(dictionary.mapValues { Tree(json: $0) })
        } else {
            self = .string(json as? String ?? "\(json)")
        }
    }

    init(_ properties: PropertyMap<ProfileValue>) {
        var map: [String: Tree] = [:]
        for (key, value) in properties {
            switch value {
            case .string(let text): map[key] = .string(text)
            case .subProperties(let sub): map[key] = .map(sub.dictionary.mapValues { .string($0) })
            }
        }
        self = .map(map)
    }

    var description: String {
        switch self {
        case .string(let text): return text.debugDescription
        case .map(let map):
            return "{" + map.keys.sorted().map { "\($0.debugDescription): \(map[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Runs the cross-SDK profile-file suites of smithy-rs and aws-sdk-kotlin (see ../shared/conformance/README.md).
///
/// Where the suites contradict each other, credstore follows botocore (the AWS CLI's parser), and only the cases
/// of the other side are skipped, each listed here with its reason.
final class ProfileParserConformanceTests: XCTestCase {
    /// Cases skipped by name, with the reason. Every other case of both suites must pass.
    static let skipped: [String: String] = [
        "aws-sdk-kotlin/All valid property name characters are supported.":
            "Key case: Kotlin keeps property-key case; botocore (configparser) and smithy-rs lower-case keys, so "
            + "credstore does too.",
        "aws-sdk-kotlin/Sub-property definitions ignore invalid name.":
            "Invalid sub-keys: Kotlin drops a sub-key with whitespace; botocore keeps it (`_parse_nested` splits at "
            + "'=') and smithy-rs keeps it in the raw text, so credstore keeps it.",
        "aws-sdk-kotlin/SSO Session in credentials file is invalid":
            "sso-session in the credentials file: Kotlin rejects the file; botocore and smithy-rs read every "
            + "credentials section as a profile name, and 'sso-session my-session' is an invalid name, so the "
            + "section is skipped without an error.",
    ]

    private func loadSuite(_ relativePath: String) throws -> [[String: Any]] {
        let url = try TestPaths.requireConformance().appendingPathComponent(relativePath)
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return root["tests"] as! [[String: Any]]
    }

    /// Parses a case's input the way the suites specify: config as config, credentials as credentials, merged.
    private func parse(_ input: [String: Any]) throws -> SharedProfiles {
        let config = try (input["configFile"] as? String).map {
            try ProfileFile(parsing: $0, kind: .config, path: "config")
        } ?? ProfileFile(kind: .config)
        let credentials = try (input["credentialsFile"] as? String).map {
            try ProfileFile(parsing: $0, kind: .credentials, path: "credentials")
        } ?? ProfileFile(kind: .credentials)
        return SharedProfiles(credentials: credentials, config: config)
    }

    private func sections(_ list: [ProfileSection]) -> Tree {
        .map(Dictionary(uniqueKeysWithValues: list.map { ($0.name, Tree($0.properties)) }))
    }

    /// smithy-rs keeps a sub-property block as its raw text (`"\nname = value"`); botocore's `_parse_nested` turns
    /// that text into the map credstore returns. Applying the same rule to the expectation compares like with like.
    private func parseNested(_ tree: Tree) -> Tree {
        guard case .map(let profiles) = tree else { return tree }
        return .map(profiles.mapValues { profile in
            guard case .map(let properties) = profile else { return profile }
            return .map(properties.mapValues { value in
                guard case .string(let text) = value, text.hasPrefix("\n") else { return value }
                var map: [String: Tree] = [:]
                for line in text.split(separator: "\n") {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    guard !trimmed.isEmpty, let equals = trimmed.firstIndex(of: "=") else { continue }
                    map[trimmed[..<equals].trimmingCharacters(in: .whitespaces)] =
                        .string(trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces))
                }
                return .map(map)
            })
        })
    }

    private func run(suite: String, actualTree: (SharedProfiles) -> Tree, expectedTree: ([String: Any]) -> Tree)
        throws
    {
        let tests = try loadSuite(suite + "/profile-parser-tests.json")
        var passed = 0
        var skippedNames: [String] = []
        for test in tests {
            let name = test["name"] as! String
            if Self.skipped["\(suite)/\(name)"] != nil {
                skippedNames.append(name)
                continue
            }
            let input = test["input"] as! [String: Any]
            let output = test["output"] as! [String: Any]
            if output["errorContaining"] != nil {
                XCTAssertThrowsError(try parse(input), "\(suite): \(name) must fail") { error in
                    let error = error as? SharedFileError
                    XCTAssertEqual(error?.code, .malformedFile, "\(suite): \(name)")
                    XCTAssertNotNil(error?.line, "\(suite): \(name): the error must name the line")
                }
            } else {
                do {
                    let actual = actualTree(try parse(input))
                    XCTAssertEqual(actual, expectedTree(output), "\(suite): \(name)")
                } catch {
                    XCTFail("\(suite): \(name): unexpected error \(error)")
                }
            }
            passed += 1
        }
        XCTAssertEqual(skippedNames.count, Self.skipped.keys.filter { $0.hasPrefix(suite + "/") }.count,
                       "every listed skip must name a real case of \(suite)")
        print("\(suite): \(passed) cases run, \(skippedNames.count) skipped: \(skippedNames)")
    }

    func testSmithyRsParserSuite() throws {
        try run(suite: "smithy-rs", actualTree: { profiles in
            .map(["profiles": self.sections(profiles.profiles), "sso_sessions": self.sections(profiles.ssoSessions)])
        }, expectedTree: { output in
            let config = output["config"] as! [String: Any]
            return .map([
                "profiles": self.parseNested(Tree(json: config["profiles"] ?? [String: Any]())),
                "sso_sessions": Tree(json: config["sso_sessions"] ?? [String: Any]()),
            ])
        })
    }

    func testKotlinParserSuite() throws {
        try run(suite: "aws-sdk-kotlin", actualTree: { profiles in
            var result: [String: Tree] = [:]
            func add(_ key: String, _ tree: Tree) {
                if case .map(let map) = tree, map.isEmpty { return }
                result[key] = tree
            }
            add("profiles", self.sections(profiles.profiles))
            add("sso-sessions", self.sections(profiles.ssoSessions))
            add("services", self.sections(profiles.services))
            var unknown: [String: Tree] = [:]
            for (type, name) in profiles.config.otherSectionNames {
                unknown[name] = Tree(profiles.config.otherSection(type: type, name: name)!)
            }
            add("unknown", .map(unknown))
            return .map(result)
        }, expectedTree: { Tree(json: $0) })
    }

    /// Every input of both suites and every botocore fixture is byte-identical after parse → serialise, and after
    /// the same through the editor's code path with an edit that is undone. Inputs that must be rejected are.
    func testRoundTripIsByteIdentical() throws {
        let root = try TestPaths.requireConformance()
        var inputs: [(name: String, bytes: [UInt8], kind: ProfileFileKind, mustFail: Bool)] = []
        for suite in ["smithy-rs", "aws-sdk-kotlin"] {
            for test in try loadSuite(suite + "/profile-parser-tests.json") {
                let input = test["input"] as! [String: Any]
                let name = "\(suite)/\(test["name"] as! String)"
                // A skipped error case parses here by design (see `skipped`).
                let mustFail = (test["output"] as! [String: Any])["errorContaining"] != nil && Self.skipped[name] == nil
                if let text = input["configFile"] as? String {
                    inputs.append((name + " [config]", Array(text.utf8), .config, mustFail))
                }
                if let text = input["credentialsFile"] as? String {
                    inputs.append((name + " [credentials]", Array(text.utf8), .credentials, mustFail))
                }
            }
        }
        let botocore = root.appendingPathComponent("botocore-cfg")
        // aws_credentials is the old `KEY=value` credential-file format with no section (botocore's configparser
        // rejects it too); the other three are botocore's own parse-error fixtures.
        let rejected: Set<String> = [
            "aws_config_bad", "aws_config_badbytes", "aws_config_nested_bad", "aws_credentials",
        ]
        for file in try FileManager.default.contentsOfDirectory(atPath: botocore.path).sorted()
        where file != "expectations.json" {
            let bytes = [UInt8](try Data(contentsOf: botocore.appendingPathComponent(file)))
            let kind: ProfileFileKind = file.contains("credentials") ? .credentials : .config
            inputs.append(("botocore-cfg/\(file)", bytes, kind, rejected.contains(file)))
        }
        var identical = 0
        var rejectedCount = 0
        for input in inputs {
            do {
                var document = try ProfileFile(parsing: input.bytes, kind: input.kind, path: input.name)
                XCTAssertEqual(document.bytes, input.bytes, "\(input.name): round trip differs")
                // An edit that is undone leaves the original lines in place.
                if try document.addProfile("credstore-roundtrip") {
                    try document.removeProfile("credstore-roundtrip")
                }
                if input.bytes.last == ASCII.newline || input.bytes.isEmpty {
                    XCTAssertEqual(document.bytes, input.bytes, "\(input.name): add + remove a profile differs")
                }
                XCTAssertFalse(input.mustFail, "\(input.name) must be rejected")
                identical += 1
            } catch let error as SharedFileError {
                XCTAssertTrue(input.mustFail, "\(input.name): unexpected error \(error)")
                XCTAssertEqual(error.code, .malformedFile)
                rejectedCount += 1
            }
        }
        print("round trip: \(identical) inputs byte-identical, \(rejectedCount) rejected as they must be")
        XCTAssertGreaterThan(identical, 100)
    }

    /// The botocore fixtures whose assertions use the SDKs' rules (nested blocks, sso-session, services, errors).
    /// botocore's quoted names (`[profile "personal"]`) are a configparser quirk the SDK rules do not share.
    func testBotocoreFixtureExpectations() throws {
        let directory = try TestPaths.requireConformance().appendingPathComponent("botocore-cfg")
        func load(_ name: String) throws -> ProfileFile {
            try ProfileFile(parsing: [UInt8](Data(contentsOf: directory.appendingPathComponent(name))), kind: .config,
                            path: name)
        }
        let nested = try load("aws_config_nested").profile("default")!
        XCTAssertEqual(nested["aws_access_key_id"], .string("foo"))
        XCTAssertEqual(nested["region"], .string("us-west-2"))
        XCTAssertEqual(nested["s3"]?.subProperties?.dictionary,
                       ["signature_version": "s3v4", "addressing_style": "path"])
        XCTAssertEqual(nested["cloudwatch"]?.subProperties?.dictionary, ["signature_version": "v4"])

        let sso = try load("aws_sso_session_config")
        XCTAssertEqual(sso.profileNames, ["default"])
        XCTAssertEqual(sso.ssoSession("sso")?.dictionary,
                       ["sso_region": .string("us-east-1"), "sso_start_url": .string("https://example.com")])

        let services = try load("aws_services_config").services("my-services")!
        XCTAssertEqual(services["s3"]?.subProperties?.dictionary, ["endpoint_url": "https://localhost:5678/"])
        XCTAssertEqual(services["dynamodb"]?.subProperties?.dictionary, ["endpoint_url": "https://localhost:8888/"])

        XCTAssertEqual(try load("aws_bad_profile").profileNames, ["default", "personal1"],
                       "quoted names are invalid by the SDK rules and skipped")
        for (name, line) in [("aws_config_bad", 1), ("aws_config_nested_bad", 5), ("aws_config_badbytes", 1)] {
            XCTAssertThrowsError(try load(name), name) { error in
                XCTAssertEqual((error as? SharedFileError)?.code, .malformedFile, name)
                XCTAssertEqual((error as? SharedFileError)?.line, line, name)
                XCTAssertTrue("\(error)".contains(name), "the message names the file: \(error)")
            }
        }
    }

    /// The Linux cases of both file-location suites.
    func testFileLocationSuites() throws {
        var count = 0
        for suite in ["smithy-rs", "aws-sdk-kotlin"] {
            let tests = try loadSuite(suite + "/file-location-tests.json")
            for test in tests where test["platform"] as? String == "linux" {
                let name = test["name"] as! String
                let environment = test["environment"] as! [String: String]
                let locations = SharedFileLocations(environment: environment,
                                                    fallbackHome: test["languageSpecificHome"] as? String)
                XCTAssertEqual(locations.configPath, test["configLocation"] as? String, "\(suite): \(name)")
                XCTAssertEqual(locations.credentialsPath, test["credentialsLocation"] as? String, "\(suite): \(name)")
                if let profile = test["profile"] as? String {
                    XCTAssertEqual(locations.selectedProfile, profile, "\(suite): \(name)")
                }
                count += 1
            }
        }
        XCTAssertEqual(count, 9)
    }
}
