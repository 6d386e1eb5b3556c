import Foundation
import XCTest
@testable import SharedFileStore

/// Property tests over randomly generated profile files (deterministic seed, so a failure reproduces):
/// parse → serialise is the identity, and every file the editor produces re-parses to the intended profiles.
final class PropertySharedFileTests: XCTestCase {
    /// SplitMix64: small, fast and the same on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static let names = ["default", "prod", "dev-1", "a.b", "x/y", "team@corp", "p%1", "bad name", "ünï", ""]
    private static let keys = ["aws_access_key_id", "region", "Region", "s3", "output", "role_arn", "k-1", "bad key"]
    private static let values = ["AKIAIOSFODNN7EXAMPLE", "eu-west-1", "a=b", "v;c", "v ; comment", "#x", "", "välüe",
                                 "arn:aws:iam::123456789012:role/r"]

    /// One random line of a profile file (may be invalid on purpose: the parser must refuse it cleanly).
    private static func line(_ random: inout SeededGenerator, kind: ProfileFileKind) -> String {
        let name = names.randomElement(using: &random)!
        switch Int.random(in: 0..<20, using: &random) {
        case 0...3:
            let prefix = kind == .config && name != "default" ? ["profile ", "profile\t", "sso-session ", ""]
                .randomElement(using: &random)! : ""
            return ["[", "[ ", "["].randomElement(using: &random)! + prefix + name
                + ["]", " ]", "] # c", "];c", ""].randomElement(using: &random)!
        case 4...10:
            return keys.randomElement(using: &random)! + [" = ", "=", " =", "= "].randomElement(using: &random)!
                + values.randomElement(using: &random)!
        case 11, 12: return ["  ", "\t"].randomElement(using: &random)! + ["continued", "sub = 1", "x=y"]
            .randomElement(using: &random)!
        case 13, 14: return ["# comment", "; comment", ";", "#"].randomElement(using: &random)!
        case 15, 16: return ["", "   ", "\t"].randomElement(using: &random)!
        case 17: return "no equals sign"
        case 18: return " = empty key"
        default: return String(repeating: "x", count: Int.random(in: 1...40, using: &random)) + " = y"
        }
    }

    private static func file(_ random: inout SeededGenerator, kind: ProfileFileKind) -> String {
        let ending = Bool.random(using: &random) ? "\n" : "\r\n"
        var text = Bool.random(using: &random) ? "[default]" + ending : ""
        for _ in 0..<Int.random(in: 0...25, using: &random) { text += line(&random, kind: kind) + ending }
        if Int.random(in: 0..<5, using: &random) == 0, !text.isEmpty { text.removeLast(ending.count) }
        return text
    }

    func testParseThenSerialiseIsTheIdentity() throws {
        var random = SeededGenerator(state: 0xC2ED_5703)
        var parsed = 0
        for iteration in 0..<3_000 {
            let kind: ProfileFileKind = iteration % 2 == 0 ? .credentials : .config
            let text = Self.file(&random, kind: kind)
            guard let document = try? ProfileFile(parsing: text, kind: kind) else { continue }
            parsed += 1
            XCTAssertEqual(document.text, text, "iteration \(iteration)")
            XCTAssertEqual(document.bytes, Array(text.utf8), "iteration \(iteration)")
        }
        XCTAssertGreaterThan(parsed, 500, "the generator must produce plenty of valid files")
    }

    func testEveryEditedFileReparsesToTheIntendedProfiles() throws {
        var random = SeededGenerator(state: 0x5EED_0007)
        var edits = 0
        for iteration in 0..<1_500 {
            let kind: ProfileFileKind = iteration % 2 == 0 ? .credentials : .config
            guard var document = try? ProfileFile(parsing: Self.file(&random, kind: kind), kind: kind) else { continue }
            for _ in 0..<5 {
                let before = document
                let name = Self.names.randomElement(using: &random)!
                let key = Self.keys.randomElement(using: &random)!.lowercased()
                let value = Self.values.randomElement(using: &random)!
                let operation = Int.random(in: 0..<4, using: &random)
                do {
                    switch operation {
                    case 0: try document.setValue(value, forKey: key, inProfile: name)
                    case 1: _ = try document.removeValue(forKey: key, inProfile: name)
                    case 2: _ = try document.addProfile(name)
                    default: _ = try document.removeProfile(name)
                    }
                } catch is SharedFileError {
                    XCTAssertEqual(document.bytes, before.bytes, "a refused edit changes nothing")
                    continue
                }
                edits += 1
                let context = "iteration \(iteration), operation \(operation) on [\(name)] \(key): \(document.text)"
                let reparsed: ProfileFile
                do {
                    reparsed = try ProfileFile(parsing: document.bytes, kind: kind)
                } catch {
                    XCTFail("the editor produced a file that does not parse (\(error)): \(context)")
                    break
                }
                switch operation {
                case 0: XCTAssertEqual(reparsed.value(forKey: key, inProfile: name), .string(value), context)
                case 1: XCTAssertNil(reparsed.value(forKey: key, inProfile: name), context)
                case 2: XCTAssertTrue(reparsed.containsProfile(name), context)
                default: XCTAssertFalse(reparsed.containsProfile(name), context)
                }
                for other in before.profileNames where other != name {
                    XCTAssertEqual(reparsed.profile(other), before.profile(other), "[\(other)] changed: \(context)")
                }
                XCTAssertEqual(reparsed.bytes, document.bytes, context)
            }
        }
        XCTAssertGreaterThan(edits, 1_000)
    }
}
