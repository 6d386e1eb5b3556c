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
        for _ in 0..<Int.random(in: 0...25, using: &random) {
            // Now and then a sub-property block with comment lines inside it, which every edit must keep.
            if Int.random(in: 0..<12, using: &random) == 0 {
                text += ["s3 =", "  a = 1", "# keep me", "  b = 2", "; and me", "  c = 3"].joined(separator: ending)
                    + ending
            }
            text += line(&random, kind: kind) + ending
        }
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
        for iteration in 0..<2_000 {
            let kind: ProfileFileKind = iteration % 2 == 0 ? .credentials : .config
            guard var document = try? ProfileFile(parsing: Self.file(&random, kind: kind), kind: kind) else { continue }
            for _ in 0..<5 {
                let before = document
                // Half the edits go to a profile the file has, a quarter to `s3`, so the sub-property blocks (and
                // the comments inside them) are edited often.
                let existing = Bool.random(using: &random) ? before.profileNames.randomElement(using: &random) : nil
                let name = existing ?? Self.names.randomElement(using: &random)!
                let key = Int.random(in: 0..<4, using: &random) == 0 ? "s3"
                    : Self.keys.randomElement(using: &random)!.lowercased()
                let value = Self.values.randomElement(using: &random)!
                let subKey = ["a", "b", "c", "d"].randomElement(using: &random)!
                let operation = Int.random(in: 0..<6, using: &random)
                do {
                    switch operation {
                    case 0: try document.setValue(value, forKey: key, inProfile: name)
                    case 1: _ = try document.removeValue(forKey: key, inProfile: name)
                    case 2: _ = try document.addProfile(name)
                    case 3: _ = try document.removeProfile(name)
                    case 4: try document.setSubValue(value, forKey: key, subKey: subKey, inProfile: name)
                    default: _ = try document.removeSubValue(forKey: key, subKey: subKey, inProfile: name)
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
                case 3: XCTAssertFalse(reparsed.containsProfile(name), context)
                case 4: XCTAssertEqual(reparsed.value(forKey: key, inProfile: name)?.subProperties?[subKey], value,
                                       context)
                default: XCTAssertNil(reparsed.value(forKey: key, inProfile: name)?.subProperties?[subKey], context)
                }
                Self.checkOnlyTheEditedLinesChanged(before: before, after: document, profile: name,
                                                    removesProfile: operation == 3, context)
                for other in before.profileNames where other != name {
                    XCTAssertEqual(reparsed.profile(other), before.profile(other), "[\(other)] changed: \(context)")
                }
                XCTAssertEqual(reparsed.bytes, document.bytes, context)
            }
        }
        XCTAssertGreaterThan(edits, 1_000)
    }

    /// One line of a document: its bytes (line end included), its kind, and the profile whose section holds it (nil
    /// before the first header and under a header that is not a profile's).
    private typealias ClassifiedLine = (bytes: [UInt8], kind: LineKind, profile: String?)

    /// Whether `old` reads as `new` after the edit: the same bytes, or a last line that had no line end and got one
    /// (an edit after it needs one).
    private static func same(_ old: ClassifiedLine, _ new: ClassifiedLine) -> Bool {
        old.bytes == new.bytes || (old.bytes.last != ASCII.newline && new.bytes.starts(with: old.bytes)
                                   && [[ASCII.newline], [ASCII.carriageReturn, ASCII.newline]]
                                   .contains(Array(new.bytes.dropFirst(old.bytes.count))))
    }

    private static func classifiedLines(_ document: ProfileFile) -> [ClassifiedLine] {
        var profile: String?
        return document.lines.map { line in
            if case .header(let header) = line.kind {
                let header = document.headers[Int(header)]
                profile = header.type == .profile ? header.name : nil
            }
            return (Array(document.arena[line.start..<line.end]), line.kind, profile)
        }
    }

    /// Compares whole lines, bytes and all (comments, blank lines, spacing, line ends), not parsed values: a line
    /// diff (longest common subsequence) of the file before and after an edit of profile `profile` may only remove
    /// that profile's property and continuation lines (its comments and headers too when the edit removes the
    /// profile), and may only add lines to that profile's sections, or blank lines.
    private static func checkOnlyTheEditedLinesChanged(
        before: ProfileFile, after: ProfileFile, profile: String, removesProfile: Bool, _ context: String
    ) {
        let old = classifiedLines(before)
        let new = classifiedLines(after)
        // common[i][j]: the length of the longest common subsequence of old[i...] and new[j...].
        var common = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                common[i][j] = same(old[i], new[j]) ? common[i + 1][j + 1] + 1
                    : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var removed: [ClassifiedLine] = []
        var added: [ClassifiedLine] = []
        var (i, j) = (0, 0)
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, same(old[i], new[j]) {
                i += 1
                j += 1
            } else if j == new.count || (i < old.count && common[i + 1][j] >= common[i][j + 1]) {
                removed.append(old[i])
                i += 1
            } else {
                added.append(new[j])
                j += 1
            }
        }
        for line in removed {
            let text = String(decoding: line.bytes, as: UTF8.self)
            var allowed: Bool
            switch line.kind {
            case .property, .continuation: allowed = line.profile == profile
            case .blank: allowed = removesProfile
            case .comment, .header: allowed = removesProfile && line.profile == profile
            }
            XCTAssertTrue(allowed, "the edit removed the line \(text.debugDescription): \(context)")
        }
        for line in added {
            let text = String(decoding: line.bytes, as: UTF8.self)
            var allowed = line.profile == profile && !removesProfile
            if case .blank = line.kind { allowed = true }
            if case .comment = line.kind { allowed = false }
            XCTAssertTrue(allowed, "the edit added the line \(text.debugDescription): \(context)")
        }
    }
}
