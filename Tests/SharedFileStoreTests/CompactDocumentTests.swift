import XCTest
@testable import SharedFileStore

/// The compact document representation (issue 8: peak memory and edit time of a 100,000-profile file): 16-byte line
/// and section records with 32-bit offsets and the limit that comes with them, the value-skipping property
/// classifier, the journaled undo of edits and the change detection that avoids building the output.
final class CompactDocumentTests: XCTestCase {
    private let text = """
        # top
        [default]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        s3 =
          max_concurrent_requests = 10
          signature_version = s3v4

        [dev]
        region = eu-west-1 ; comment
          continued
        output = json
        # trailing
        """

    func testLineAndSectionRecordsAre16Bytes() {
        XCTAssertEqual(MemoryLayout<Line>.stride, 16)
        XCTAssertEqual(MemoryLayout<SectionRecord>.stride, 16)
    }

    func testPropertyFlagsAgreeWithTheFullPropertyParse() throws {
        let keys = ["k", "aws_access_key_id", "bad key", " k", "k ", "\tk", "", "k#x", "k #x", "k;x", "#k", "k\r"]
        let separators = ["=", " =", "= ", " = ", "\t=\t", "==", " ", ""]
        let values = ["", "v", "v ", " v", "#c", " #c", "\t;c", "v #c", "v;c", "a=b", "   ", "v\r", "\r", "=", " = #"]
        var checked = 0
        for key in keys {
            for separator in separators {
                for value in values {
                    let line = Array((key + separator + value).utf8)
                    guard !line.isEmpty else { continue }
                    line.withUnsafeBufferPointer { buffer in
                        let full = Result { try LineClassifier.parseProperty(buffer, start: 0, end: buffer.count,
                                                                             lineNumber: 7) }
                        let fast = Result { try LineClassifier.propertyFlags(buffer, start: 0, end: buffer.count,
                                                                             lineNumber: 7) }
                        let described = String(decoding: line, as: UTF8.self).debugDescription
                        switch (full, fast) {
                        case (.success(let parsed), .success(let flags)):
                            XCTAssertEqual(parsed.keyIsValid, flags.keyIsValid, described)
                            XCTAssertEqual(parsed.hasEmptyValue, flags.hasEmptyValue, described)
                        case (.failure(let parseError as SyntaxProblem), .failure(let flagsError as SyntaxProblem)):
                            XCTAssertEqual(parseError.message, flagsError.message, described)
                            XCTAssertEqual(flagsError.line, 7, described)
                        default:
                            XCTFail("parseProperty and propertyFlags disagree on \(described)")
                        }
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    func testARefusedEditOfEveryKindOfLineChangeIsUndone() throws {
        for unterminated in [false, true] {
            let input = unterminated ? text : text + "\n"
            var document = try ProfileFile(parsing: input, kind: .credentials)
            let before = (profile: document.profile("default"), dev: document.profile("dev"),
                          arena: document.arena.count, headers: document.headers.count)
            let devSpan = document.span(ofSection: 1)
            XCTAssertThrowsError(try document.performEdit({ file in
                file.replaceLine(2, with: Array("aws_access_key_id = AKIAI44QH8DHBEXAMPLE".utf8))
                file.insertLine(Array("region = us-east-1".utf8), after: file.lines.count - 1)
                file.appendSectionHeader("new")
                file.deleteLines([4, 5])
                file.deleteSection(devSpan)
            }, check: { _ in false })) { error in
                XCTAssertEqual((error as? SharedFileError)?.code, .invalidArgument)
            }
            XCTAssertEqual(document.text, input)
            XCTAssertTrue(document.isUnchangedFromInput)
            XCTAssertEqual(document.profileNames, ["default", "dev"])
            XCTAssertEqual(document.profile("default"), before.profile)
            XCTAssertEqual(document.profile("dev"), before.dev)
            XCTAssertEqual(document.arena.count, before.arena)
            XCTAssertEqual(document.headers.count, before.headers)
            XCTAssertNil(document.journal)

            // The document is still fully usable: a real edit after the undone one.
            try document.setValue("us-west-2", forKey: "region", inProfile: "dev")
            try document.removeSubValue(forKey: "s3", subKey: "signature_version", inProfile: "default")
            let reparsed = try ProfileFile(parsing: document.bytes, kind: .credentials)
            XCTAssertEqual(reparsed.value(forKey: "region", inProfile: "dev"), .string("us-west-2"))
            XCTAssertEqual(reparsed.profile("default")?["s3"]?.subProperties?.keys, ["max_concurrent_requests"])
        }
    }

    func testAFileOverTheLimitIsRefusedWithFileTooLarge() throws {
        let bytes = Array(text.utf8)
        XCTAssertThrowsError(try ProfileFile(parsing: bytes, kind: .credentials, path: "/tmp/huge",
                                             byteLimit: bytes.count - 1)) { error in
            let error = error as? SharedFileError
            XCTAssertEqual(error?.code, .fileTooLarge)
            XCTAssertEqual(error?.path, "/tmp/huge")
            XCTAssertTrue(error?.message.hasPrefix("/tmp/huge is too large") ?? false, error?.message ?? "")
            XCTAssertTrue(error?.hint.contains("Split /tmp/huge") ?? false)
        }
        XCTAssertNoThrow(try ProfileFile(parsing: bytes, kind: .credentials, path: nil, byteLimit: bytes.count))
        XCTAssertEqual(ProfileFile.maximumByteCount, Int(UInt32.max))
    }

    func testAnEditThatWouldGrowTheDocumentPastTheLimitIsUndone() throws {
        let bytes = Array(text.utf8)
        var document = try ProfileFile(parsing: bytes, kind: .credentials, path: "/tmp/almost", byteLimit:
                                       bytes.count + 30)
        // The 19 bytes of the first edit's line fit; the lines the second edit needs do not.
        try document.setValue("us-east-1", forKey: "region", inProfile: "default")
        let edited = document.bytes
        XCTAssertThrowsError(try document.setSubValue("1", forKey: "s3", subKey: "multipart_chunksize",
                                                      inProfile: "new")) { error in
            XCTAssertEqual((error as? SharedFileError)?.code, .fileTooLarge)
        }
        XCTAssertEqual(document.bytes, edited)
        XCTAssertFalse(document.containsProfile("new"))
        XCTAssertEqual(document.value(forKey: "region", inProfile: "default"), .string("us-east-1"))
        XCTAssertFalse(document.arenaIsFull)
    }

    func testChangeDetectionWithoutBuildingTheOutput() throws {
        var document = try ProfileFile(parsing: text, kind: .credentials)
        XCTAssertTrue(document.isUnchangedFromInput)
        // Rewriting a line with its own text is no change, although the line now lives after the input.
        try document.setValue("json", forKey: "output", inProfile: "dev")
        XCTAssertTrue(document.isUnchangedFromInput)
        XCTAssertGreaterThan(document.arena.count, document.inputCount)
        try document.setValue("yaml", forKey: "output", inProfile: "dev")
        XCTAssertFalse(document.isUnchangedFromInput)
        XCTAssertEqual(document.arenaRuns.count, 3)  // before the line, the rewritten line, after it
        try document.setValue("json", forKey: "output", inProfile: "dev")
        XCTAssertTrue(document.isUnchangedFromInput)
        XCTAssertTrue(try document.removeValue(forKey: "output", inProfile: "dev"))
        XCTAssertFalse(document.isUnchangedFromInput)

        // Against the reference (build the bytes and compare) over many random edits.
        var random = PropertySharedFileTests.SeededGenerator(state: 8)
        let names = ["default", "dev", "new"]
        let keys = ["region", "output", "aws_access_key_id"]
        let values = ["json", "eu-west-1", "AKIAIOSFODNN7EXAMPLE", "us-east-1"]
        for round in 0..<300 {
            var document = try ProfileFile(parsing: text, kind: .credentials)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let name = names.randomElement(using: &random)!
                let key = keys.randomElement(using: &random)!
                switch Int.random(in: 0..<4, using: &random) {
                case 0: _ = try document.removeValue(forKey: key, inProfile: name)
                case 1: _ = try document.removeProfile(name)
                default: try document.setValue(values.randomElement(using: &random)!, forKey: key, inProfile: name)
                }
            }
            XCTAssertEqual(document.isUnchangedFromInput, document.bytes == Array(text.utf8), "round \(round)")
            // The runs written to disk are the lines, in order.
            let lineByLine = document.lines.flatMap { document.arena[$0.start..<$0.end] }
            XCTAssertEqual(document.arenaRuns.flatMap { document.arena[$0] }, lineByLine, "round \(round)")
        }
    }
}
