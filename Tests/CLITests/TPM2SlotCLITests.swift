import Foundation
import TestSupport
import XCTest

/// The TPM2 key slot end to end, against a real software TPM (swtpm on 127.0.0.1, a state directory of its own): a
/// store with only a TPM slot opens under the same TPM state and no other; a changed bound PCR refuses with the PCR
/// message while the recovery slot still opens it; a copy of the store and the TPM state does not open as another OS
/// user; commands that do not use the TPM never load tss2. These never skip on CI (`MissingPeer`).
final class TPM2SlotCLITests: XCTestCase {
    private var base: TemporaryDirectory!
    private var home: TemporaryHome!
    private var tpm: SoftwareTPM!
    private var users: [String] = []

    override func setUpWithError() throws {
        base = try TemporaryDirectory(prefix: "credstore-tpm2-cli")
        home = try TemporaryHome()
        tpm = try SoftwareTPM(stateDirectory: base.file("tpm"))
    }

    override func tearDown() {
        tpm?.stop()
        for user in users {
            _ = try? CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/userdel"), ["-r", user], environment: [:])
        }
        tpm = nil
        home = nil
        base = nil
    }

    private func environment(_ tpm: SoftwareTPM? = nil) -> [String: String] {
        home.environment.merging(["CREDSTORE_TPM2_DEVICE": (tpm ?? self.tpm).tcti]) { $1 }
    }

    private var passphraseFile: String {
        get throws { try home.write("correct horse battery staple\n", to: "passphrase") }
    }

    private func storeProfile(_ environment: [String: String], _ extra: [String] = []) throws {
        let stored = try CLI.run(["set", "--profile", "work", "--access-key", ExampleKeys.accessKeyID] + extra,
                                 environment: environment, stdin: ExampleKeys.secretAccessKey + "\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)
    }

    private func assertOpens(_ environment: [String: String], _ extra: [String] = [],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let got = try CLI.run(["export", "--profile", "work", "--format", "env"] + extra, environment: environment)
        XCTAssertEqual(got.status, 0, got.stderr, file: file, line: line)
        XCTAssertTrue(got.stdout.contains(ExampleKeys.accessKeyID), got.stdout, file: file, line: line)
    }

    func testStoreWithOnlyATPMSlotOpensUnderTheSameTPMStateAndRefusesOnAnotherTPM() throws {
        // Without a recovery slot and without a terminal to confirm on, init refuses and creates nothing.
        let refused = try CLI.run(["init", "--tpm2", "--no-passphrase"], environment: environment())
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--no-recovery-slot"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/.local/share/credstore/store"))

        let created = try CLI.run(["init", "--tpm2", "--no-passphrase", "--no-recovery-slot"],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(created.stdout.contains("TPM2 (no PCR policy)"), created.stdout)
        try storeProfile(environment())
        try assertOpens(environment())
        let slots = try CLI.run(["keyslot", "list"], environment: environment())
        XCTAssertTrue(slots.stdout.contains("tpm2") && slots.stdout.contains("no PCR policy"), slots.stdout)

        // The same TPM state, served again (a reboot): it opens.
        tpm.stop()
        let again = try SoftwareTPM(stateDirectory: base.file("tpm"))
        defer { again.stop() }
        try assertOpens(environment(again))

        // A fresh TPM (another machine): the sealed key does not load, and the error says so.
        let other = try SoftwareTPM(stateDirectory: base.file("other-tpm"))
        defer { other.stop() }
        let elsewhere = try CLI.run(["export", "--profile", "work"], environment: environment(other))
        XCTAssertEqual(elsewhere.status, 80, elsewhere.stderr)
        XCTAssertTrue(elsewhere.stderr.contains("does not load under the storage root key"), elsewhere.stderr)
        XCTAssertTrue(elsewhere.stderr.contains("sealed by another TPM"), elsewhere.stderr)
        XCTAssertFalse(elsewhere.stdout.contains(ExampleKeys.accessKeyID))

        // No TPM at all at the TCTI: named as such.
        let none = try CLI.run(["export", "--profile", "work", "--tpm2-device", "device:/dev/credstore-no-tpm"],
                               environment: environment())
        XCTAssertEqual(none.status, 83, none.stderr)
        XCTAssertTrue(none.stderr.contains("no TPM answers at device:/dev/credstore-no-tpm"), none.stderr)
    }

