import Foundation
import TestSupport
import XCTest
@testable import SecureStore
@testable import UnlockAgent

/// The unlock order of `StoreUnlocker`: agent → key file → systemd credential → passphrase file → descriptor →
/// prompt, else `no-secret-source`. Most checks look at the secret chosen (`secret()`), which runs no KDF; the stores
/// that are opened have key-file slots only, so no test here pays for scrypt.
final class StoreUnlockerTests: XCTestCase {
    private var home: TemporaryHome!
    private var storePath: String { home.path + "/.local/share/credstore/store" }

    override func setUpWithError() throws {
        home = try TemporaryHome()
    }

    override func tearDown() {
        home = nil
    }

    /// A prompt that records what it was asked and answers `answers` in turn.
    private final class Prompt {
        var asked: [String] = []
        var answers: [String]
        init(_ answers: [String] = []) { self.answers = answers }

        func ask(_ text: String) throws -> SecretBytes {
            asked.append(text)
            guard !answers.isEmpty else { throw CancellationError() }
            return SecretBytes(utf8: answers.removeFirst())
        }
    }

    private func keyFileStore() throws -> (key: String, bytes: SecretBytes) {
        let key = home.path + "/store.key"
        let bytes = try KeyFile.generate(at: key)
        let store = try EncryptedStore.create(at: storePath, secrets: [.keyFile(bytes)])
        try store.set(StoredProfile(name: "default", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
        return (key, bytes)
    }

    private func chosen(_ unlocker: StoreUnlocker) throws -> (kind: String, bytes: SecretBytes) {
        switch try unlocker.secret() {
        case let .keyFile(bytes): return ("key-file", bytes)
        case let .passphrase(bytes): return ("passphrase", bytes)
        case .material: return ("material", SecretBytes(zeroedCount: 0))
        }
    }

    func testTheKeyFileBeatsThePassphraseFileAndThePrompt() throws {
        let (key, bytes) = try keyFileStore()
        let passphraseFile = try home.write("not the secret\n", to: "passphrase", mode: 0o600)
        let prompt = Prompt(["typed"])
        let unlocker = StoreUnlocker(keyFile: key, passphraseFile: passphraseFile, environment: home.environment,
                                     prompt: prompt.ask)
        let secret = try chosen(unlocker)
        XCTAssertEqual(secret.kind, "key-file")
        XCTAssertEqual(secret.bytes, bytes)
        let runs = KDF.scryptRuns.value
        XCTAssertEqual(try unlocker.open().profile(named: "default")?.accessKeyID, "AKIAIOSFODNN7EXAMPLE")
        XCTAssertEqual(KDF.scryptRuns.value, runs, "the passphrase file was tried")
        XCTAssertEqual(prompt.asked, [], "the prompt was called although a key file was at hand")

        // CREDSTORE_KEY_FILE stands in for the option, and still beats a passphrase file.
        var environment = home.environment
        environment["CREDSTORE_KEY_FILE"] = key
        let fromEnvironment = StoreUnlocker(passphraseFile: passphraseFile, environment: environment)
        XCTAssertEqual(try chosen(fromEnvironment).kind, "key-file")
    }

    func testTheOrderOfTheOtherSources() throws {
        let (key, bytes) = try keyFileStore()
        let credentials = home.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: key, toPath: credentials + "/credstore.key")
        let passphraseFile = try home.write("from the file\n", to: "passphrase", mode: 0o600)
        var pipe: [Int32] = [-1, -1]
        XCTAssertEqual(Glibc.pipe(&pipe), 0)
        _ = "from the descriptor\n".withCString { Glibc.write(pipe[1], $0, strlen($0)) }
        close(pipe[1])
        defer { close(pipe[0]) }
        var systemd = home.environment
        systemd["CREDENTIALS_DIRECTORY"] = credentials

        // The systemd credential beats a passphrase file; an explicit key file beats the credential.
        let credential = try chosen(StoreUnlocker(passphraseFile: passphraseFile, environment: systemd))
        XCTAssertEqual(credential.kind, "key-file")
        XCTAssertEqual(credential.bytes, bytes)
        let other = home.path + "/other.key"
        let otherBytes = try KeyFile.generate(at: other)
        XCTAssertEqual(try chosen(StoreUnlocker(keyFile: other, environment: systemd)).bytes, otherBytes)
        // A passphrase file beats a descriptor, which beats the prompt.
        let prompt = Prompt(["typed"])
        let file = try chosen(StoreUnlocker(passphraseFile: passphraseFile, passphraseDescriptor: pipe[0],
                                            environment: home.environment, prompt: prompt.ask))
        XCTAssertEqual(file.kind, "passphrase")
        XCTAssertEqual(file.bytes, SecretBytes(utf8: "from the file"))
        let descriptor = try chosen(StoreUnlocker(passphraseDescriptor: pipe[0], environment: home.environment,
                                                  prompt: prompt.ask))
        XCTAssertEqual(descriptor.bytes, SecretBytes(utf8: "from the descriptor"))
        XCTAssertEqual(prompt.asked, [], "the prompt was called although a passphrase was at hand")
    }

    func testThePromptIsCalledOnlyWhenNothingElseIsAtHand() throws {
        let prompt = Prompt(["typed"])
        let unlocker = StoreUnlocker(environment: home.environment, prompt: prompt.ask)
        let secret = try chosen(unlocker)
        XCTAssertEqual(secret.kind, "passphrase")
        XCTAssertEqual(secret.bytes, SecretBytes(utf8: "typed"))
        XCTAssertEqual(prompt.asked, ["Passphrase for \(storePath): "])

        // A new passphrase is asked twice, and two different answers are refused.
        let twice = Prompt(["new one", "new one"])
        XCTAssertEqual(try StoreUnlocker(environment: home.environment, prompt: twice.ask).passphrase(.replacement),
                       SecretBytes(utf8: "new one"))
        XCTAssertEqual(twice.asked, ["New passphrase for \(storePath): ", "Repeat to confirm: "])
        // Two different answers are asked for again, up to three times (issue 14, item 8), then refused.
        let differing = Prompt(["new one", "another", "new one", "another", "new one", "another"])
        XCTAssertThrowsError(try StoreUnlocker(environment: home.environment, prompt: differing.ask)
            .passphrase(.replacement)) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .passphrasesDiffer)
        }
        XCTAssertEqual(differing.asked.count, 6)
        XCTAssertEqual(differing.asked[2], "The two passphrases differ; try again.\nNew passphrase for \(storePath): ")
        // The new passphrase comes from its own sources, never from the current passphrase's.
        let current = try home.write("current\n", to: "current", mode: 0o600)
        let new = try home.write("replacement\n", to: "new", mode: 0o600)
        var both = StoreUnlocker(passphraseFile: current, environment: home.environment)
        both.newPassphraseFile = new
        XCTAssertEqual(try both.passphrase(.current), SecretBytes(utf8: "current"))
        XCTAssertEqual(try both.passphrase(.replacement), SecretBytes(utf8: "replacement"))
    }

    func testNoSourceAndNoPromptFailsAtOnceNamingTheStore() throws {
        _ = try keyFileStore()
        let unlocker = StoreUnlocker(environment: home.environment)
        XCTAssertThrowsError(try unlocker.open()) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .noSecretSource)
            XCTAssertEqual((error as? UnlockAgentError)?.path, storePath)
            XCTAssertTrue("\(error)".contains(storePath), "\(error)")
        }
        let needs: [(StoreUnlocker.PassphraseNeed, UnlockAgentError.Code)] = [
            (.unlock, .noSecretSource), (.creation, .noSecretSource), (.initialSlot, .noInitialPassphrase),
            (.current, .noCurrentPassphrase), (.replacement, .noNewPassphrase),
        ]
        for (need, code) in needs {
            XCTAssertThrowsError(try unlocker.passphrase(need)) { error in
                XCTAssertEqual((error as? UnlockAgentError)?.code, code, "\(need)")
            }
        }
        // A missing store fails as missing before any secret is looked for.
        let missing = StoreUnlocker(storePath: home.path + "/nothing-here", environment: home.environment)
        XCTAssertThrowsError(try missing.open()) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .storeNotFound)
        }
    }

    /// `promptIsAvailable` (the CLI's costs an open of /dev/tty) is asked only when the prompt is about to be used, and
    /// a prompt that is not available is no prompt: `no-secret-source`, nothing asked.
    func testPromptAvailabilityIsAskedOnlyWhenThePromptWouldAsk() throws {
        let (key, _) = try keyFileStore()
        var availabilityChecks = 0
        var withKey = StoreUnlocker(keyFile: key, environment: home.environment, prompt: Prompt().ask)
        withKey.promptIsAvailable = { availabilityChecks += 1; return true }
        _ = try withKey.open()
        XCTAssertNil(try StoreUnlocker(environment: home.environment).openWithoutAsking())
        _ = try withKey.openWithoutAsking()
        XCTAssertEqual(availabilityChecks, 0)

        let prompt = Prompt(["typed"])
        var unavailable = StoreUnlocker(environment: home.environment, prompt: prompt.ask)
        unavailable.promptIsAvailable = { availabilityChecks += 1; return false }
        XCTAssertThrowsError(try unavailable.open()) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .noSecretSource)
        }
        XCTAssertGreaterThan(availabilityChecks, 0)
        XCTAssertEqual(prompt.asked, [])
    }

    func testTheAgentIsTriedFirst() throws {
        let (_, _) = try keyFileStore()
        let location = AgentLocation(environment: home.environment)
        let agent = try InProcessAgent(location: location)
        defer { agent.stop() }
        let client = AgentClient(location: location)
        let store = try EncryptedStore.open(at: storePath, with: try StoreUnlocker(
            keyFile: home.path + "/store.key", environment: home.environment).secret())
        let canonical = try XCTUnwrap(AgentClient.canonicalPath(storePath))
        XCTAssertEqual(try client.send(.add(storePath: canonical, key: store.agentDataKey(), timeoutSeconds: 60))?
            .status, .ok)

        // A key file that does not exist and a prompt that must not be called: only the agent can open the store.
        let prompt = Prompt()
        let unlocker = StoreUnlocker(keyFile: home.path + "/no-such.key", environment: home.environment,
                                     prompt: prompt.ask)
        XCTAssertEqual(try unlocker.open().profile(named: "default")?.accessKeyID, "AKIAIOSFODNN7EXAMPLE")
        XCTAssertEqual(prompt.asked, [])
        XCTAssertEqual(try client.status()?.keysServed, 1)
        // Without the agent's key, the key file is next (and this one is missing).
        XCTAssertEqual(try client.send(.lock(storePath: nil))?.forgotten, 1)
        XCTAssertThrowsError(try unlocker.open()) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .notFound, "\(error)")
        }
    }

    func testOpenOrCreateGeneratesTheKeyFileAndRemovesItWhenCreationFails() throws {
        let key = home.path + "/new/store.key"
        let created = try StoreUnlocker(keyFile: key, environment: home.environment).openOrCreate()
        XCTAssertEqual(created.path, storePath)
        XCTAssertTrue(EncryptedStore.exists(at: key))
        XCTAssertNoThrow(try StoreUnlocker(keyFile: key, environment: home.environment).open())

        // A store path that cannot be created (its parent is a file): the key generated for it is removed again.
        let blocked = try home.write("", to: "blocked", mode: 0o600)
        let orphan = home.path + "/orphan.key"
        XCTAssertThrowsError(try StoreUnlocker(storePath: blocked + "/store", keyFile: orphan,
                                               environment: home.environment).openOrCreate())
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphan), "a key to no store was left behind")
    }

    /// Issue 14, item 3: the slot list decides before any prompt; a store with a passphrase slot still fails with
    /// no-secret-source when nobody can be asked, and a mistyped passphrase is asked for again.
    func testAPassphraseStoreIsPromptedUpToThreeTimesAndAKeyFileOnlyStoreNever() throws {
        let passphrase = SecretBytes(utf8: "correct horse battery staple")
        _ = try EncryptedStore.create(at: storePath, secrets: [.passphrase(passphrase)])
        XCTAssertThrowsError(try StoreUnlocker(environment: home.environment).open()) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .noSecretSource)
        }
        let retried = Prompt(["wrong", "correct horse battery staple"])
        _ = try StoreUnlocker(environment: home.environment, prompt: retried.ask).open()
        XCTAssertEqual(retried.asked, [
            "Passphrase for \(storePath): ",
            "That passphrase does not open the store; try again.\nPassphrase for \(storePath): ",
        ])
        let wrong = Prompt(["a", "b", "c", "never asked"])
        XCTAssertThrowsError(try StoreUnlocker(environment: home.environment, prompt: wrong.ask).open()) { error in
            XCTAssertEqual((error as? SecureStoreError)?.code, .wrongPassphrase)
        }
        XCTAssertEqual(wrong.asked.count, 3)

        unlink(storePath)
        _ = try keyFileStore()
        let never = Prompt(["typed"])
        XCTAssertThrowsError(try StoreUnlocker(environment: home.environment, prompt: never.ask).open()) { error in
            XCTAssertEqual((error as? UnlockAgentError)?.code, .noKeyFile)
        }
        XCTAssertEqual(never.asked, [], "no prompt for a store without a passphrase slot")
    }

    /// Issue 14, item 8: a short new passphrase is confirmed first; declining asks for another.
    func testAShortNewPassphraseIsConfirmedFirst() throws {
        let prompt = Prompt(["abc", "a long enough passphrase", "a long enough passphrase"])
        var questions: [String] = []
        var unlocker = StoreUnlocker(environment: home.environment, prompt: prompt.ask)
        unlocker.confirm = { questions.append($0); return false }
        XCTAssertEqual(try unlocker.passphrase(.initialSlot), SecretBytes(utf8: "a long enough passphrase"))
        XCTAssertEqual(questions.count, 1)
        XCTAssertTrue(questions[0].contains("only 3 characters"), questions[0])
        XCTAssertEqual(prompt.asked, ["New passphrase for \(storePath): ", "New passphrase for \(storePath): ",
                                      "Repeat to confirm: "])
        let accepted = Prompt(["abc", "abc"])
        unlocker.prompt = accepted.ask
        unlocker.confirm = { _ in true }
        XCTAssertEqual(try unlocker.passphrase(.initialSlot), SecretBytes(utf8: "abc"))
    }
}
