import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SharedFileStore

/// `credstore rotate`: replaces a profile's long-lived access key with a new one (IAM), crash-safe and unattended.
struct RotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace a profile's access key with a new one, safely.",
        discussion: """
            For a profile holding a long-lived IAM user key (AKIA…) in the encrypted store or a shared credentials \
            or config file: lists the user's keys (a user with two keys is refused, unless --delete-inactive-key \
            and the other key is inactive), creates a new key and saves it with the profile before anything else, \
            waits until the new key is accepted (GetCallerIdentity, up to --wait seconds), switches the profile to \
            it, then deactivates and deletes the old key (--keep-old-inactive keeps it, inactive) and clears cached \
            sessions made with the old key. With mfa_serial on the profile the IAM calls run in MFA sessions; the \
            second code is asked for in the next 30-second window.

            The rotation is journaled with the profile: after a crash, 'rotate' run again finishes the rotation (the \
            new key was saved) or rolls it back (it was not; a key created then is deleted) and says which. A \
            failed AWS call before the switch leaves the old key in use. --if-older-than 90d rotates only a key \
            older than that (its CreateDate), for timers; --dry-run says exactly what would happen.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: [.customShort("p"), .customLong("profile")],
            help: ArgumentHelp("The profile whose key to rotate.", valueName: "name"))
    var profile: String

    @Option(name: .customLong("profile-location"), help: ArgumentHelp(
        "Rotate the profile of this shared file (instead of where the search order finds it).", valueName: "path"))
    var profileLocation: String?

    @Option(name: .customLong("if-older-than"), help: ArgumentHelp(
        "Rotate only when the key is older than this (e.g. 90d, 36h, 45m).", valueName: "age"))
    var ifOlderThan: String?

    @Flag(name: .customLong("keep-old-inactive"), help: "Deactivate the old key but do not delete it.")
    var keepOldInactive = false

    @Flag(name: .customLong("delete-inactive-key"), help: ArgumentHelp(
        "When the user already has a second key and it is inactive, delete it to make room (an active one is never "
            + "deleted)."))
    var deleteInactiveKey = false

    @Option(name: .customLong("wait"), help: ArgumentHelp(
        "How long to wait for the new key to be accepted, in seconds (default 60).", valueName: "seconds"))
    var wait: Double = 60

    @Flag(name: .customLong("dry-run"), help: "Say what would happen; change nothing (only read-only AWS calls).")
    var dryRun = false

    @Flag(name: .customLong("json"), help: "Print what was done as JSON.")
    var json = false

    func validate() throws {
        if let ifOlderThan, RotateCommand.parseAge(ifOlderThan) == nil {
            throw ValidationError("--if-older-than takes an age such as 90d, 36h or 45m, not '\(ifOlderThan)'.")
        }
        if !(wait >= 0 && wait <= 3600) { throw ValidationError("--wait takes 0 to 3600 seconds.") }
    }

    func run() throws {
        let context = LookupContext(store: store)
        let holder = try Self.holder(for: profile, location: profileLocation.map(PathExpansion.expand),
                                     context: context)
        // A credentials-file profile's region, endpoint_url and mfa_serial usually live in the config file.
        var elsewhere: [String: String] = [:]
        if !(holder is StoreRotationHolder) {
            for catalog in context.sharedCatalogs.reversed() {
                let entry = try? catalog.profile(named: profile)
                elsewhere.merge(entry?.settings ?? [:]) { $1 }
            }
        }
        let settings = ((try? holder.read().settings) ?? [:]).merging(elsewhere) { mine, _ in mine }
        var rotation = KeyRotation(holder: holder,
                                   service: try RotationService.make(environment: context.environment,
                                                                     profileSettings: settings))
        rotation.otherSettings = elsewhere
        rotation.mfa = TerminalMFACodes()
        rotation.sessions = RotationService.sessionCache(context: context, holder: holder)
        RotationKillSwitch.install(on: &rotation, environment: context.environment)
        var options = KeyRotation.Options()
        options.keepOldInactive = keepOldInactive
        options.deleteInactiveKey = deleteInactiveKey
        options.ifOlderThan = ifOlderThan.flatMap(Self.parseAge)
        options.dryRun = dryRun
        options.verifyTimeout = wait
        let report = try rotation.run(options)
        for place in Self.otherCopies(of: report.oldKeyID, besides: holder, context: context)
        where report.rotated || report.resumed == .finished || (dryRun && report.due) {
            Warnings.say("profile '\(place.name)' in \(place.location) also holds \(report.oldKeyID), which "
                         + (dryRun ? "would stop working" : "no longer works")
                         + "; replace it with the new key ('credstore set') or remove it")
        }
        if json {
            Output.printJSON(Self.json(report))
        } else {
            for step in report.steps { Output.print((dryRun ? "Would: " : "") + step) }
            Output.print(Self.summary(report))
        }
    }

    /// Where `name` lives: the `--profile-location` file, else the store when it holds the name, else the shared
    /// credentials file, else the config file (the search order's places).
    static func holder(for name: String, location: String?, context: LookupContext) throws -> any RotationHolder {
        if let location {
            return SharedFileRotationHolder(profile: name, path: location,
                                            kind: ProfileFileKind.guess(forPath: location))
        }
        if try context.storeCatalog.profileNames().contains(name) {
            let catalog = context.storeCatalog
            return StoreRotationHolder(profile: name, path: catalog.location) { try catalog.unlockedStore() }
        }
        for catalog in context.sharedCatalogs where try catalog.profileNames().contains(name) {
            return SharedFileRotationHolder(profile: name, path: catalog.location,
                                            kind: catalog.storeType == .sharedConfigFile ? .config : .credentials)
        }
        throw CLIFailure("profile '\(name)' was not found; searched: "
                         + ([context.storeCatalog.location] + context.sharedCatalogs.map(\.location))
                            .joined(separator: ", "),
                         hint: "check the name with 'credstore list'", exitCode: .notFound)
    }

    /// The other profiles holding `keyID` (a plaintext copy left by `migrate`, a second profile of the same key):
    /// the store's when it is open already or opens without asking, and the shared files'.
    static func otherCopies(of keyID: String, besides holder: any RotationHolder,
                            context: LookupContext) -> [ProfilePlace] {
        var places: [ProfilePlace] = []
        var catalogs: [(catalog: any ProfileCatalog, names: [String])] = context.sharedCatalogs.map {
            ($0, (try? $0.profileNames()) ?? [])
        }
        let store = holder is StoreRotationHolder ? context.storeCatalog
            : (try? context.unlocker.openWithoutAsking()).flatMap { $0.map(EncryptedStoreCatalog.init(store:)) }
        if let store { catalogs.insert((store, (try? store.profileNames()) ?? []), at: 0) }
        let rotatedFile = (holder as? SharedFileRotationHolder).map { FileIdentity(path: $0.path) }
        for (catalog, names) in catalogs {
            for name in names where (try? catalog.profile(named: name))??.accessKeyID == keyID {
                let isRotated = name == holder.profile && (catalog.storeType == .secureStore
                    ? holder is StoreRotationHolder : rotatedFile == FileIdentity(path: catalog.location))
                if !isRotated {
                    places.append(ProfilePlace(storeType: catalog.storeType, location: catalog.location, name: name))
                }
            }
        }
        return places
    }

    /// `90d`, `36h`, `45m`, `30s` (or plain seconds) in seconds; nil when malformed.
    static func parseAge(_ text: String) -> Double? {
        let units: [Character: Double] = ["d": 86_400, "h": 3600, "m": 60, "s": 1]
        var number = Substring(text)
        var unit = 1.0
        if let last = text.last, let factor = units[last] {
            number = number.dropLast()
            unit = factor
        }
        guard !number.isEmpty, number.allSatisfy(\.isASCII), let value = Int(number), value >= 0,
              value <= 100_000 else { return nil }
        return Double(value) * unit
    }

    /// One line saying how it ended.
    static func summary(_ report: KeyRotation.Report) -> String {
        var parts: [String] = []
        switch report.resumed {
        case .finished?: parts.append("Finished an interrupted rotation")
        case .rolledBack?: parts.append("Rolled back an interrupted rotation")
        case nil: break
        }
        if report.dryRun {
            parts.append(report.due ? "dry run: nothing was changed" : "dry run: the key is not due")
        } else if report.rotated || report.resumed == .finished {
            parts.append("profile '\(report.profile)' now uses \(report.newKeyID) (was \(report.oldKeyID)"
                         + (report.oldKeyKeptInactive ? ", kept inactive)" : ", deleted)"))
        } else if !report.due {
            parts.append("profile '\(report.profile)' keeps \(report.oldKeyID): not older than the threshold")
        }
        let line = parts.joined(separator: "; ")
        return line.prefix(1).uppercased() + line.dropFirst() + "."
    }

    /// The `--json` object (README, "JSON output").
    static func json(_ report: KeyRotation.Report) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "ProfileName": .string(report.profile), "ProfileLocation": .string(report.place),
            "Rotated": .bool(report.rotated), "Due": .bool(report.due), "DryRun": .bool(report.dryRun),
            "Resumed": report.resumed.map { .string($0.rawValue) } ?? .null,
            "OldAccessKeyId": .string(report.oldKeyID), "AccessKeyId": .string(report.newKeyID),
            "OldKeyKeptInactive": .bool(report.oldKeyKeptInactive),
            "DeletedInactiveAccessKeyId": report.deletedInactiveKeyID.map { .string($0) } ?? .null,
            "SessionsCleared": .number(report.sessionsCleared),
            "Steps": .array(report.steps.map { .string($0) }),
        ]
        object["OldKeyCreateDate"] = report.oldKeyCreated.map { .string(RotationDate.format($0)) } ?? .null
        return object
    }
}

/// MFA codes asked on the controlling terminal through the one MFA prompt (`MFAPromptInput`: six digits checked
/// before anything is sent, asked again up to three times). Without a terminal there is none, and a rotation of an MFA
/// profile is refused before any change.
struct TerminalMFACodes: MFACodeSource {
    func code(serialNumber: String, profile: String) throws -> String {
        guard let code = try MFAPromptInput.prompt(MFARequest(profile: profile, serial: serialNumber)) else {
            throw CLIFailure("no terminal to ask for the code")
        }
        return code.digits
    }
}

/// A test seam for the crash tests, in DEBUG builds only: `CREDSTORE_TEST_ROTATE_KILL_AT=POINT` makes `rotate`
/// SIGKILL itself on reaching the `KeyRotation.FaultPoint` named POINT (e.g. `after-create`). Release builds install
/// nothing.
enum RotationKillSwitch {
    static func install(on rotation: inout KeyRotation, environment: [String: String]) {
        #if DEBUG
        guard let point = environment["CREDSTORE_TEST_ROTATE_KILL_AT"] else { return }
        rotation.faultHook = { reached in
            if reached.rawValue == point { kill(getpid(), SIGKILL) }
        }
        #endif
    }
}
