import ArgumentParser
import CredentialLookup
import FoundationEssentials
import SecureStore

/// `credstore sessions [list] | clear | configure`: the encrypted session cache beside the store, and each profile's
/// session choices (whether its long-lived key stays home, how early its sessions are renewed).
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List or clear the cached temporary credentials, and set a profile's session choices.",
        discussion: """
            Temporary credentials that credstore gets from AWS STS (assumed-role sessions, MFA sessions, and the \
            sessions of profiles whose long-lived key stays home) are cached encrypted beside the store, in \
            STORE.sessions, under a key derived from the store's data key; they are never written in plain text, and \
            nothing is written to ~/.aws/cli/cache. A cached session is reused until a refresh window before it \
            expires: 15 minutes, or the profile's own window ('sessions configure --refresh-window'), or \
            CREDSTORE_SESSION_REFRESH_WINDOW when set. Secrets and session tokens are never printed here.
            """,
        subcommands: [List.self, Clear.self, Configure.self],
        defaultSubcommand: List.self
    )

    /// How long until `date`, e.g. `42m`, `3h05m`, `expired`.
    static func timeLeft(until date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded(.down))
        guard seconds > 0 else { return "expired" }
        if seconds < 60 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m" }
        let rest = minutes % 60
        return "\(minutes / 60)h" + (rest < 10 ? "0" : "") + "\(rest)m"
    }

    /// The refresh window of `profile`: the environment's, else the store profile's setting, else 15 minutes.
    static func refreshWindow(of profile: String, in store: EncryptedStore, environment: [String: String]) throws
        -> SessionRefreshWindow {
        let settings = (try? store.profile(named: profile))??.settings ?? [:]
        return try SessionRefreshWindow.resolve(environment: environment, profileSettings: settings)
    }

    /// `credstore sessions list`: every cached session, without its secret or token.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the cached sessions (no secret or token is shown).",
            discussion: """
                Each session is listed with the profile it serves, its kind (role: an assumed role; mfa: a \
                GetSessionToken session made with an MFA code, shared by every role using that source profile and \
                MFA device; session: a GetSessionToken session of a profile whose long-lived key stays home), the \
                role or MFA device, its temporary access key id, when it expires and how long is left. A session \
                inside its refresh window is listed as 'renew' (it is no longer handed out). The store is \
                unlocked to read the cache.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(name: .customLong("json"), help: "Print the sessions as JSON.")
        var json = false

        func run() throws {
            let path = store.storePath()
            guard EncryptedStore.exists(at: path), SessionCache.exists(forStoreAt: path) else {
                if json { Output.printJSON(["Sessions": .array([])]) } else { Output.print("No cached sessions.") }
                return
            }
            let opened = try store.openStore()
            let now = Date()
            let sessions = try SessionCache(store: opened, now: { now }).sessions()
            let environment = store.environment
            let rows = try sessions.map { session -> (CachedSession, Bool) in
                let window = try SessionsCommand.refreshWindow(of: session.profile, in: opened,
                                                               environment: environment)
                return (session, session.isLive(at: now, refreshWindow: window))
            }
            if json {
                Output.printJSON(["Sessions": .array(rows.map { session, live in
                    .object([
                        "ProfileName": .string(session.profile), "Kind": .string(session.kind.name),
                        "RoleArn": session.roleARN.map { .string($0) } ?? .null,
                        "MfaSerial": session.mfaSerial.map { .string($0) } ?? .null,
                        "SourceProfile": session.sourceProfile.map { .string($0) } ?? .null,
                        "AccessKeyId": .string(session.accessKeyID),
                        "Expiration": .string(RFC3339.format(session.expiration)),
                        "Created": .string(RFC3339.format(session.created)),
                        "SecondsLeft": .number(max(0, Int(session.expiration.timeIntervalSince(now)))),
                        "Live": .bool(live),
                    ])
                })])
                return
            }
            guard !rows.isEmpty else {
                Output.print("No cached sessions.")
                return
            }
            Output.write(Output.table(
                header: ["ProfileName", "Kind", "Role/MFA", "AccessKeyId", "Expiration", "TimeLeft"],
                rows: rows.map { session, live in
                    let left = SessionsCommand.timeLeft(until: session.expiration, now: now)
                    return [session.profile, session.kind.name,
                            session.roleARN ?? session.mfaSerial ?? "-",
                            session.accessKeyID, RFC3339.format(session.expiration),
                            live || left == "expired" ? left : left + " (renew)"]
                }))
        }
    }

    /// `credstore sessions clear [--profile NAME]`.
    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Remove cached sessions: all of them, or those of one profile.",
            discussion: """
                Without --profile the whole cache file is removed without unlocking the store; that also removes a \
                damaged or altered cache, which credstore never uses. Sessions can always be made again (an MFA \
                session asks for a new code). With --profile NAME only the sessions serving NAME or made from \
                NAME's keys are removed, which needs the store unlocked. Sessions already handed out stay valid at \
                AWS until they expire.
                """)

        @OptionGroup var store: StoreOptions

        @Option(name: [.customShort("p"), .customLong("profile")], help: ArgumentHelp(
            "Remove only the sessions serving this profile or made from its keys.", valueName: "name"))
        var profile: String?

        func run() throws {
            let path = store.storePath()
            guard let profile else {
                let removed = try SessionCache.clear(forStoreAt: path)
                Output.print(removed ? "Removed the session cache \(SessionCache.path(forStoreAt: path))."
                                     : "There was no session cache.")
                return
            }
            guard EncryptedStore.exists(at: path), SessionCache.exists(forStoreAt: path) else {
                Output.print("No cached sessions of profile '\(profile)'.")
                return
            }
            let removed = try SessionCache(store: try store.openStore()).remove {
                $0.profile == profile || $0.sourceProfile == profile
            }
            Output.print("Removed \(removed) cached session\(removed == 1 ? "" : "s") of profile '\(profile)'.")
        }
    }

    /// `credstore sessions configure --profile NAME …`.
    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "configure",
            abstract: "Set whether a profile's long-lived key stays home, and its refresh window.",
            discussion: """
                --session-only makes credstore hand out only temporary credentials for the profile: export, exec \
                and credential_process never hand out its long-lived key unless --no-session is given with them. \
                --no-session-only turns that off. --refresh-window sets how long before expiry a cached session of \
                the profile is renewed (whole seconds, or minutes or hours such as 15m or 1h, at most 12h; 'default' \
                for 15 minutes); CREDSTORE_SESSION_REFRESH_WINDOW, when set, overrides it for every profile. The \
                choices are stored encrypted in the profile's record in the store (settings credstore reserves, \
                never copied to the shared AWS files). Without an option, the profile's current choices are shown.
                """)

        @OptionGroup var store: StoreOptions

        @Option(name: [.customShort("p"), .customLong("profile")], help: ArgumentHelp(
            "The profile of the encrypted store to configure.", valueName: "name"))
        var profile: String

        @Flag(name: .customLong("session-only"), help: ArgumentHelp(
            "Hand out only temporary credentials for this profile; its long-lived key stays in the store."))
        var sessionOnly = false

        @Flag(name: .customLong("no-session-only"), help: ArgumentHelp(
            "Hand out this profile's long-lived key again, as for any other profile."))
        var noSessionOnly = false

        @Option(name: .customLong("refresh-window"), help: ArgumentHelp(
            "How long before expiry the profile's cached sessions are renewed, such as 900, 15m or 1h; 'default' "
                + "for 15 minutes.", valueName: "duration"))
        var refreshWindow: String?

        func validate() throws {
            if sessionOnly && noSessionOnly {
                throw ValidationError("--session-only and --no-session-only cannot be combined; use one of them.")
            }
            if let refreshWindow, refreshWindow != "default", SessionRefreshWindow(parsing: refreshWindow) == nil {
                throw ValidationError("--refresh-window '\(refreshWindow)' is not a duration: give whole seconds, or "
                                      + "minutes or hours such as 15m or 1h, at most 12h, or 'default'.")
            }
        }

        func run() throws {
            let handle = try store.openStore()
            guard let existing = try handle.profile(named: profile) else {
                throw CLIFailure("the store \(handle.path) has no profile named '\(profile)'; session choices are "
                                 + "kept with a profile of the store",
                                 hint: "store its key pair first with 'credstore set --profile \(profile)'",
                                 exitCode: .notFound)
            }
            var updated = existing
            if sessionOnly { updated.settings[ReservedSetting.sessionOnly] = "true" }
            if noSessionOnly { updated.settings[ReservedSetting.sessionOnly] = nil }
            if let refreshWindow {
                updated.settings[ReservedSetting.sessionRefreshWindow] = refreshWindow == "default" ? nil
                    : refreshWindow
            }
            if updated != existing {
                try handle.set(updated) { current in
                    guard current != existing else { return }
                    throw CLIFailure("profile '\(profile)' in \(handle.path) was changed by another program while "
                                     + "this command ran; nothing was changed",
                                     hint: "run the command again", exitCode: .failure)
                }
            }
            let window = updated.settings[ReservedSetting.sessionRefreshWindow]
            Output.print("Profile '\(profile)': "
                         + (ReservedSetting.isSessionOnly(updated.settings)
                            ? "session-only (export, exec and credential_process hand out temporary credentials "
                                + "only; --no-session hands out the long-lived key)"
                            : "hands out its long-lived key")
                         + "; refresh window " + (window ?? "15m (default)") + ".")
        }
    }
}
