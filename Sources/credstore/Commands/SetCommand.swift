import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SecureStore
import SharedFileStore

/// `credstore set`: stores a key pair under a profile name (the `Set-AWSCredential -StoreAs` of credstore).
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Store an access key pair under a profile name.",
        discussion: """
            The secret access key is read from the terminal without echo, or from standard input when standard \
            input is not a terminal (one value per line: the secret access key, then the session token with \
            --with-session-token). Without --profile-location the profile goes into the encrypted store, which is \
            created on first use; with it, the profile is written to that shared credentials file, comments and \
            other profiles intact. Updating an existing profile replaces its keys and keeps its other settings.

            Example: printf '%s\\n' "$SECRET" | credstore set --profile prod --access-key AKIAIOSFODNN7EXAMPLE \
            --region eu-west-1
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: [.customShort("p"), .customLong("profile")], help: ArgumentHelp(
        "The profile name. Use 'default' for the default profile.", valueName: "name"))
    var profile: String

    @Option(name: .customLong("access-key"), help: ArgumentHelp(
        "The access key id (AKIA… or ASIA…); asked for on the terminal when left out.", valueName: "id"))
    var accessKey: String?

    @Option(name: .customLong("region"), help: ArgumentHelp("The profile's region.", valueName: "region"))
    var region: String?

    @Flag(name: .customLong("with-session-token"), help: ArgumentHelp(
        "Also read a session token (after the secret access key), for temporary credentials."))
    var withSessionToken = false

    @Option(name: .customLong("expiration"), help: ArgumentHelp(
        "When temporary credentials expire, as an RFC 3339 time (e.g. 2026-12-01T12:00:00Z).", valueName: "time"))
    var expiration: String?

    @Option(name: .customLong("profile-location"), help: ArgumentHelp(
        "Write the profile to this shared credentials file instead of the encrypted store.", valueName: "path"))
    var profileLocation: String?

    // Recognised only to refuse it with a clear message (people coming from Set-AWSCredential -SecretKey try it): a
    // secret in argv is readable by other local users through /proc and lands in shell history.
    @Option(name: .customLong("secret-key"), help: ArgumentHelp(visibility: .hidden))
    var secretKey: String?

    @Flag(name: .customLong("force"), help: ArgumentHelp(
        "Replace the profile's key pair even when it exists nowhere else (it is then lost)."))
    var force = false

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    func run() throws {
        if secretKey != nil {
            throw CLIFailure(
                "--secret-key is not accepted: a secret on the command line can be read by other local users "
                    + "(/proc/PID/cmdline) and stays in your shell history; nothing was stored",
                hint: "pipe the secret on standard input: printf '%s\\n' \"$SECRET\" | credstore set --profile "
                    + "\(profile) --access-key ID, or run the command on a terminal to be prompted without echo",
                exitCode: .usage)
        }
        if let problem = ProfileNameProblem(profile) {
            throw CLIFailure("the profile name \(JSONValue.quote(profile)) \(problem): no shared credentials or config "
                                + "file could hold it; nothing was stored",
                             hint: "choose a name of letters, digits and - _ . @ (spaces only inside)",
                             exitCode: .usage)
        }
        let accessKeyID = try askedAccessKeyID()
        let expirationDate = try expiration.map { text -> Date in
            guard let date = RFC3339.parse(Array(text.utf8)) else {
                throw CLIFailure("--expiration '\(text)' is not an RFC 3339 time",
                                 hint: "use a form like 2026-12-01T12:00:00Z", exitCode: .usage)
            }
            return date
        }
        // On a terminal the passphrase is asked (and checked) before the secret, so a mistyped passphrase cannot
        // throw away a pasted secret; piped secrets are read first, so a failed read creates no store.
        let interactive = profileLocation == nil && isatty(0) == 1
        let openedFirst = interactive ? try store.openStore(create: true) : nil
        let (secret, token) = try readSecrets()
        if let location = profileLocation.map(PathExpansion.expand) {
            try confirmReplacingInFile(location, accessKeyID: accessKeyID, secret: secret)
            try writeSharedFile(location, accessKeyID: accessKeyID, secret: secret, token: token)
            report(storeType: .sharedCredentialsFile, location: location, accessKeyID: accessKeyID, replaced: nil)
            return
        }
        let handle = try openedFirst ?? store.openStore(create: true)
        let existing = try handle.profile(named: profile)
        var settings = existing?.settings ?? [:]
        if let region { settings["region"] = region }
        if let existing, existing.accessKeyID != accessKeyID || existing.secretAccessKey != secret {
            let copies = try KeyCopies(store: EncryptedStoreCatalog(store: handle),
                                       sharedCatalogs: LookupContext(store: store).sharedCatalogs)
            try confirmReplacing(existing.accessKeyID, secret: existing.secretAccessKey, copies: copies,
                                 at: ProfilePlace(storeType: .secureStore, location: handle.path, name: profile))
        }
        // The write re-reads the profile under the store's lock: if another writer changed its key pair after the
        // check above, it is not overwritten unasked.
        try handle.set(StoredProfile(name: profile, accessKeyID: accessKeyID, secretAccessKey: secret,
                                     sessionToken: token, expiration: expirationDate, settings: settings)) { current in
            guard current?.accessKeyID != existing?.accessKeyID
                    || current?.secretAccessKey != existing?.secretAccessKey else { return }
            throw CLIFailure("profile '\(profile)' in \(handle.path) was changed by another program while this "
                                + "command ran; nothing was stored",
                             hint: "check it with 'credstore get --profile \(profile)', then run the command again",
                             exitCode: .failure)
        }
        report(storeType: .secureStore, location: handle.path, accessKeyID: accessKeyID,
               replaced: existing?.accessKeyID)
    }

    /// Asks before replacing the key pair (`accessKeyID` with `secret`) of the profile at `place` when no other
    /// profile of the store or the shared files holds it: a secret access key cannot be fetched again from AWS.
    /// `--force` skips the question; without a terminal the command is refused.
    private func confirmReplacing(_ accessKeyID: String, secret: SecretBytes, copies: KeyCopies,
                                  at place: ProfilePlace) throws {
        guard copies.isLastCopy(accessKeyID: accessKeyID, secretAccessKey: secret, leaving: [place]) else { return }
        try TerminalQuestions.requireConsent(
            "Profile '\(profile)' in \(place.location) holds access key \(accessKeyID), which exists nowhere else; "
                + "replacing it loses that key. Replace it?",
            force: force,
            refusal: "profile '\(profile)' in \(place.location) holds access key \(accessKeyID), which exists "
                + "nowhere else; replacing it would lose that key, so nothing was stored",
            hint: "save it under another name first (credstore export --profile \(profile) shows it; then "
                + "credstore set --profile NAME), store the new key under another name, or pass --force to "
                + "replace it anyway")
    }

    /// `confirmReplacing` for a profile of the shared file at `location`. The store is searched for copies only when
    /// it opens without a prompt (agent, key file): writing a plaintext file never asks for a passphrase just to look;
    /// unseen, its copies do not count, and the question is asked.
    private func confirmReplacingInFile(_ location: String, accessKeyID: String, secret: SecretBytes) throws {
        let catalog = SharedFileCatalog(path: location, kind: ProfileFileKind.guess(forPath: location))
        let place = ProfilePlace(storeType: catalog.storeType, location: location, name: profile)
        let context = LookupContext(store: store)
        var storeCatalog: EncryptedStoreCatalog?
        if EncryptedStore.exists(at: context.storeCatalog.location) {
            var unprompted = store.unlocker()
            unprompted.prompt = nil
            storeCatalog = (try? unprompted.open()).map { EncryptedStoreCatalog(store: $0) }
        }
        let copies = try KeyCopies(store: storeCatalog, sharedCatalogs: context.sharedCatalogs + [catalog])
        guard let old = copies.keyPair(at: place),
              old.accessKeyID != accessKeyID || old.secretAccessKey != secret else { return }
        try confirmReplacing(old.accessKeyID, secret: old.secretAccessKey, copies: copies, at: place)
    }

    /// The access key id: `--access-key`, else asked on the terminal (with echo: it is not secret). A value that
    /// cannot be an id is refused, and one shaped like a secret access key is never repeated in the message.
    private func askedAccessKeyID() throws -> String {
        let typed = accessKey == nil
        guard let given = accessKey ?? TerminalQuestions.ask("Access key id: ") else {
            throw CLIFailure("--access-key is missing, and no access key id could be asked for (no terminal, or "
                                + "end of input); nothing was stored",
                             hint: "pass --access-key ID (the id is not secret; the secret access key is read from "
                                + "standard input)", exitCode: .usage)
        }
        let id = String(given.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard !id.isEmpty else {
            throw CLIFailure("the access key id is empty", hint: "pass --access-key ID", exitCode: .usage)
        }
        switch AccessKeyIDShape(id) {
        case .keyID:
            return id
        case .looksLikeSecret:
            throw CLIFailure(
                "the access key id given looks like a secret access key (40 characters, not AKIA… or ASIA…); "
                    + "nothing was stored" + (typed ? "" : ", but the value is now in your shell history"),
                hint: (typed ? "" : "remove it from the shell history (bash: history -d N) and consider rotating "
                    + "the key; ") + "pass the access key id to --access-key and type the secret at the prompt or "
                    + "pipe it on standard input", exitCode: .usage)
        case .notAKeyID:
            throw CLIFailure("the access key id given is not shaped like one (16 to 128 upper-case letters and "
                                + "digits, e.g. AKIA… or ASIA…); nothing was stored",
                             hint: "copy the access key id exactly as AWS issued it", exitCode: .usage)
        }
    }

    private func readSecrets() throws -> (SecretBytes, SecretBytes?) {
        let labels = withSessionToken ? ["secret access key", "session token"] : ["secret access key"]
        let values = try SecretInput.read(labels)
        // Checked here for both destinations: the AWS tools only take text, and export would fail on it later.
        guard values.allSatisfy({ $0.unsafeUTF8String() != nil }) else {
            throw CLIFailure("the \(labels.joined(separator: " or ")) is not valid UTF-8 text; nothing was stored",
                             hint: "pass the value exactly as AWS issued it", exitCode: .invalidInput)
        }
        return (values[0], withSessionToken ? values[1] : nil)
    }

    private func writeSharedFile(_ path: String, accessKeyID: String, secret: SecretBytes,
                                 token: SecretBytes?) throws {
        guard let secretText = secret.unsafeUTF8String() else {
            throw CLIFailure("the secret is not valid UTF-8 text", exitCode: .invalidInput)  // readSecrets checked it
        }
        let kind = ProfileFileKind.guess(forPath: path)
        try SharedFileEditor.edit(path: path, kind: kind) { file in
            _ = try file.addProfile(profile)
            try file.setValue(accessKeyID, forKey: "aws_access_key_id", inProfile: profile)
            try file.setValue(secretText, forKey: "aws_secret_access_key", inProfile: profile)
            if let tokenText = token?.unsafeUTF8String() {
                try file.setValue(tokenText, forKey: "aws_session_token", inProfile: profile)
            } else {
                _ = try file.removeValue(forKey: "aws_session_token", inProfile: profile)
            }
            if let region { try file.setValue(region, forKey: "region", inProfile: profile) }
        }
    }

    private func report(storeType: StoreType, location: String, accessKeyID: String, replaced: String?) {
        if json {
            Output.printJSON([
                "ProfileName": .string(profile), "StoreTypeName": .string(storeType.rawValue),
                "ProfileLocation": .string(location), "AccessKeyId": .string(accessKeyID),
                "Replaced": replaced.map { .string($0) } ?? .null,
            ])
            return
        }
        let verb = replaced == nil ? "Stored" : "Updated"
        Output.print("\(verb) profile '\(profile)' in the \(storeType.displayName) (\(location)).")
    }
}
