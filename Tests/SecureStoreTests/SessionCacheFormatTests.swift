import Foundation
import TestSupport
import XCTest
@testable import SecureStore

/// FORMAT.md's *Session cache* section is complete and in step with the code: its worked example is rebuilt byte for
/// byte and opened by the Swift code and by `Scripts/reference-decrypt.py` (written from FORMAT.md), and the reference
/// reads caches the Swift code wrote and rejects damaged ones.
final class SessionCacheFormatTests: XCTestCase {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The text between `<!-- NAME: begin -->` and `<!-- NAME: end -->` in FORMAT.md, hex digits only.
    private func formatHex(_ name: String) throws -> [UInt8] {
        let document = try String(contentsOf: packageRoot.appendingPathComponent("FORMAT.md"), encoding: .utf8)
        let begin = try XCTUnwrap(document.range(of: "<!-- \(name): begin -->"), name)
        let end = try XCTUnwrap(document.range(of: "<!-- \(name): end -->"), name)
        return Fixtures.hex(String(document[begin.upperBound..<end.lowerBound].filter { $0.isHexDigit }))
    }

    /// The worked example's one session (FORMAT.md, *Session cache*).
    static let exampleSession = CachedSession(
        kind: .roleSession, profile: "admin", accessKeyID: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        sessionToken: SecretBytes(utf8: "AQoDYXdzEXAMPLETOKEN"),
        expiration: Date(timeIntervalSince1970: 1_764_936_000), created: Date(timeIntervalSince1970: 1_764_932_400),
        sourceProfile: "default", roleARN: "arn:aws:iam::123456789012:role/admin",
        roleSessionName: "credstore-example", sourceIdentity: "AKIAIOSFODNN7EXAMPLE")

    func testFormatDocumentSessionExampleIsRebuiltAndOpens() throws {
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        try Fixtures.write(try formatHex("worked-example-store"), to: storePath)
        let store = try EncryptedStore.open(at: storePath, with: .keyFile(SecretBytes(Array(0..<32) as [UInt8])))
        let rebuilt = try SessionCacheFormat.encode(
            [Self.exampleSession], storeID: store.storeIdentifier, dataKey: store.agentDataKey(),
            salt: Array(0x20..<0x40), nonce: Array(0x40..<0x4c))
        let documented = try formatHex("worked-example-sessions")
        XCTAssertEqual(documented, rebuilt, "FORMAT.md's example differs; rebuilt:\n"
                       + rebuilt.map { String(format: "%02x", $0) }.joined())
        try Fixtures.write(documented, to: storePath + ".sessions")
        XCTAssertEqual(try SessionCache(store: store, now: { Date(timeIntervalSince1970: 1_764_932_400) }).sessions(),
                       [Self.exampleSession])
        try ReferenceDecryptor.requirePython()
        let keyPath = directory.file("key")
        try Fixtures.write(Array(0..<32), to: keyPath)
        let reference = try ReferenceDecryptor.run(["--store", storePath, "--key-file", keyPath,
                                                    "--sessions", storePath + ".sessions"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        try assertMatches(reference.stdout, [Self.exampleSession])
    }

    /// The fuzz seeds (written with Python's `cryptography` from FORMAT.md, under the harness's key of 32 × 0x42) are
    /// a valid cache and a valid plaintext, so the fuzzer's mutations start inside both decoders.
    func testTheFuzzSeedsAreAValidCacheAndPlaintext() throws {
        let corpus = packageRoot.appendingPathComponent("Tests/Fuzz/Corpus/store")
        let file = try Fixtures.bytes(corpus.appendingPathComponent("session-cache-two-sessions").path)
        let sessions = try SessionCacheFormat.decode(file, storeID: Array(0..<16),
                                                     dataKey: SecretBytes(Array(repeating: 0x42, count: 32)))
        XCTAssertEqual(sessions.map(\.kind), [.roleSession, .mfaSession])
        XCTAssertEqual(sessions.first?.externalID, "ext")
        let plaintext = try Fixtures.bytes(corpus.appendingPathComponent("session-cache-plaintext").path)
        XCTAssertEqual(SessionCacheFormat.decodePlaintext(SecretBytes(plaintext)), sessions)
    }

    func testTheReferenceReadsWhatSwiftWroteAndRejectsDamage() throws {
        try ReferenceDecryptor.requirePython()
        let directory = try TemporaryDirectory()
        let storePath = directory.file("store")
        let keyPath = directory.file("store.key")
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(try KeyFile.generate(at: keyPath))],
                                              policy: Fixtures.cheap)
        let start = Date(timeIntervalSince1970: 1_800_000_000.125)
        var sessions: [CachedSession] = []
        for index in 0..<12 {
            let kind = CachedSession.Kind.allCases[index % 3]
            sessions.append(CachedSession(
                kind: kind, profile: "profile-\(index)/ü", accessKeyID: "ASIA\(index)EXAMPLE",
                secretAccessKey: SecretBytes(utf8: "secret \(index) EXAMPLEKEY"),
                sessionToken: SecretBytes(utf8: "token-\(index)-EXAMPLE"),
                expiration: start.addingTimeInterval(3600 + Double(index)), created: start,
                sourceProfile: index % 2 == 0 ? "source" : nil,
                roleARN: kind == .roleSession ? "arn:aws:iam::123456789012:role/r\(index)" : nil,
                roleSessionName: kind == .roleSession ? "s\(index)" : nil,
                externalID: index == 3 ? "ext \u{00e9}" : nil,
                mfaSerial: kind != .plainSession ? "arn:aws:iam::123456789012:mfa/u\(index)" : nil,
                sourceIdentity: "AKIAIOSFODNN7EXAMPLE",
                assumedRoleARN: kind == .roleSession ? "arn:aws:sts::123456789012:assumed-role/r/s\(index)" : nil))
        }
        let cache = SessionCache(store: store, now: { start })
        for session in sessions { try cache.store(session) }
        let cachePath = storePath + ".sessions"
        let result = try ReferenceDecryptor.run(["--store", storePath, "--key-file", keyPath, "--minimum-log-n", "10",
                                                 "--sessions", cachePath])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertMatches(result.stdout, sessions)
        // Damage anywhere (checksum fixed up) is refused by the reference as by Swift.
        let good = try Fixtures.bytes(cachePath)
        for index in [12, 30, 70, 80, good.count - 40] {
            var bad = good
            bad[index] ^= 0x04
            bad.replaceSubrange(bad.count - 32..<bad.count, with: try SHA256Digest.hash(Array(bad.dropLast(32))))
            try Fixtures.write(bad, to: cachePath)
            let refused = try ReferenceDecryptor.run(["--store", storePath, "--key-file", keyPath,
                                                      "--minimum-log-n", "10", "--sessions", cachePath])
            XCTAssertEqual(refused.status, 1, "byte \(index)")
            XCTAssertTrue(refused.stderr.contains("session cache corrupt"), "byte \(index): \(refused.stderr)")
            XCTAssertEqual(Fixtures.code { _ = try cache.sessions() }, .sessionCacheCorrupt, "byte \(index)")
        }
    }