    func testAChangedBoundPCRRefusesWithThePCRMessageAndTheRecoverySlotStillOpens() throws {
        try tpm.extendPCR(7, with: 0x11)
        let passphrase = try passphraseFile
        let created = try CLI.run(["init", "--tpm2", "--tpm2-pcrs", "7", "--passphrase-file", passphrase],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(created.stdout.contains("passphrase, TPM2 (PCRs 7)"), created.stdout)
        try storeProfile(environment())  // through the TPM: no passphrase given, no terminal
        try assertOpens(environment())
        let listed = try CLI.run(["keyslot", "list", "--json"], environment: environment())
        XCTAssertTrue(listed.stdout.contains("\"PCRs\": \"7\""), listed.stdout)

        // A firmware or Secure Boot update, as the TPM sees it.
        try tpm.extendPCR(7)
        let refused = try CLI.run(["export", "--profile", "work"], environment: environment())
        XCTAssertEqual(refused.status, 80, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("PCR 7 changed since it was sealed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("another key slot is needed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("keyslot add --tpm2"), refused.stderr)

        // The recovery slot opens it, and a TPM2 slot sealed to the PCRs as they are now opens it again without a
        // secret (the stale slot is passed over, not fatal).
        try assertOpens(environment(), ["--passphrase-file", passphrase])
        let added = try CLI.run(["keyslot", "add", "--tpm2", "--tpm2-pcrs", "7", "--passphrase-file", passphrase],
                                environment: environment())
        XCTAssertEqual(added.status, 0, added.stderr)
        try assertOpens(environment())
    }

    func testACopyOfTheStoreAndTheTPMStateDoesNotOpenAsAnotherUser() throws {
        try MissingPeer.requireRoot("the TPM2 slot's other-user test (it creates an OS user)")
        let created = try CLI.run(["init", "--tpm2", "--no-passphrase", "--no-recovery-slot"],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        try storeProfile(environment())

        // Copy the TPM's state (a clone of the TPM) and the store into another user's HOME.
        tpm.stop()
        try FileManager.default.copyItem(atPath: base.file("tpm"), toPath: base.file("tpm-copy"))
        let clone = try SoftwareTPM(stateDirectory: base.file("tpm-copy"))
        defer { clone.stop() }
        let name = "cstpm\(UUID().uuidString.prefix(6).lowercased())"
        let otherHome = "/tmp/credstore-\(name)"
        let added = try CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/useradd"),
                                       ["-m", "-d", otherHome, "-s", "/bin/sh", name], environment: [:])
        XCTAssertEqual(added.status, 0, added.stderr)
        users.append(name)
        let storeDirectory = otherHome + "/.local/share/credstore"
        try FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: home.path + "/.local/share/credstore/store",
                                         toPath: storeDirectory + "/store")
        for (path, mode) in [(otherHome + "/.local", 0o700), (otherHome + "/.local/share", 0o700),
                             (storeDirectory, 0o700), (storeDirectory + "/store", 0o600)] {
            let owner = try XCTUnwrap(getpwnam(name)?.pointee)
            XCTAssertEqual(chown(path, owner.pw_uid, owner.pw_gid), 0)
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
        }

        // The clone opens the original (same TPM, same user): the TPM state really is a copy.
        try assertOpens(environment(clone))
        // As the other user, with the same clone, it does not.
        let other = try CLI.runProcess(URL(fileURLWithPath: "/usr/sbin/runuser"),
                                       ["-u", name, "--", "/usr/bin/setsid", "-w", "/usr/bin/env", "-i",
                                        "HOME=\(otherHome)", "PATH=/usr/bin:/bin",
                                        "CREDSTORE_TPM2_DEVICE=\(clone.tcti)", CLI.executable.path,
                                        "export", "--profile", "work"],
                                       environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        XCTAssertNotEqual(other.status, 0, other.stdout)
        XCTAssertFalse(other.stdout.contains(ExampleKeys.accessKeyID))
        XCTAssertTrue(other.stderr.contains("was made by uid 0 and opens only for that user"), other.stderr)
    }

    func testCommandsThatDoNotUseTheTPMDoNotLoadTss2() throws {
        let passphrase = try passphraseFile
        let created = try CLI.run(["init", "--tpm2", "--passphrase-file", passphrase], environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        try storeProfile(environment())
        var other = environment()
        other["XDG_DATA_HOME"] = home.path + "/other"
        let plain = try CLI.run(["init", "--passphrase-file", passphrase], environment: other)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        try storeProfile(other, ["--passphrase-file", passphrase])

        func loadsTss2(_ arguments: [String], _ environment: [String: String], status: Int32 = 0) throws -> Bool {
            let result = try CLI.run(arguments, environment: environment.merging(["LD_DEBUG": "libs"]) { $1 })
            XCTAssertEqual(result.status, status, result.stderr)
            return result.stderr.contains("libtss2-esys.so.0")
        }
        // The check sees the libraries when the TPM is used...
        XCTAssertTrue(try loadsTss2(["export", "--profile", "work"], environment()))
        // ...and not for a store without a TPM2 slot, a secret given, or a command that opens nothing.
        XCTAssertFalse(try loadsTss2(["export", "--profile", "work", "--passphrase-file", passphrase], other))
        XCTAssertFalse(try loadsTss2(["export", "--profile", "work", "--passphrase-file", passphrase],
                                     environment()))
        XCTAssertFalse(try loadsTss2(["export", "--profile", "work"], other, status: 83))  // no secret at hand
        XCTAssertFalse(try loadsTss2(["keyslot", "list"], environment()))
        XCTAssertFalse(try loadsTss2(["list", "--names"], environment()))
        XCTAssertFalse(try loadsTss2(["--version"], environment()))
        // `list` opens the store when a secret is at hand without asking (to show kinds and sessions): the TPM is one.
        XCTAssertTrue(try loadsTss2(["list"], environment()))
        XCTAssertFalse(try loadsTss2(["list"], other))
    }

    func testATPMOnlyStoreIsConfirmedOnATerminal() throws {
        let store = home.path + "/.local/share/credstore/store"
        let declined = try TerminalSession(["init", "--tpm2", "--no-passphrase"], environment: environment())
        declined.expect("nothing opens it again. Create it without a passphrase or key file to recover with? [y/N] ")
        declined.send("n")
        XCTAssertEqual(declined.finish(), 1, declined.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store))
        let confirmed = try TerminalSession(["init", "--tpm2", "--no-passphrase"], environment: environment())
        confirmed.expect("[y/N] ")
        confirmed.send("y")
        XCTAssertEqual(confirmed.finish(), 0, confirmed.transcript)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store))
    }

