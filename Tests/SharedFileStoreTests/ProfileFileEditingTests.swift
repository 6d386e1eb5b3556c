import XCTest
@testable import SharedFileStore

private let accessKey = "AKIAIOSFODNN7EXAMPLE"
private let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/// The lines of `new` that differ from `old`, as (old line, new line) pairs; nil on one side for added/removed lines.
private func changedLines(_ old: String, _ new: String) -> [(String?, String?)] {
    let oldLines = old.components(separatedBy: "\n")
    let newLines = new.components(separatedBy: "\n")
    var prefix = 0
    while prefix < min(oldLines.count, newLines.count) && oldLines[prefix] == newLines[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < min(oldLines.count, newLines.count) - prefix
        && oldLines[oldLines.count - 1 - suffix] == newLines[newLines.count - 1 - suffix] { suffix += 1 }
    let removed = Array(oldLines[prefix..<oldLines.count - suffix])
    let added = Array(newLines[prefix..<newLines.count - suffix])
    return (0..<max(removed.count, added.count)).map {
        ($0 < removed.count ? removed[$0] : nil, $0 < added.count ? added[$0] : nil)
    }
}

final class ProfileFileEditingTests: XCTestCase {
    let credentials = """
        # Work accounts -- managed by hand
        [default]
        aws_access_key_id = \(accessKey)
        aws_secret_access_key = \(secretKey) ; rotated quarterly
        region=us-east-1   # home region

        ; the production account
        [prod]
        aws_access_key_id = AKIAPROD
        aws_secret_access_key = prodsecret

        # staging follows
        [staging]
        aws_access_key_id = AKIASTAGING

        """

    /// Edits run in place; one that fails its read-back check is undone completely (lines, index, arena).
    func testARefusedEditLeavesTheDocumentAsItWas() throws {
        let text = "# top\n[default]\naws_access_key_id = \(accessKey)\n\n[dev]\nregion = eu-west-1\n"
        var document = try ProfileFile(parsing: text, kind: .credentials)
        let arenaCount = document.arena.count
        XCTAssertThrowsError(try document.performEdit({ file in
            file.insertLine(Array("output = json".utf8), after: 2)
        }, check: { _ in false }))
        XCTAssertEqual(document.text, text)
        XCTAssertEqual(document.arena.count, arenaCount)
        XCTAssertEqual(document.profileNames, ["default", "dev"])
        XCTAssertNil(document.value(forKey: "output", inProfile: "default"))
        try document.setValue("json", forKey: "output", inProfile: "default")
        XCTAssertEqual(document.value(forKey: "output", inProfile: "default")?.stringValue, "json")
        XCTAssertEqual(document.value(forKey: "region", inProfile: "dev")?.stringValue, "eu-west-1")
        XCTAssertEqual(Array(document.inputBytes), Array(text.utf8))
    }

    /// A line an edit writes that the parser would refuse is not kept (as a comment, say) even when the edit's own
    /// check holds: the edit is undone and refused.
    func testAnEditWritingAnUnparsableLineIsRefused() throws {
        let text = "[default]\nregion = x\n"
        var document = try ProfileFile(parsing: text, kind: .credentials)
        for line in ["[prod", "= v"] {
            XCTAssertThrowsError(try document.performEdit({ file in
                file.insertLine(Array(line.utf8), after: 1)
            }, check: { _ in true }), line.debugDescription) {
                XCTAssertEqual(($0 as? SharedFileError)?.code, .invalidArgument)
            }
            XCTAssertEqual(document.text, text)
        }
        try document.setValue("y", forKey: "region", inProfile: "default")
        XCTAssertEqual(document.text, "[default]\nregion = y\n")
    }

    func testSettingOneKeyChangesExactlyOneLineAndKeepsComments() throws {
        var document = try ProfileFile(parsing: credentials, kind: .credentials)
        try document.setValue("eu-west-1", forKey: "region", inProfile: "default")
        let diff = changedLines(credentials, document.text)
        XCTAssertEqual(diff.count, 1)
        XCTAssertEqual(diff.first?.0, "region=us-east-1   # home region")
        XCTAssertEqual(diff.first?.1, "region=eu-west-1   # home region")
        XCTAssertEqual(document.value(forKey: "region", inProfile: "default"), .string("eu-west-1"))

        try document.setValue("newsecret", forKey: "AWS_SECRET_ACCESS_KEY", inProfile: "default")
        XCTAssertTrue(document.text.contains("aws_secret_access_key = newsecret ; rotated quarterly\n"))
        XCTAssertEqual(changedLines(credentials, document.text).count, 2)
    }

    func testNewKeyGoesAfterTheProfilesLastPropertyAndBeforeTheNextSectionsComment() throws {
        var document = try ProfileFile(parsing: credentials, kind: .credentials)
        try document.setValue("token", forKey: "aws_session_token", inProfile: "prod")
        let diff = changedLines(credentials, document.text)
        XCTAssertEqual(diff.count, 1)
        XCTAssertNil(diff.first?.0)
        XCTAssertEqual(diff.first?.1, "aws_session_token = token")
        XCTAssertTrue(document.text.contains("prodsecret\naws_session_token = token\n\n# staging follows\n[staging]"))
    }

    func testCRLFFilesKeepCRLFAndRoundTrip() throws {
        let crlf = credentials.replacingOccurrences(of: "\n", with: "\r\n")
        var document = try ProfileFile(parsing: crlf, kind: .credentials)
        XCTAssertEqual(document.text, crlf)
        try document.setValue("value", forKey: "new_key", inProfile: "staging")
        try document.setValue("x", forKey: "k", inProfile: "brand-new")
        XCTAssertFalse(document.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), document.text)
        XCTAssertTrue(document.text.hasSuffix("AKIASTAGING\r\nnew_key = value\r\n\r\n[brand-new]\r\nk = x\r\n"))
    }

    func testAddProfileWritesTheHeaderOfTheFileKind() throws {
        var config = try ProfileFile(parsing: "[profile a]\nregion = x", kind: .config)  // no final newline
        XCTAssertTrue(try config.addProfile("b"))
        XCTAssertFalse(try config.addProfile("b"))
        XCTAssertTrue(try config.addProfile("default"))
        XCTAssertEqual(config.text, "[profile a]\nregion = x\n\n[profile b]\n\n[default]\n")
        XCTAssertEqual(config.profileNames, ["a", "b", "default"])

        var credentials = ProfileFile(kind: .credentials)
        try credentials.setValue(accessKey, forKey: "aws_access_key_id", inProfile: "dev")
        XCTAssertEqual(credentials.text, "[dev]\naws_access_key_id = \(accessKey)\n")
    }

    func testConfigEditsTargetProfileDefaultOverBareDefault() throws {
        var config = try ProfileFile(parsing: "[default]\nregion = a\n[profile default]\nregion = b\n", kind: .config)
        XCTAssertEqual(config.profile("default")?.dictionary, ["region": .string("b")])
        try config.setValue("c", forKey: "region", inProfile: "default")
        XCTAssertEqual(config.text, "[default]\nregion = a\n[profile default]\nregion = c\n")
    }

    func testRemoveKeyRemovesEveryDefinitionAndItsContinuations() throws {
        let text = "[a]\nk = 1\n  more\nother = 2\n[a]\nK = 3 # c\n"
        var document = try ProfileFile(parsing: text, kind: .credentials)
        XCTAssertTrue(try document.removeValue(forKey: "k", inProfile: "a"))
        XCTAssertEqual(document.text, "[a]\nother = 2\n[a]\n")
        XCTAssertFalse(try document.removeValue(forKey: "k", inProfile: "a"))
        XCTAssertFalse(try document.removeValue(forKey: "k", inProfile: "nope"))
    }

    /// A bare `[default]` shadowed by `[profile default]` is not read by the SDKs, but a secret in it is still on
    /// disk: removing the key removes it there too.
    func testRemoveKeyRemovesItFromAShadowedBareDefaultToo() throws {
        let text = "[default]\naws_secret_access_key = S1\nregion = a\n\n"
            + "[profile default]\naws_secret_access_key = S2\n"
        var config = try ProfileFile(parsing: text, kind: .config)
        XCTAssertTrue(try config.removeValue(forKey: "aws_secret_access_key", inProfile: "default"))
        XCTAssertEqual(config.text, "[default]\nregion = a\n\n[profile default]\n")
        XCTAssertFalse(try config.removeValue(forKey: "aws_secret_access_key", inProfile: "default"))

        var shadowedOnly = try ProfileFile(parsing: "[default]\nk = S1\n[profile default]\nregion = b\n", kind: .config)
        XCTAssertTrue(try shadowedOnly.removeValue(forKey: "k", inProfile: "default"))
        XCTAssertEqual(shadowedOnly.text, "[default]\n[profile default]\nregion = b\n")
    }

    func testSettingAKeyReplacesItsContinuationLines() throws {
        var document = try ProfileFile(parsing: "[a]\nk = line1\n  line2\n# note\nz = 1\n", kind: .credentials)
        XCTAssertEqual(document.value(forKey: "k", inProfile: "a"), .string("line1\nline2"))
        try document.setValue("single", forKey: "k", inProfile: "a")
        XCTAssertEqual(document.text, "[a]\nk = single\n# note\nz = 1\n")
    }

    func testRemoveProfileKeepsOtherSectionsAndTheNextSectionsComment() throws {
        var document = try ProfileFile(parsing: credentials, kind: .credentials)
        XCTAssertTrue(try document.removeProfile("prod"))
        XCTAssertEqual(document.profileNames, ["default", "staging"])
        // Comments are never deleted with a section unless they sit between its properties.
        XCTAssertTrue(document.text.hasSuffix("home region\n\n; the production account\n\n# staging follows\n"
                                              + "[staging]\naws_access_key_id = AKIASTAGING\n"), document.text)
        XCTAssertTrue(try document.removeProfile("staging"))
        XCTAssertTrue(document.text.hasSuffix("home region\n\n; the production account\n\n# staging follows\n"),
                      document.text)
        XCTAssertFalse(try document.removeProfile("staging"))

        var config = try ProfileFile(parsing: "[default]\na = 1\n\n[profile x]\nb = 2\n\n[profile default]\nc = 3\n",
                                     kind: .config)
        XCTAssertTrue(try config.removeProfile("default"))
        XCTAssertEqual(config.text, "[profile x]\nb = 2\n")
    }

    /// Found by the ini fuzzer: removing a profile whose sections are adjacent at the end of the file. Deleting the
    /// last section first also drops the blank lines before it, which the index still counted as the end of the
    /// section before; reading that section's properties then ran past the end of the line table.
    func testRemoveProfileWithAdjacentSectionsAtTheEndOfTheFile() throws {
        for text in ["[a]\nk = 1\n\n[dev]\nrole_arn = x\n\n[dev]\nk =\n", "[dev]\na = 1\n\n\n[dev]\nb = 2\n\n",
                     "[dev]\n\n[dev]\n"] {
            var document = try ProfileFile(parsing: Array(text.utf8), kind: .credentials)
            XCTAssertTrue(try document.removeProfile("dev"), text)
            XCTAssertFalse(document.containsProfile("dev"), text)
            XCTAssertNoThrow(try ProfileFile(parsing: document.bytes, kind: .credentials), text)
        }
    }

    func testRenameRewritesOnlyHeaders() throws {
        var document = try ProfileFile(parsing: "[old] # keep me\na = 1\n[other]\n[old]\nb = 2\n", kind: .credentials)
        try document.renameProfile("old", to: "new")
        XCTAssertEqual(document.text, "[new] # keep me\na = 1\n[other]\n[new]\nb = 2\n")
        XCTAssertThrowsError(try document.renameProfile("missing", to: "x")) {
            XCTAssertEqual(($0 as? SharedFileError)?.code, .profileNotFound)
        }
        XCTAssertThrowsError(try document.renameProfile("new", to: "other")) {
            XCTAssertEqual(($0 as? SharedFileError)?.code, .profileExists)
        }

        var config = try ProfileFile(parsing: "[default]\nregion = x\n", kind: .config)
        try config.renameProfile("default", to: "dev")
        XCTAssertEqual(config.text, "[profile dev]\nregion = x\n")
        try config.renameProfile("dev", to: "default")
        XCTAssertEqual(config.text, "[default]\nregion = x\n")
    }

    /// Renaming `default` in a config file renames a bare `[default]` shadowed by `[profile default]` too: left
    /// behind, it would become profile `default` again.
    func testRenameDefaultRenamesAShadowedBareDefaultToo() throws {
        var config = try ProfileFile(parsing: "[default]\nregion = hidden\n\n[profile default]\nregion = live\n",
                                     kind: .config)
        try config.renameProfile("default", to: "work")
        XCTAssertFalse(config.containsProfile("default"))
        XCTAssertEqual(config.profile("work")?.dictionary, ["region": .string("live")])
        XCTAssertEqual(config.text, "[profile work]\nregion = hidden\n\n[profile work]\nregion = live\n")

        // When the shadowed section holds keys the live one does not, renaming would merge them into the new
        // profile: refused, with the file unchanged.
        let text = "[default]\nrole_arn = hidden\n[profile default]\nregion = live\n"
        var shadowing = try ProfileFile(parsing: text, kind: .config, path: "/tmp/x/config")
        XCTAssertThrowsError(try shadowing.renameProfile("default", to: "work")) {
            let error = $0 as? SharedFileError
            XCTAssertEqual(error?.code, .invalidArgument)
            XCTAssertTrue(error?.message.contains("[default]") ?? false, "\(String(describing: error))")
        }
        XCTAssertEqual(shadowing.text, text)
    }

    /// Removing the last sub-property of the `key =` block the SDKs read removes the key's earlier definitions too,
    /// which would otherwise become its value again.
    func testRemovingTheLastSubPropertyDoesNotResurrectAnEarlierDefinition() throws {
        for text in ["[profile p]\ns3 = plain\ns3 =\n  x = 1\n",
                     "[profile p]\ns3 =\n  y = 2\n[profile p]\ns3 =\n  x = 1\n"] {
            var config = try ProfileFile(parsing: text, kind: .config)
            XCTAssertTrue(try config.removeSubValue(forKey: "s3", subKey: "x", inProfile: "p"), text)
            XCTAssertNil(config.value(forKey: "s3", inProfile: "p"), config.text)
            XCTAssertFalse(config.text.contains("s3"), config.text)
        }
        // With other sub-properties left, the block and the earlier definitions stay.
        var config = try ProfileFile(parsing: "[profile p]\ns3 = plain\ns3 =\n  x = 1\n  y = 2\n", kind: .config)
        XCTAssertTrue(try config.removeSubValue(forKey: "s3", subKey: "x", inProfile: "p"))
        XCTAssertEqual(config.text, "[profile p]\ns3 = plain\ns3 =\n  y = 2\n")
        XCTAssertFalse(try config.removeSubValue(forKey: "s3", subKey: "x", inProfile: "p"))
    }

    func testSubProperties() throws {
        var config = try ProfileFile(parsing: "[default]\ns3 =\n    addressing_style = path\nregion = x\n",
                                     kind: .config)
        try config.setSubValue("s3v4", forKey: "s3", subKey: "signature_version", inProfile: "default")
        XCTAssertEqual(config.text,
                       "[default]\ns3 =\n    addressing_style = path\n    signature_version = s3v4\nregion = x\n")
        try config.setSubValue("virtual", forKey: "s3", subKey: "addressing_style", inProfile: "default")
        XCTAssertEqual(config.value(forKey: "s3", inProfile: "default")?.subProperties?.dictionary,
                       ["addressing_style": "virtual", "signature_version": "s3v4"])
        XCTAssertTrue(try config.removeSubValue(forKey: "s3", subKey: "addressing_style", inProfile: "default"))
        XCTAssertTrue(try config.removeSubValue(forKey: "s3", subKey: "signature_version", inProfile: "default"))
        XCTAssertEqual(config.text, "[default]\nregion = x\n", "the empty block goes with its last sub-property")

        try config.setSubValue("v4", forKey: "region", subKey: "nested", inProfile: "default")
        XCTAssertEqual(config.text, "[default]\nregion =\n  nested = v4\n", "a plain value becomes a block")
        try config.setSubValue("1", forKey: "cloudwatch", subKey: "a", inProfile: "new")
        XCTAssertTrue(config.text.hasSuffix("\n[profile new]\ncloudwatch =\n  a = 1\n"), config.text)
    }

    /// Queries and edits split a sub-property line the same way the parser does (spaces and tabs before '=' are not
    /// part of the key): an edit finds the line a query reads.
    func testSubPropertyKeysAreSplitAlikeByQueriesAndEdits() throws {
        var config = try ProfileFile(parsing: "[profile p]\ns3 =\n  a\t = 1\n  b=2\n", kind: .config)
        XCTAssertEqual(config.value(forKey: "s3", inProfile: "p")?.subProperties?.dictionary, ["a": "1", "b": "2"])
        try config.setSubValue("3", forKey: "s3", subKey: "a", inProfile: "p")
        XCTAssertEqual(config.text, "[profile p]\ns3 =\n  a = 3\n  b=2\n")
        XCTAssertTrue(try config.removeSubValue(forKey: "s3", subKey: "b", inProfile: "p"))
        XCTAssertEqual(config.text, "[profile p]\ns3 =\n  a = 3\n")
    }

    func testCorruptingInputsAreRefusedAndChangeNothing() throws {
        var document = try ProfileFile(parsing: credentials, kind: .credentials)
        let before = document.bytes
        let badNames = ["", "a b", "a]b", "a\nb", "[x", "a=b", "ü", "DEFAULT"]
        for name in badNames {
            XCTAssertThrowsError(try document.setValue("v", forKey: "k", inProfile: name), name.debugDescription) {
                XCTAssertEqual(($0 as? SharedFileError)?.code, .invalidArgument)
            }
            XCTAssertThrowsError(try document.addProfile(name))
            XCTAssertThrowsError(try document.renameProfile("prod", to: name))
        }
        for key in ["", "a b", "a=b", "a\nb", "a]", "a:b", "#k", "k;"] {
            XCTAssertThrowsError(try document.setValue("v", forKey: key, inProfile: "prod"), key.debugDescription) {
                XCTAssertEqual(($0 as? SharedFileError)?.code, .invalidArgument)
            }
            XCTAssertThrowsError(try document.setSubValue("v", forKey: "s3", subKey: key, inProfile: "prod"))
        }
        let badValues = [secretKey + "\n[evil]", " " + secretKey, secretKey + " ", secretKey + " #x", "#" + secretKey,
                         secretKey + "\r", secretKey + "\u{2028}", "a\tb;c \t;"]
        for value in badValues {
            XCTAssertThrowsError(try document.setValue(value, forKey: "aws_secret_access_key", inProfile: "prod")) {
                let error = $0 as? SharedFileError
                XCTAssertEqual(error?.code, .invalidArgument)
                XCTAssertFalse("\(error!)".contains(secretKey), "an error message must not quote the value")
            }
        }
        XCTAssertEqual(document.bytes, before)
        // Values the SDKs read back whole are accepted, including '=', '#' inside a word, and Unicode.
        for value in ["a=b", "a#b;c", "\u{1F600} ok", "", "x y"] {
            try document.setValue(value, forKey: "k", inProfile: "prod")
            XCTAssertEqual(document.value(forKey: "k", inProfile: "prod"), .string(value))
        }
    }

    func testParseErrorsNameFileAndLineButNotTheContent() throws {
        let cases: [(String, Int)] = [
            ("[profile foo]\n\(secretKey)\n", 2),
            ("[default]\nx = 1\n[prod\n", 3),
            ("aws_secret_access_key = \(secretKey)\n", 1),
            ("[default]\n= \(secretKey)\n", 2),
            ("[default]\n\n  continued\n", 3),
            ("[default]\ns3 =\n  \(secretKey)\n", 3),
        ]
        for (text, line) in cases {
            XCTAssertThrowsError(try ProfileFile(parsing: text, kind: .config, path: "/tmp/x/config")) { error in
                let error = error as? SharedFileError
                XCTAssertEqual(error?.code, .malformedFile)
                XCTAssertEqual(error?.line, line, text)
                XCTAssertTrue(error?.message.contains("/tmp/x/config, line \(line)") ?? false,
                              "\(String(describing: error))")
                XCTAssertFalse("\(error!)".contains(secretKey))
            }
        }
        XCTAssertThrowsError(try ProfileFile(parsing: [0x5B, 0x61, 0x5D, 0x0A, 0x6B, 0x3D, 0xFF], kind: .credentials)) {
            XCTAssertEqual(($0 as? SharedFileError)?.line, 2)
        }
    }

    func testMergedViewCredentialsWinAndProvenance() throws {
        let config = try ProfileFile(parsing: "[profile dev]\nregion = eu\naws_access_key_id = OLD\n[profile only]\n"
                                     + "[sso-session corp]\nsso_region = us-east-1\n", kind: .config, path: "/c")
        let credentials = try ProfileFile(parsing: "[dev]\naws_access_key_id = \(accessKey)\n", kind: .credentials,
                                          path: "/k")
        let merged = SharedProfiles(credentials: credentials, config: config)
        XCTAssertEqual(merged.profileNames, ["dev", "only"])
        let dev = try XCTUnwrap(merged.profile("dev"))
        XCTAssertEqual(dev.string("aws_access_key_id"), accessKey)
        XCTAssertEqual(dev.string("region"), "eu")
        XCTAssertEqual(dev.sources,
                       [ProfileSource(kind: .credentials, path: "/k"), ProfileSource(kind: .config, path: "/c")])
        XCTAssertEqual(merged.profile("only")?.sources, [ProfileSource(kind: .config, path: "/c")])
        XCTAssertNil(merged.profile("corp"))
        XCTAssertEqual(merged.ssoSessions.map(\.name), ["corp"])
    }
}