    /// The reference's JSON, compared field by field with the sessions Swift stored.
    private func assertMatches(_ output: Data, _ sessions: [CachedSession], file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let decoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        XCTAssertEqual(decoded.count, sessions.count, file: file, line: line)
        for (json, session) in zip(decoded, sessions) {
            XCTAssertEqual(json["kind"] as? String, session.kind.name, file: file, line: line)
            XCTAssertEqual(json["profile"] as? String, session.profile, file: file, line: line)
            XCTAssertEqual(json["access_key_id"] as? String, session.accessKeyID, file: file, line: line)
            XCTAssertTrue(json["secret_access_key"] as? String == session.secretAccessKey.unsafeUTF8String(),
                          file: file, line: line)
            XCTAssertTrue(json["session_token"] as? String == session.sessionToken.unsafeUTF8String(),
                          file: file, line: line)
            XCTAssertEqual((json["expiration_ms"] as? NSNumber)?.int64Value,
                           Int64((session.expiration.timeIntervalSince1970 * 1000).rounded()), file: file, line: line)
            XCTAssertEqual((json["created_ms"] as? NSNumber)?.int64Value,
                           Int64((session.created.timeIntervalSince1970 * 1000).rounded()), file: file, line: line)
            let optional: [(String, String?)] = [
                ("source_profile", session.sourceProfile), ("role_arn", session.roleARN),
                ("role_session_name", session.roleSessionName), ("external_id", session.externalID),
                ("mfa_serial", session.mfaSerial), ("source_identity", session.sourceIdentity),
                ("assumed_role_arn", session.assumedRoleARN),
            ]
            for (name, value) in optional {
                XCTAssertEqual(json[name] as? String, value, name, file: file, line: line)
            }
        }
    }
}
