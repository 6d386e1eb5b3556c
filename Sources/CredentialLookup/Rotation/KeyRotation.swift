import AWSAPI
import FoundationEssentials
import SecureStore
import SystemLayer

/// `credstore rotate`: replaces a profile's long-lived access key with a new one, crash-safe.
///
/// The order (each write is one atomic write of the place the profile lives, key and journal together):
/// 1. refuse what cannot be rotated (temporary keys, role/process profiles, a caller that is not an IAM user);
/// 2. `ListAccessKeys`: a user with two keys is refused (or, asked to, its other *inactive* key is deleted);
/// 3. journal `creating` → `CreateAccessKey` → journal `created` with the new secret (**before anything else**: the
///    secret exists only in that response);
/// 4. wait until the new key answers `GetCallerIdentity` (bounded backoff);
/// 5. switch the profile to the new key, journal `switched`;
/// 6. deactivate the old key, then delete it (unless kept inactive); clear the journal; clear cached sessions derived
///    from the old key.
///
/// A crash anywhere leaves a working key in the profile and never loses the new secret: `resume` (run first by every
/// rotation) finishes from `created`/`switched` and rolls back from `creating` (deleting a key created after the
/// journal was written, whose secret is lost). A failed AWS call before step 5 leaves the old key in use, the new key
/// (if any) deleted again; after step 5 the new key is in use and the journal finishes the rest next time.
package struct KeyRotation {
    /// The named moments a crash test stops a rotation at (DEBUG builds; `CREDSTORE_TEST_ROTATE_KILL_AT`).
    package enum FaultPoint: String, CaseIterable, Sendable {
        /// The other, inactive key was deleted (`--delete-inactive-key`).
        case afterDeleteInactive = "after-delete-inactive"
        /// The journal says `creating`; `CreateAccessKey` not called yet.
        case afterJournal = "after-journal"
        /// `CreateAccessKey` answered; its secret is only in memory.
        case afterCreate = "after-create"
        /// The new key is saved in the journal.
        case afterPersist = "after-persist"
        /// The new key answered `GetCallerIdentity`.
        case afterVerify = "after-verify"
        /// The profile uses the new key.
        case afterSwitch = "after-switch"
        /// The old key is inactive.
        case afterDeactivate = "after-deactivate"
        /// The old key is deleted; the journal not cleared yet.
        case afterDelete = "after-delete"
    }

    /// What to do.
    package struct Options: Sendable {
        /// Keep the old key, inactive, instead of deleting it.
        package var keepOldInactive = false
        /// Delete the user's other key when it is inactive, instead of refusing the rotation.
        package var deleteInactiveKey = false
        /// Rotate only a key older than this many seconds (`--if-older-than`); nil rotates any key.
        package var ifOlderThan: Double?
        /// Only say what would happen (read-only AWS calls and no writes).
        package var dryRun = false
        /// How long to wait for the new key to be accepted, in seconds.
        package var verifyTimeout: Double = 60
        /// How long to wait for another rotation of the same store or file to finish, in seconds.
        package var lockWait: Double = 180

        /// Defaults: delete the old key, refuse when two keys exist, rotate now, wait up to 60 s for the new key and
        /// 180 s for another rotation.
        package init() {}
    }

    /// What a resumed journal came to.
    package enum Resumed: String, Sendable {
        /// The interrupted rotation was completed: the profile uses the new key.
        case finished
        /// The interrupted rotation was undone: the profile uses its old key; a key created by it was deleted.
        case rolledBack = "rolled-back"
    }

    /// What a rotation did (or, in a dry run, would do).
    package struct Report: Sendable {
        /// The profile.
        package var profile: String
        /// Where it lives.
        package var place: String
        /// The interrupted rotation found and what became of it, if there was one.
        package var resumed: Resumed?
        /// Whether a new rotation ran (false: not due, or a resumed one finished the job, or a dry run).
        package var rotated = false
        /// The key the profile held at the start (after any resume).
        package var oldKeyID: String
        /// The key the profile holds now (the same as `oldKeyID` when nothing rotated).
        package var newKeyID: String
        /// Whether the old key was kept, inactive.
        package var oldKeyKeptInactive = false
        /// The other inactive key deleted on request, if any.
        package var deletedInactiveKeyID: String?
        /// When IAM created the key the profile held at the start, if known.
        package var oldKeyCreated: Date?
        /// False when `--if-older-than` found the key younger than the threshold.
        package var due = true
        /// Sessions cleared from the session cache.
        package var sessionsCleared = 0
        /// The steps, in order, as done (or to be done, in a dry run): full sentences.
        package var steps: [String] = []
        /// Whether this was a dry run.
        package var dryRun = false
    }

    /// The profile's place.
    package let holder: any RotationHolder
    /// The AWS calls.
    package let service: any AccessKeyService
    /// MFA codes for a profile with `mfa_serial`; nil when there is no way to get one.
    package var mfa: (any MFACodeSource)?
    /// The session cache to clear.
    package var sessions: any RotationSessionCache = NoSessionCache()
    /// Settings of the profile defined elsewhere (the config file's `[profile NAME]` for a credentials-file profile):
    /// `mfa_serial` and `role_arn` are read from the holder first, then from here.
    package var otherSettings: [String: String] = [:]
    /// The wall clock (key ages, MFA windows, backoff sleeps).
    package var clock: any Clock = RealtimeClock()

    #if DEBUG
    /// Test seam (DEBUG builds only): called at each `FaultPoint`. Throwing stops the rotation there with that error,
    /// as a crash at that instant would; the CLI's kill switch sends SIGKILL from here.
    package var faultHook: ((FaultPoint) throws -> Void)?
    #endif

    /// A rotation of `holder`'s profile through `service`.
    package init(holder: any RotationHolder, service: any AccessKeyService) {
        self.holder = holder
        self.service = service
    }

    private var profile: String { holder.profile }

    // MARK: - Running

    /// Resumes an interrupted rotation if the profile has one, then (if due) rotates.
    package func run(_ options: Options) throws -> Report {
        // One rotation at a time per store or file (a timer and a hand-run one must not interleave their journals);
        // a SIGKILLed holder's lock goes with it.
        let lock: FileLock? = options.dryRun ? nil : try takeLock(waiting: options.lockWait)
        defer { lock?.release() }
        var held = try holder.read()
        var report = Report(profile: profile, place: holder.place, oldKeyID: held.accessKeyID,
                            newKeyID: held.accessKeyID, dryRun: options.dryRun)
        try checkRotatable(held)
        if let journal = try RotationJournal.read(from: held.settings, profile: profile, place: holder.place) {
            if options.dryRun {
                report.steps.append(describeResume(journal))
                report.resumed = journal.phase == .creating ? .rolledBack : .finished
                if journal.phase != .creating { return report }
            } else {
                report.resumed = try resume(journal, held: held, report: &report)
                if report.resumed == .finished { return report }
                held = try holder.read()
                report.oldKeyID = held.accessKeyID
                report.newKeyID = held.accessKeyID
            }
        }
        let state = try inspect(held, options: options, report: &report)
        guard report.due else { return report }
        if options.dryRun {
            report.steps += plan(held, state: state, options: options)
            return report
        }
        try rotate(held, state: state, options: options, report: &report)
        return report
    }

    /// What `inspect` learned before any write.
    struct State {
        var userName: String
        var others: [AccessKeySummary]
        var iamCredentials: SigningCredentials
        var mfaSerial: String?
        var codeTime: Double?
    }

    /// Refuses temporary credentials and profiles that get their credentials another way.
    private func checkRotatable(_ held: HeldKey) throws {
        if held.sessionToken != nil || held.accessKeyID.hasPrefix("ASIA") {
            throw RotationError(.temporaryKey, profile: profile,
                                "profile \(profile) in \(holder.place) holds temporary credentials "
                                + "(\(held.accessKeyID)); only a long-lived access key (AKIA…) can be rotated; "
                                + "nothing was changed")
        }
        for setting in ["role_arn", "source_profile", "credential_source", "credential_process", "sso_session",
                        "sso_start_url"] where self.setting(setting, held) != nil && held.accessKeyID.isEmpty {
            throw RotationError(.notAKeyProfile, profile: profile,
                                "profile \(profile) in \(holder.place) gets its credentials through \(setting), not "
                                + "from a key of its own; rotate the key of the profile that holds it; nothing was "
                                + "changed")
        }
        if setting("role_arn", held) != nil {
            throw RotationError(.notAKeyProfile, profile: profile,
                                "profile \(profile) in \(holder.place) is a role profile (role_arn): its key is "
                                + "used to assume a role, rotate the profile that holds the user's key; nothing was "
                                + "changed")
        }
        if held.accessKeyID.isEmpty || held.secretAccessKey.isEmpty {
            throw RotationError(.notAKeyProfile, profile: profile,
                                "profile \(profile) in \(holder.place) holds no access key to rotate")
        }
    }

    /// The read-only part: who the key belongs to, its age, the user's other keys.
    private func inspect(_ held: HeldKey, options: Options, report: inout Report) throws -> State {
        let arn = try call("GetCallerIdentity with the current key \(held.accessKeyID)") {
            try service.callerARN(using: held.credentials)
        }
        let userName = try Self.userName(fromARN: arn, profile: profile)
        var state = State(userName: userName, others: [], iamCredentials: held.credentials,
                          mfaSerial: setting("mfa_serial", held))
        if let serial = state.mfaSerial {
            state.iamCredentials = try mfaSession(for: held.credentials, serial: serial, after: nil)
            state.codeTime = clock.now
        }
        let keys = try call("ListAccessKeys of user \(userName)") {
            try service.listAccessKeys(using: state.iamCredentials, userName: userName)
        }
        let own = keys.first { $0.accessKeyID == held.accessKeyID }
        report.oldKeyCreated = own?.createDate ?? held.keyCreated
        if !options.dryRun, let created = own?.createDate,
           held.keyCreated.map({ abs($0.timeIntervalSince(created)) >= 1 }) ?? true {
            // The key's age is kept with the profile, so `list --key-age` shows it without asking IAM.
            try holder.write(expectingKeyID: held.accessKeyID, newKey: nil,
                             settings: [RotationJournal.Setting.keyCreated: RotationDate.format(created)])
        }
        if let threshold = options.ifOlderThan {
            if let created = report.oldKeyCreated {
                let age = clock.now - created.timeIntervalSince1970
                if age < threshold {
                    report.due = false
                    report.steps.append("The key \(held.accessKeyID) is \(Self.days(age)) old, younger than "
                                        + "\(Self.days(threshold)): nothing to do.")
                }
            }
        }
        state.others = keys.filter { $0.accessKeyID != held.accessKeyID }
        if report.due, state.others.count + 1 >= 2 {
            let other = state.others[0]
            if !(options.deleteInactiveKey && !other.isActive && state.others.count == 1) {
                throw RotationError(.tooManyKeys, profile: profile,
                                    "user \(userName) already has two access keys (\(held.accessKeyID), which "
                                    + "profile \(profile) holds, and \(other.accessKeyID), "
                                    + "\(other.isActive ? "active" : "inactive")); IAM allows two, so no new key "
                                    + "can be created; nothing was changed")
            }
        }
        return state
    }

    /// The steps a dry run reports.
    private func plan(_ held: HeldKey, state: State, options: Options) -> [String] {
        var steps: [String] = []
        if let other = state.others.first {
            steps.append("Delete the inactive key \(other.accessKeyID) of user \(state.userName).")
        }
        if let serial = state.mfaSerial {
            steps.append("Ask for an MFA code of \(serial) and make the IAM calls in an MFA session.")
        }
        steps.append("Create a new access key for user \(state.userName) and save it in \(holder.place) before "
                     + "anything else.")
        steps.append("Wait until the new key answers GetCallerIdentity (up to \(Int(options.verifyTimeout)) s).")
        steps.append("Switch profile \(profile) in \(holder.place) from \(held.accessKeyID) to the new key.")
        steps.append("Deactivate the old key \(held.accessKeyID).")
        if !options.keepOldInactive { steps.append("Delete the old key \(held.accessKeyID).") }
        steps.append("Clear cached sessions of profile \(profile) made with \(held.accessKeyID).")
        return steps
    }

    /// Steps 2–6.
    private func rotate(_ held: HeldKey, state: State, options: Options, report: inout Report) throws {
        let old = held.accessKeyID
        if let other = state.others.first {
            try call("DeleteAccessKey of the inactive key \(other.accessKeyID)") {
                try service.deleteAccessKey(using: state.iamCredentials, accessKeyID: other.accessKeyID,
                                            userName: state.userName)
            }
            report.deletedInactiveKeyID = other.accessKeyID
            report.steps.append("Deleted the inactive key \(other.accessKeyID).")
            try reach(.afterDeleteInactive)
        }
        var journal = RotationJournal(phase: .creating, oldKeyID: old, startedAt: clock.date,
                                      keepOld: options.keepOldInactive)
        try holder.write(expectingKeyID: old, newKey: nil, settings: journal.settings)
        try reach(.afterJournal)
        let created: NewAccessKey
        do {
            created = try call("CreateAccessKey for user \(state.userName)") {
                try service.createAccessKey(using: state.iamCredentials, userName: state.userName)
            }
        } catch {
            // Nothing was created if the user has no key but the old one: the journal can go now.
            try? forgetCreatingJournal(old: old, credentials: state.iamCredentials, userName: state.userName)
            throw error
        }
        try reach(.afterCreate)
        journal.phase = .created
        journal.newKeyID = created.accessKeyID
        journal.newSecret = created.secretAccessKey
        journal.newKeyCreated = created.createDate
        try holder.write(expectingKeyID: old, newKey: nil, settings: journal.settings)
        report.steps.append("Created the key \(created.accessKeyID) and saved it in \(holder.place).")
        try reach(.afterPersist)
        _ = try complete(journal, held: held, state: state, options: options, verifyTimeout: options.verifyTimeout,
                         report: &report)
        report.rotated = true
    }

    /// From phase `created`: verify, switch, retire the old key, clear the journal and the sessions. `state` is nil
    /// when resuming a journal. A new key that is refused is deleted again and the journal cleared: a fresh rotation
    /// throws, a resumed one returns what it rolled back. A resumed one that gets no answer throws and keeps the
    /// journal, to try again later.
    ///
    /// - Returns: nil when completed; the sentence saying what was rolled back otherwise.
    private func complete(_ journal: RotationJournal, held: HeldKey, state: State?, options: Options,
                          verifyTimeout: Double, report: inout Report) throws -> String? {
        let old = journal.oldKeyID
        guard let newID = journal.newKeyID, let secret = journal.newSecret else { return nil }
        let new = SigningCredentials(accessKeyID: newID, secretAccessKey: secret)
        do {
            try waitUntilAccepted(new, userName: state?.userName, timeout: verifyTimeout)
        } catch let error as RotationError where error.code != .awsUnavailable || state != nil {
            let what = try rollBackCreated(journal, held: held, userName: state?.userName, cause: error)
            if state == nil { return "Rolled back: " + what + "." }
            throw RotationError(error.code == .awsUnavailable ? .awsUnavailable : .newKeyNotAccepted,
                                profile: profile, what)
        }
        report.steps.append("The new key \(newID) answered GetCallerIdentity.")
        try reach(.afterVerify)
        var switched = journal
        switched.phase = .switched
        switched.newSecret = nil
        var settings = switched.settings
        if let created = journal.newKeyCreated {
            settings[RotationJournal.Setting.keyCreated] = RotationDate.format(created)
        }
        try holder.write(expectingKeyID: old, newKey: (newID, secret), settings: settings)
        report.newKeyID = newID
        report.steps.append("Profile \(profile) in \(holder.place) now uses \(newID).")
        try reach(.afterSwitch)
        try retireOldKey(switched, newCredentials: new, mfaSerial: setting("mfa_serial", held),
                         codeTime: state?.codeTime, report: &report)
        return nil
    }

    /// From phase `switched`: deactivate (and delete) the old key with the new key, clear journal and sessions.
    private func retireOldKey(_ journal: RotationJournal, newCredentials: SigningCredentials, mfaSerial: String?,
                              codeTime: Double?, report: inout Report) throws {
        let old = journal.oldKeyID
        let newID = newCredentials.accessKeyID
        var credentials = newCredentials
        if let serial = mfaSerial {
            credentials = try mfaSession(for: newCredentials, serial: serial, after: codeTime)
        }
        let arn = try call("GetCallerIdentity with the new key \(newID)") {
            try service.callerARN(using: newCredentials)
        }
        let userName = try Self.userName(fromARN: arn, profile: profile)
        let keys = try call("ListAccessKeys of user \(userName)") {
            try service.listAccessKeys(using: credentials, userName: userName)
        }
        if let oldKey = keys.first(where: { $0.accessKeyID == old }) {
            if oldKey.isActive {
                try call("UpdateAccessKey (deactivate) of the old key \(old)") {
                    try service.updateAccessKey(using: credentials, accessKeyID: old, active: false,
                                                userName: userName)
                }
                report.steps.append("Deactivated the old key \(old).")
                try reach(.afterDeactivate)
            }
            if !journal.keepOld {
                try call("DeleteAccessKey of the old key \(old)") {
                    try service.deleteAccessKey(using: credentials, accessKeyID: old, userName: userName)
                }
                report.steps.append("Deleted the old key \(old).")
                try reach(.afterDelete)
            }
        }
        report.oldKeyKeptInactive = journal.keepOld
        try holder.write(expectingKeyID: newID, newKey: nil, settings: RotationJournal.cleared)
        // The cache is a convenience: a failure to clear it does not undo a finished rotation (sessions made with a
        // deleted key stop working at AWS anyway).
        report.sessionsCleared = (try? sessions.clearSessions(profile: profile, derivedFromKey: old)) ?? 0
        report.steps.append("Cleared \(report.sessionsCleared) cached session(s) made with \(old).")
    }

    // MARK: - Resuming

    /// Finishes or rolls back the journal `journal` of `held`.
    private func resume(_ journal: RotationJournal, held: HeldKey, report: inout Report) throws -> Resumed {
        switch journal.phase {
        case .creating:
            let arn = try call("GetCallerIdentity with the current key \(held.accessKeyID)") {
                try service.callerARN(using: held.credentials)
            }
            let userName = try Self.userName(fromARN: arn, profile: profile)
            var credentials = held.credentials
            if let serial = setting("mfa_serial", held) {
                credentials = try mfaSession(for: credentials, serial: serial, after: nil)
            }
            let deleted = try deleteOrphans(old: journal.oldKeyID, since: journal.startedAt, credentials: credentials,
                                            userName: userName)
            try holder.write(expectingKeyID: journal.oldKeyID, newKey: nil, settings: RotationJournal.cleared)
            report.steps.append("Rolled back an interrupted rotation of profile \(profile): "
                                + (deleted.isEmpty ? "no key had been created"
                                   : "deleted the key \(deleted.joined(separator: ", ")) whose secret was lost")
                                + "; the profile keeps \(journal.oldKeyID).")
            return .rolledBack
        case .created:
            var sub = report
            if let rolledBack = try complete(journal, held: held, state: nil, options: Options(), verifyTimeout: 30,
                                             report: &sub) {
                report.steps += sub.steps
                report.steps.append(rolledBack)
                return .rolledBack
            }
            sub.steps.insert("Finished an interrupted rotation of profile \(profile).", at: 0)
            report = sub
            return .finished
        case .switched:
            guard let newID = journal.newKeyID, held.accessKeyID == newID else {
                throw RotationError(.journalDamaged, profile: profile,
                                    "the rotation journal of profile \(profile) in \(holder.place) says the profile "
                                    + "uses \(journal.newKeyID ?? "?"), but it holds \(held.accessKeyID)")
            }
            report.steps.append("Finished an interrupted rotation of profile \(profile).")
            try retireOldKey(journal, newCredentials: held.credentials, mfaSerial: setting("mfa_serial", held),
                             codeTime: nil, report: &report)
            report.newKeyID = newID
            report.oldKeyID = journal.oldKeyID
            return .finished
        }
    }

    /// What resuming `journal` would do (dry run).
    private func describeResume(_ journal: RotationJournal) -> String {
        switch journal.phase {
        case .creating:
            return "Roll back an interrupted rotation of profile \(profile): delete any key created after "
                + "\(RotationDate.format(journal.startedAt)) other than \(journal.oldKeyID)."
        case .created:
            return "Finish an interrupted rotation of profile \(profile): verify the saved new key "
                + "\(journal.newKeyID ?? "?"), switch to it, retire \(journal.oldKeyID)."
        case .switched:
            return "Finish an interrupted rotation of profile \(profile): retire the old key \(journal.oldKeyID)."
        }
    }

    /// The new key was refused: delete it (best effort), clear the journal; the profile keeps the old key.
    ///
    /// - Returns: what happened, in words (without a final period).
    private func rollBackCreated(_ journal: RotationJournal, held: HeldKey, userName: String?,
                                 cause: RotationError) throws -> String {
        let newID = journal.newKeyID ?? "?"
        var deleted = false
        if let user = userName ?? (try? Self.userName(fromARN: service.callerARN(using: held.credentials),
                                                      profile: profile)) {
            var credentials = held.credentials
            if let serial = setting("mfa_serial", held), userName == nil,
               let session = try? mfaSession(for: credentials, serial: serial, after: nil) {
                credentials = session
            }
            deleted = (try? service.deleteAccessKey(using: credentials, accessKeyID: newID, userName: user)) != nil
        }
        try holder.write(expectingKeyID: journal.oldKeyID, newKey: nil, settings: RotationJournal.cleared)
        let what = "the new key \(newID) was not accepted (\(cause.message)); "
            + (deleted ? "it was deleted again" : "it could not be deleted and may still exist in IAM")
            + "; profile \(profile) keeps the old key \(journal.oldKeyID)"
        return what
    }

    /// Deletes the keys of `userName` other than `old` created since `since` (minus five minutes of clock skew).
    private func deleteOrphans(old: String, since: Date, credentials: SigningCredentials,
                               userName: String) throws -> [String] {
        let keys = try call("ListAccessKeys of user \(userName)") {
            try service.listAccessKeys(using: credentials, userName: userName)
        }
        var deleted: [String] = []
        for key in keys where key.accessKeyID != old && key.createDate.timeIntervalSince(since) >= -300 {
            try call("DeleteAccessKey of the key \(key.accessKeyID) an interrupted rotation created") {
                try service.deleteAccessKey(using: credentials, accessKeyID: key.accessKeyID, userName: userName)
            }
            deleted.append(key.accessKeyID)
        }
        return deleted
    }

    /// After a failed `CreateAccessKey`: the journal goes when the user has no key but `old`.
    private func forgetCreatingJournal(old: String, credentials: SigningCredentials, userName: String) throws {
        let keys = try service.listAccessKeys(using: credentials, userName: userName)
        guard keys.allSatisfy({ $0.accessKeyID == old }) else { return }
        try holder.write(expectingKeyID: old, newKey: nil, settings: RotationJournal.cleared)
    }

    // MARK: - Pieces

    private func takeLock(waiting seconds: Double) throws -> FileLock {
        do {
            return try FileLock(path: holder.lockPath, timeout: seconds)
        } catch {
            throw RotationError(.rotationInProgress, profile: profile,
                                "another rotation of a profile in \(holder.place) is running (\(error)); nothing "
                                + "was changed")
        }
    }

    /// Polls `GetCallerIdentity` with `credentials` until it answers (IAM is eventually consistent), backing off
    /// 1, 2, 4, 8 … seconds (at most 10 between tries) up to `timeout`.
    private func waitUntilAccepted(_ credentials: SigningCredentials, userName: String?, timeout: Double) throws {
        let start = clock.now
        var delay = 1.0
        while true {
            do {
                let arn = try service.callerARN(using: credentials)
                if let userName, (try? Self.userName(fromARN: arn, profile: profile)) != userName {
                    throw RotationError(.newKeyNotAccepted, profile: profile,
                                        "the new key belongs to \(arn), not to user \(userName)")
                }
                return
            } catch let error as RotationError {
                throw error
            } catch {
                if clock.now - start + delay > timeout {
                    let refused = service.isRefusal(error)
                    throw RotationError(refused ? .newKeyNotAccepted : .awsUnavailable, profile: profile,
                                        "GetCallerIdentity with the new key \(credentials.accessKeyID) still failed "
                                        + "after \(Int(clock.now - start)) s: \(service.describe(error))")
                }
            }
            clock.sleep(seconds: delay)
            delay = min(delay * 2, 10)
        }
    }

    /// An MFA session of `credentials`; a second code waits for the 30-second window after the one of `after`.
    private func mfaSession(for credentials: SigningCredentials, serial: String, after: Double?) throws
        -> SigningCredentials {
        guard let mfa else {
            throw RotationError(.mfaUnavailable, profile: profile,
                                "profile \(profile) has mfa_serial \(serial) but no MFA code can be asked for here "
                                + "(no terminal, no mfa_process); nothing was changed")
        }
        if let after {
            let nextWindow = (after / 30).rounded(.down) * 30 + 30
            if clock.now < nextWindow { clock.sleep(seconds: nextWindow - clock.now) }
        }
        let code: String
        do {
            code = try mfa.code(serialNumber: serial, profile: profile)
        } catch {
            throw RotationError(.mfaUnavailable, profile: profile,
                                "no MFA code for \(serial) of profile \(profile): \(error)")
        }
        return try call("GetSessionToken with MFA device \(serial)") {
            try service.mfaSession(using: credentials, serialNumber: serial, tokenCode: code)
        }
    }

    /// Runs one AWS call, turning its failure into a `RotationError` that names the step and says the profile is as
    /// it was (the caller's state decides what else to say).
    private func call<Result>(_ step: String, _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as RotationError {
            throw error
        } catch {
            let refused = service.isRefusal(error)
            throw RotationError(refused ? .awsRefused : .awsUnavailable, profile: profile,
                                "\(step) failed: \(service.describe(error)); profile \(profile) in \(holder.place) "
                                + "still uses \((try? holder.read().accessKeyID) ?? "its key")")
        }
    }

    /// `key` from the profile where its key lives, else from `otherSettings`.
    private func setting(_ key: String, _ held: HeldKey) -> String? {
        held.settings[key] ?? otherSettings[key]
    }

    private func reach(_ point: FaultPoint) throws {
        #if DEBUG
        try faultHook?(point)
        #endif
    }

    /// The user name of an IAM user ARN (`arn:aws:iam::123456789012:user/path/NAME`).
    static func userName(fromARN arn: String, profile: String) throws -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "iam", parts[5].hasPrefix("user/"),
              let name = parts[5].split(separator: "/").last else {
            throw RotationError(.notAnIAMUser, profile: profile,
                                "the key of profile \(profile) belongs to \(arn), not to an IAM user; only an IAM "
                                + "user's access key can be rotated; nothing was changed")
        }
        return String(name)
    }

    /// `93 days`, `12 hours`.
    static func days(_ seconds: Double) -> String {
        seconds >= 86_400 ? "\(Int(seconds / 86_400)) days" : "\(Int(seconds / 3600)) hours"
    }
}
