import Foundation
import TestSupport
import XCTest
@testable import SecureStore
@testable import UnlockAgent

/// `credstore rekey` (issue 13 item 3): after it, the data key an old copy of the store yields with an old secret
/// (or that an unlock agent held) opens nothing saved since; every profile still reads; slots without a secret are
/// dropped only when asked; a rekey killed at any step of its write leaves the old store as it was.
final class RekeyCLITests: XCTestCase {
    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }
    private var oldPassphrase: String!
    private var newPassphrase: String!
    private var keyFile: String { home.path + "/keys/store.key" }

    override func setUpWithError() throws {
        home = try TemporaryHome()
        oldPassphrase = try home.write("an old passphrase that leaked\n", to: "secrets/old")
        newPassphrase = try home.write("a new passphrase\n", to: "secrets/new")
        chmod(oldPassphrase, 0o600)
        chmod(newPassphrase, 0o600)
    }

    override func tearDown() {
        if let state = try? AgentClient(environment: home.environment).status() { kill(state.processID, SIGTERM) }
        home = nil
    }

    @discardableResult
    private func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                     expect status: Int32? = 0) throws -> CLIResult {
        let result = try CLI.run(arguments, environment: home.environment.merging(extra) { $1 }, stdin: stdin)
        if let status { XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)") }
        XCTAssertFalse(result.stderr.contains(Self.secret), "no secret on stderr")
        return result
    }

    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    /// A store with a passphrase slot (the old passphrase) and a key-file slot, holding two profiles.
    private func makeStore() throws {
        try FileManager.default.createDirectory(atPath: home.path + "/keys", withIntermediateDirectories: true)
        try run(["init", "--passphrase-file", oldPassphrase, "--key-file", keyFile])
        for name in ["default", "work"] {
            try run(["set", "--profile", name, "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", keyFile],
                    stdin: Self.secret + "\n")
        }
    }

    private func secretOf(_ profile: String, _ unlock: [String]) throws -> String {
        let result = try run(["get", "--profile", profile, "--json", "--show-secret"] + unlock)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(object["SecretAccessKey"] as? String)
    }

    /// The data key a copy of the store yields with a secret: what whoever kept the copy and the secret holds.
    private func dataKey(ofCopy path: String, passphrase file: String) throws -> SecretBytes {
        var text = try String(contentsOfFile: file, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        return try EncryptedStore.open(at: path, with: .passphrase(SecretBytes(utf8: text))).agentDataKey()
    }

    private func opens(_ path: String, withDataKey key: SecretBytes) -> Bool {
        (try? EncryptedStore.open(at: path, agentDataKey: key)) != nil
    }

    func testHelpSaysWhenARekeyIsNeeded() throws {
        let rekey = try run(["rekey", "--help"])
        XCTAssertTrue(rekey.stdout.contains("OVERVIEW: ") && rekey.stdout.contains("--drop-unopened-slots"))
        for command in [["passwd"], ["keyslot", "remove"], ["keyslot"]] {
            let help = try run(command + ["--help"])
            // Help text is wrapped: compare with every run of whitespace as one space.
            let words = help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            XCTAssertTrue(words.contains("run 'credstore rekey'") || words.contains("Run 'credstore rekey'"),
                          "\(command): \(help.stdout)")
        }
    }

    func testRekeyCutsOffAPassphraseThatLeakedBeforePasswd() throws {
        try makeStore()
        let copy = home.path + "/stolen-copy"
        try FileManager.default.copyItem(atPath: storePath, toPath: copy)
        try run(["passwd", "--passphrase-file", oldPassphrase, "--new-passphrase-file", newPassphrase])
        let leaked = try dataKey(ofCopy: copy, passphrase: oldPassphrase)
        // passwd alone keeps the data key: the stolen copy plus the old passphrase still opens the current file.
        XCTAssertTrue(opens(storePath, withDataKey: leaked))
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))

        let result = try run(["rekey", "--key-file", keyFile, "--passphrase-file", newPassphrase])
        XCTAssertTrue(result.stdout.contains("2 profiles re-encrypted"), result.stdout)
        XCTAssertFalse(opens(storePath, withDataKey: leaked), "the leaked data key must not open the re-keyed store")
        XCTAssertThrowsError(try EncryptedStore.open(at: storePath, with: .passphrase(SecretBytes(utf8:
            "an old passphrase that leaked"))))
        // Every record changed (new key, new save salt), and every profile reads with both remaining slots.
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 2)
        for profile in ["default", "work"] {
            XCTAssertEqual(try secretOf(profile, ["--key-file", keyFile]), Self.secret)
            XCTAssertEqual(try secretOf(profile, ["--passphrase-file", newPassphrase]), Self.secret)
        }
        // A save after the re-key is not readable with the leaked key either.
        try run(["set", "--profile", "later", "--access-key", "AKIAIOSFODNN7EXAMPLE", "--key-file", keyFile],
                stdin: Self.secret + "\n")
        XCTAssertFalse(opens(storePath, withDataKey: leaked))
    }

    func testSlotsWithoutASecretAreDroppedOnlyWhenAsked() throws {
        try makeStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        // Only the key file is given and there is no terminal: the passphrase slot cannot be re-wrapped.
        let refused = try run(["rekey", "--key-file", keyFile], expect: 83)
        XCTAssertTrue(refused.stderr.contains("nothing was changed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--drop-unopened-slots"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)

        let leaked = try dataKey(ofCopy: storePath, passphrase: oldPassphrase)
        let dropped = try run(["rekey", "--key-file", keyFile, "--drop-unopened-slots"])
        XCTAssertTrue(dropped.stdout.contains("key slot 0 (passphrase) dropped"), dropped.stdout)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile])
        XCTAssertFalse(opens(storePath, withDataKey: leaked))
        XCTAssertEqual(try secretOf("work", ["--key-file", keyFile]), Self.secret)
        // The last slot is never dropped: a rekey with a wrong secret fails before anything is written.
        let other = home.path + "/keys/other.key"
        _ = try KeyFile.generate(at: other)
        let wrong = try run(["rekey", "--key-file", other, "--force"], expect: nil)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).count, 1)
        XCTAssertEqual(try secretOf("work", ["--key-file", keyFile]), Self.secret)
    }

    /// Runs credstore on a new pseudo-terminal (its controlling terminal) through python3's `pty`, answering each
    /// prompt in `dialogue` (the text awaited, the line to type) once it appears; returns the exit status and what the
    /// terminal showed.
    private func runOnTerminal(_ arguments: [String], _ dialogue: [(String, String)]) throws -> (Int32, String) {
        guard let python = CLI.which("python3") else {
            throw MissingPeer.error("the rekey terminal dialogue test", needs: "python3 (not found on PATH)",
                                    remedy: "install python3")
        }
        let driver = #"""
            import json, os, pty, sys, time
            argv, dialogue = json.loads(sys.argv[1]), json.loads(sys.argv[2])
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(argv[0], argv)
            seen, transcript, deadline = b"", b"", time.time() + 60
            def read_until(text):
                global seen, transcript
                while text.encode() not in seen:
                    if time.time() > deadline: raise SystemExit("timed out waiting for " + repr(text))
                    try: chunk = os.read(fd, 4096)
                    except OSError: chunk = b""
                    if not chunk: raise SystemExit("ended before " + repr(text) + ": " + seen.decode(errors="replace"))
                    seen += chunk
                    transcript += chunk
            for wait, answer in dialogue:
                read_until(wait)
                seen = seen[seen.index(wait.encode()) + len(wait):]
                time.sleep(0.2)  # the prompt flushes pending input (TCSAFLUSH) after printing: type after it
                os.write(fd, answer.encode() + b"\n")
            out = b""
            while True:
                try: chunk = os.read(fd, 4096)
                except OSError: break
                if not chunk: break
                out += chunk
            _, status = os.waitpid(pid, 0)
            sys.stdout.write((transcript + out).decode(errors="replace"))
            sys.exit(os.waitstatus_to_exitcode(status))
            """#
        let argv = try String(decoding: JSONSerialization.data(withJSONObject: [CLI.executable.path] + arguments),
                              as: UTF8.self)
        let lines = try String(decoding: JSONSerialization.data(withJSONObject: dialogue.map { [$0.0, $0.1] }),
                               as: UTF8.self)
        let result = try CLI.runProcess(python, ["-c", driver, argv, lines], environment: home.environment)
        XCTAssertFalse(result.stdout.contains(Self.secret))
        return (result.status, result.stdout + result.stderr)
    }

    func testOnATerminalPassphraseSlotsAreAskedForAndADropIsConfirmed() throws {
        try makeStore()
        let other = try home.write("another passphrase\n", to: "secrets/other")
        chmod(other, 0o600)
        try run(["keyslot", "add", "--key-file", keyFile, "--new-passphrase-file", other])
        // Slots: 0 the old passphrase, 1 the key file, 2 another passphrase.
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        let prompt0 = "Passphrase of key slot 0"
        let prompt2 = "Passphrase of key slot 2"
        let (cancelled, shown) = try runOnTerminal(["rekey", "--key-file", keyFile], [
            // Only y or yes confirms (the one terminal question): an answer that merely starts with y does not.
            (prompt0, "an old passphrase that leaked"), (prompt2, ""), ("[y/N]", "yikes, no"),
        ])
        XCTAssertEqual(cancelled, 1, shown)
        XCTAssertTrue(shown.contains("key slot 2 (passphrase)") && shown.contains("nothing was changed"), shown)
        XCTAssertFalse(shown.contains("an old passphrase that leaked"), "no echo")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: storePath)), before)

        let leaked = try dataKey(ofCopy: storePath, passphrase: oldPassphrase)
        let (status, output) = try runOnTerminal(["rekey", "--key-file", keyFile], [
            (prompt0, "an old passphrase that leaked"), (prompt2, "a wrong one"), ("[y/N]", "y"),
        ])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("That passphrase does not open key slot 2"), output)
        XCTAssertTrue(output.contains("key slot 2 (passphrase) dropped"), output)
        XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.passphrase, .keyFile])
        XCTAssertFalse(opens(storePath, withDataKey: leaked))
        XCTAssertEqual(try secretOf("work", ["--passphrase-file", oldPassphrase]), Self.secret)
    }

    /// `unlock`, `passwd` and `rekey` open the store through `StoreUnlocker` as `get` does: a mistyped passphrase at
    /// the prompt is asked for again instead of ending the command.
    func testATypoAtThePromptIsAskedForAgain() throws {
        try makeStore()
        let old = "an old passphrase that leaked"
        let commands: [(arguments: [String], prompt: String)] = [
            (["unlock", "--timeout", "1m"], "Passphrase for "),
            (["passwd", "--new-passphrase-file", newPassphrase], "Current passphrase for "),
            (["rekey", "--slot-key-file", keyFile], "Passphrase for "),
        ]
        var passphrase = old
        for (arguments, prompt) in commands {
            let (status, shown) = try runOnTerminal(arguments, [(prompt, "a typo"), (prompt, passphrase)])
            XCTAssertEqual(status, 0, "\(arguments): \(shown)")
            XCTAssertTrue(shown.contains("That passphrase does not open the store; try again."), shown)
            XCTAssertFalse(shown.contains(passphrase) || shown.contains("a typo"), "no echo")
            if arguments[0] == "passwd" { passphrase = "a new passphrase" }
        }
        XCTAssertEqual(try secretOf("work", ["--passphrase-file", newPassphrase]), Self.secret)
    }

    /// A prompt quotes the store path: its control characters reach the terminal escaped (`TerminalText`), so a
    /// path cannot retitle the window or fake a line.
    func testAPromptShowsTheStorePathEscaped() throws {
        let hostile = home.path + "/st\u{1B}]0;pwned\u{07}ore"
        try run(["init", "--store", hostile, "--passphrase-file", oldPassphrase])
        let (status, shown) = try runOnTerminal(["rekey", "--store", hostile], [
            ("Passphrase for ", "an old passphrase that leaked"),
        ])
        XCTAssertEqual(status, 0, shown)
        XCTAssertTrue(shown.contains("st\\u{1B}]0;pwned\\u{07}ore: "), shown)
        XCTAssertFalse(shown.contains("\u{1B}") || shown.contains("\u{07}"),
                       "a raw control character reached the terminal")
    }

    /// Killed (SIGKILL through SystemLayer's debug-build fault injection) at each step of its one atomic write, a
    /// rekey leaves the old file, byte for byte; where the kill point is never reached, the rekey is complete.
    func testRekeyKilledMidWayLeavesTheOldStore() throws {
        try makeStore()
        let original = try Data(contentsOf: URL(fileURLWithPath: storePath))
        let leaked = try dataKey(ofCopy: storePath, passphrase: oldPassphrase)
        let steps = ["createTemporary", "write", "fsync", "close", "rename"]
        var killed = 0
        for step in steps {
            for occurrence in 1...2 {
                try original.write(to: URL(fileURLWithPath: storePath))
                let point = "\(step)#\(occurrence)"
                let result = try run(["rekey", "--key-file", keyFile, "--drop-unopened-slots"],
                                     environment: ["CREDSTORE_TEST_REKEY_KILL_AT": point], expect: nil)
                let now = try Data(contentsOf: URL(fileURLWithPath: storePath))
                // Under `setsid -w` a killed child shows as setsid's complaint and the signal number as status.
                if result.reason == .uncaughtSignal || result.stderr.contains("did not exit normally") {
                    XCTAssertEqual(result.status, SIGKILL, point)
                    killed += 1
                    XCTAssertEqual(now, original, "\(point): the old store, byte for byte")
                    XCTAssertTrue(opens(storePath, withDataKey: leaked), point)
                } else {
                    // The rekey wrote once and finished before the N-th such step: it must be complete.
                    XCTAssertEqual(result.status, 0, "\(point): \(result.stderr)")
                    XCTAssertFalse(opens(storePath, withDataKey: leaked), point)
                    XCTAssertEqual(try EncryptedStore.slots(at: storePath).map(\.kind), [.keyFile], point)
                }
                XCTAssertEqual(try secretOf("default", ["--key-file", keyFile]), Self.secret, point)
            }
        }
        XCTAssertGreaterThanOrEqual(killed, steps.count, "every step's first occurrence was reached and killed")
    }

    /// An unlock agent holding the old data key: rekey makes it forget that key, and the old key neither opens nor
    /// writes the re-keyed store.
    func testRekeyMakesTheAgentForgetTheOldKey() throws {
        try makeStore()
        try run(["unlock", "--passphrase-file", oldPassphrase, "--timeout", "5m"])
        let held = try EncryptedStore.open(at: storePath, with: .keyFile(KeyFile.read(at: keyFile))).agentDataKey()
        let throughAgent = try XCTUnwrap(EncryptedStore.open(at: storePath, agentDataKey: held))
        XCTAssertEqual(try AgentClient(environment: home.environment).status()?.keysHeld, 1)

        try run(["rekey", "--key-file", keyFile, "--passphrase-file", oldPassphrase])
        XCTAssertEqual(try AgentClient(environment: home.environment).status()?.keysHeld ?? 0, 0,
                       "the agent forgot the old key")
        XCTAssertFalse(opens(storePath, withDataKey: held))
        // A store opened with the old key before the re-key cannot write with it afterwards.
        XCTAssertThrowsError(try throughAgent.set(StoredProfile(
            name: "planted", accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SecretBytes(utf8: Self.secret))))
        XCTAssertFalse(try EncryptedStore.profileNames(at: storePath).contains("planted"))
    }
}
