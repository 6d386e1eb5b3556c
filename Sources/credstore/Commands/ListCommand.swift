import ArgumentParser
import CredentialLookup
import FoundationEssentials
import SecureStore

/// `credstore list`: every profile in every store (the `Get-AWSCredential -ListProfileDetail` of credstore).
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every profile in the encrypted store and the shared files.",
        discussion: """
            Each profile is listed with its store (SecureStore, SharedCredentialsFile or SharedConfigFile) and \
            location. A name present in several stores is listed once per store; the copy that the search order \
            would pick for --profile NAME is marked with '*' (JSON: "Selected": true). Listing never needs the \
            passphrase: profile names are stored in the clear.

            Kind says what a profile holds: keys (an access key pair), session-only (a key pair whose long-lived \
            key stays home: only temporary credentials are handed out, 'sessions configure'), session (a key pair \
            with a session token), role (role_arn), sso (SSO settings: not supported yet), process \
            (credential_process) or settings (no credentials, e.g. a region only). Sections of the shared files \
            with no properties at all (what 'migrate --remove-plaintext' leaves behind) are not profiles and are \
            not listed.

            Session shows when the profile's live cached session expires, and how long is left (JSON: \
            "SessionExpiration"). The kinds of the encrypted store's profiles and the sessions are known only when \
            the store opens without asking anyone (the unlock agent, a key file, the systemd credential, a \
            passphrase file or descriptor); otherwise those profiles are listed as keys, Session says 'locked' \
            (JSON: "SessionsKnown": false) and nothing is asked.
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(name: .customLong("json"), help: "Print the profiles as JSON.")
    var json = false

    @Flag(name: .customLong("names"), help: ArgumentHelp(
        "Print only the profile names, each once, one per line, in search order (for scripts and shell completion)."))
    var names = false

    @Flag(name: .customLong("key-age"), help: ArgumentHelp(
        "Also show each access key's age (from its CreateDate, kept with the profile by 'credstore rotate'; this "
            + "unlocks the store) and mark with '!' keys older than --older-than."))
    var keyAge = false

    @Option(name: .customLong("older-than"), help: ArgumentHelp(
        "The age from which --key-age marks a key as due for rotation (default 90d; implies --key-age).",
        valueName: "age"))
    var olderThan: String?

    func validate() throws {
        if json && names { throw ValidationError("--names and --json cannot be combined; use one of them.") }
        if let olderThan, RotateCommand.parseAge(olderThan) == nil {
            throw ValidationError("--older-than takes an age such as 90d, 36h or 45m, not '\(olderThan)'.")
        }
    }

    func run() throws {
        let context = LookupContext(store: store)
        if names {
            for name in try Self.profileNames(in: context) { Output.print(name) }
            return
        }
        var rows = try Self.rows(in: context)
        if keyAge || olderThan != nil {
            try KeyAges(rows: rows.map { ($0.name, $0.type, $0.location) }, context: context,
                        threshold: olderThan.flatMap(RotateCommand.parseAge) ?? 90 * 86_400).print(json: json)
            return
        }
        var picked = Set<String>()
        let selected = rows.map { picked.insert($0.name).inserted }
        let now = Date()
        let sessions = Self.unlockedDetails(context: context, rows: &rows, now: now)
        func expiry(_ row: Row) -> Date? {
            sessions?.filter { $0.session.profile == row.name && $0.live }.map(\.session.expiration).max()
        }
        if json {
            let profiles: [JSONValue] = rows.enumerated().map { index, row in
                .object([
                    "ProfileName": .string(row.name), "StoreTypeName": .string(row.type.rawValue),
                    "ProfileLocation": .string(row.location), "Selected": .bool(selected[index]),
                    "Kind": .string(row.kind.rawValue),
                    "SessionExpiration": expiry(row).map { .string(RFC3339.format($0)) } ?? .null,
                ])
            }
            Output.printJSON(["Profiles": .array(profiles), "SessionsKnown": .bool(sessions != nil)])
            return
        }
        guard !rows.isEmpty else {
            Output.print("No profiles. Add one with: credstore set --profile NAME --access-key ID")
            return
        }
        Output.write(Output.table(
            header: ["", "ProfileName", "Kind", "StoreTypeName", "Session", "ProfileLocation"],
            rows: rows.enumerated().map { index, row in
                let session = sessions == nil ? "locked" : expiry(row).map { expiration in
                    RFC3339.format(expiration) + " (" + SessionsCommand.timeLeft(until: expiration, now: now) + ")"
                } ?? "-"
                return [selected[index] ? "*" : "", row.name, row.kind.rawValue, row.type.rawValue, session,
                        row.location]
            }))
    }

    /// With the store opened without asking anyone: the exact kinds of its profiles (set in `rows`) and the cached
    /// sessions, each with whether it is live (outside its refresh window). `nil` when the store does not open
    /// without asking; a cache that cannot be used is reported on stderr and lists no session.
    private static func unlockedDetails(context: LookupContext, rows: inout [Row],
                                        now: Date) -> [(session: CachedSession, live: Bool)]? {
        let path = context.storeCatalog.location
        guard EncryptedStore.exists(at: path) else { return [] }
        let store: EncryptedStore
        do {
            // Showing kinds and sessions must not change what the next command finds: an agent key that does not
            // open the store (rotated, or the file altered) stays with the agent, so a lookup through the agent alone
            // still refuses an altered store instead of falling through to a plaintext profile (SECURITY.md).
            var unlocker = context.unlocker
            unlocker.forgetsStaleAgentKey = false
            guard let opened = try unlocker.openWithoutAsking() else { return nil }
            store = opened
        } catch {
            StandardError.line("warning: the store \(path) could not be opened to show kinds and sessions: \(error)")
            return nil
        }
        for index in rows.indices where rows[index].type == .secureStore {
            guard let stored = try? store.profile(named: rows[index].name) else { continue }
            let entry = ProfileEntry(stored)
            if let kind = Kind(entry) {
                rows[index].kind = kind == .keys && ReservedSetting.isSessionOnly(entry.reservedSettings)
                    ? .sessionOnly : kind
            }
        }
        guard SessionCache.exists(forStoreAt: path) else { return [] }
        do {
            let environment = context.environment
            return try SessionCache(store: store, now: { now }).sessions().map { session in
                let window = (try? SessionsCommand.refreshWindow(of: session.profile, in: store,
                                                                  environment: environment)) ?? .standard
                return (session, session.isLive(at: now, refreshWindow: window))
            }
        } catch {
            StandardError.line("warning: \(error) (run 'credstore sessions clear' to remove it)")
            return []
        }
    }

    /// What a listed profile holds (the `Kind` column).
    enum Kind: String {
        case keys, session, role, sso, process, settings
        case sessionOnly = "session-only"

        /// The kind of a shared-file profile, in the order the AWS SDKs prefer its credentials (a role or SSO
        /// profile is that, whatever else it holds); `nil` for a section with no properties at all.
        init?(_ entry: ProfileEntry) {
            let settings = entry.settings
            if settings["role_arn"] != nil {
                self = .role
            } else if settings["sso_session"] != nil || settings["sso_start_url"] != nil
                        || settings["sso_account_id"] != nil {
                self = .sso
            } else if entry.accessKeyID != nil || entry.secretAccessKey != nil {
                self = entry.sessionToken == nil ? .keys : .session
            } else if settings["credential_process"] != nil {
                self = .process
            } else if settings.isEmpty && entry.sessionToken == nil {
                return nil
            } else {
                self = .settings
            }
        }
    }

    /// One listed profile.
    private struct Row {
        var name: String
        var kind: Kind
        var type: StoreType
        var location: String
    }

    /// Every profile of every store in search order: the encrypted store (names are stored in the clear, so nothing
    /// is unlocked; every stored profile holds a key pair), then the shared credentials and config files.
    private static func rows(in context: LookupContext) throws -> [Row] {
        var rows: [Row] = []
        for name in try context.storeCatalog.profileNames() {
            rows.append(Row(name: name, kind: .keys, type: .secureStore, location: context.storeCatalog.location))
        }
        for catalog in context.sharedCatalogs {
            for name in try catalog.profileNames() {
                guard let entry = try catalog.profile(named: name), let kind = Kind(entry) else { continue }
                rows.append(Row(name: name, kind: kind, type: catalog.storeType, location: catalog.location))
            }
        }
        return rows
    }

    /// The names `list --names` prints: each name once, where the search order first finds it.
    static func profileNames(in context: LookupContext) throws -> [String] {
        var seen = Set<String>()
        return try rows(in: context).map(\.name).filter { seen.insert($0).inserted }
    }

    /// Shell completion for `--profile`: the names `list --names` prints for the default store (CREDSTORE_STORE, else
    /// the XDG location). It runs on every Tab, so it must never prompt or print: the store is not unlocked, and any
    /// failure (an unreadable store, a malformed shared file) completes nothing.
    static func completionCandidates() -> [String] {
        Warnings.silence()  // a warning printed at a Tab press lands in the middle of the command line being typed
        guard let store = try? StoreOptions.parse([]) else { return [] }
        return (try? profileNames(in: LookupContext(store: store))) ?? []
    }
}