    func testOnATerminalAFailedTPMSlotIsExplainedBeforeThePassphraseIsAskedFor() throws {
        let created = try CLI.run(["init", "--tpm2", "--tpm2-pcrs", "7", "--passphrase-file", try passphraseFile],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        try storeProfile(environment())
        try tpm.extendPCR(7)
        let session = try TerminalSession(["export", "--profile", "work"], environment: environment())
        session.expect("The store's tpm2 slot did not open it: ")
        session.expect("PCR 7 changed since it was sealed")
        session.expect("Passphrase for ")
        session.send("correct horse battery staple")
        XCTAssertEqual(session.finish(), 0, session.transcript)
        XCTAssertTrue(session.transcript.contains(ExampleKeys.accessKeyID), session.transcript)
    }

    func testRekeyKeepsTheTPM2SlotAndItsPCRBinding() throws {
        let passphrase = try passphraseFile
        let created = try CLI.run(["init", "--tpm2", "--tpm2-pcrs", "7", "--passphrase-file", passphrase],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        try storeProfile(environment())
        let rekeyed = try CLI.run(["rekey", "--passphrase-file", passphrase], environment: environment())
        XCTAssertEqual(rekeyed.status, 0, rekeyed.stderr)
        let slots = try CLI.run(["keyslot", "list"], environment: environment())
        XCTAssertTrue(slots.stdout.contains("sealed to the TPM, PCRs 7"), slots.stdout)
        try assertOpens(environment())  // through the re-sealed TPM2 slot
        try tpm.extendPCR(7)
        let refused = try CLI.run(["export", "--profile", "work"], environment: environment())
        XCTAssertEqual(refused.status, 80, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("PCR 7 changed"), refused.stderr)
    }

    func testATPMInDictionaryAttackLockoutIsNamed() throws {
        let created = try CLI.run(["init", "--tpm2", "--no-passphrase", "--no-recovery-slot"],
                                  environment: environment())
        XCTAssertEqual(created.status, 0, created.stderr)
        try storeProfile(environment())
        // Lock the TPM out the way a guesser would: wrong passwords for another object, up to swtpm's three tries.
        let data = try base.write([UInt8](repeating: 7, count: 16), to: "data")
        let (primary, pub, priv, object) = (base.file("p.ctx"), base.file("o.pub"), base.file("o.priv"),
                                            base.file("o.ctx"))
        for step in [["tpm2_createprimary", "-Q", "-C", "o", "-c", primary],
                     ["tpm2_create", "-Q", "-C", primary, "-i", data, "-p", "right", "-u", pub, "-r", priv],
                     ["tpm2_flushcontext", "-t"],
                     ["tpm2_load", "-Q", "-C", primary, "-u", pub, "-r", priv, "-c", object],
                     ["tpm2_flushcontext", "-t"]] {
            let result = try tpm.tool(step[0], Array(step.dropFirst()))
            XCTAssertEqual(result.status, 0, "\(step): \(result.stderr)")
        }
        for _ in 1...3 {
            _ = try tpm.tool("tpm2_unseal", ["-c", object, "-p", "wrong"])
            _ = try tpm.tool("tpm2_flushcontext", ["-t"])
        }
        let refused = try CLI.run(["export", "--profile", "work"], environment: environment())
        XCTAssertEqual(refused.status, 75, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("is in dictionary-attack lockout"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("or open the store with another key slot"), refused.stderr)
    }

    func testPCRListsAreChecked() throws {
        for (arguments, message) in [(["--tpm2", "--tpm2-pcrs", "24"], "from 0 to 23"),
                                     (["--tpm2", "--tpm2-pcrs", "7,x"], "from 0 to 23"),
                                     (["--tpm2-pcrs", "7"], "needs --tpm2")] {
            let result = try CLI.run(["init", "--no-passphrase"] + arguments, environment: environment())
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
    }
}

/// Without the tss2 libraries (hidden in a private mount namespace, as on a machine without libtss2-esys), a store's
/// TPM2 slot fails with a message naming the library and its Debian package, and its other slots still open it.
final class TPM2LibraryMissingCLITests: XCTestCase {
    func testAMissingLibraryIsNamedWithItsPackageAndTheOtherSlotsStillOpen() throws {
        try MissingPeer.requireRoot("the missing-tss2 test (it hides the library in a mount namespace)")
        let directory = try TemporaryDirectory(prefix: "credstore-tpm2-nolib")
        let tpm = try SoftwareTPM(stateDirectory: directory.file("tpm"))
        defer { tpm.stop() }
        let home = try TemporaryHome()
        let environment = home.environment.merging(["CREDSTORE_TPM2_DEVICE": tpm.tcti]) { $1 }
        let passphrase = try home.write("correct horse battery staple\n", to: "passphrase")
        XCTAssertEqual(try CLI.run(["init", "--tpm2", "--passphrase-file", passphrase], environment: environment)
            .status, 0)
        XCTAssertEqual(try CLI.run(["set", "--profile", "work", "--access-key", ExampleKeys.accessKeyID],
                                   environment: environment, stdin: ExampleKeys.secretAccessKey + "\n").status, 0)

        let ldconfig = try CLI.runProcess(URL(fileURLWithPath: "/sbin/ldconfig"), ["-p"], environment: [:])
        let line = try XCTUnwrap(ldconfig.stdout.split(separator: "\n").first { $0.contains("libtss2-esys.so.0 ") })
        let library = URL(fileURLWithPath: String(line.split(separator: " ").last ?? ""))
            .resolvingSymlinksInPath().path
        func withoutLibrary(_ arguments: [String]) throws -> CLIResult {
            let script = "mount --bind /dev/null \"$0\" && exec \"$@\""
            return try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/unshare"),
                                      ["-m", "/bin/sh", "-c", script, library, CLI.executable.path] + arguments,
                                      environment: environment)
        }
        let probe = try withoutLibrary(["--version"])
        guard probe.status == 0 else {
            throw MissingPeer.error("the missing-tss2 test", needs: "unshare -m and mount (\(probe.stderr))",
                                    remedy: "run the tests as root with CAP_SYS_ADMIN (CI and the development "
                                        + "machines do)")
        }
        let refused = try withoutLibrary(["export", "--profile", "work"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot load libtss2-esys.so.0 (Debian package libtss2-esys-3.0.2-0)"),
                      refused.stderr)
        XCTAssertTrue(refused.stderr.contains("apt-get install"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("crashed"), refused.stderr)
        let opened = try withoutLibrary(["export", "--profile", "work", "--passphrase-file", passphrase])
        XCTAssertEqual(opened.status, 0, opened.stderr)
        XCTAssertTrue(opened.stdout.contains(ExampleKeys.accessKeyID))
        // Making a TPM2 slot says the same, and changes nothing.
        let before = try CLI.run(["keyslot", "list"], environment: environment).stdout
        let added = try withoutLibrary(["keyslot", "add", "--tpm2", "--passphrase-file", passphrase])
        XCTAssertEqual(added.status, 1, added.stderr)
        XCTAssertTrue(added.stderr.contains("cannot load libtss2-esys.so.0"), added.stderr)
        XCTAssertEqual(try CLI.run(["keyslot", "list"], environment: environment).stdout, before)
    }
}
