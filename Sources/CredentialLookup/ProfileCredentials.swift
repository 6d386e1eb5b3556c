import SecureStore

/// Turns profiles into credentials: static keys or `credential_process` (role, web identity and SSO profiles are
/// planned by `RoleChainPlanner` and answered by `RoleChainResolution`).
/// Shared by the specified-profile, session-profile and default-profile steps.
struct ProfileCredentials {
    /// Settings that make a profile assume a role; credstore does not do that yet.
    static let roleSettings = ["role_arn", "source_profile", "credential_source", "web_identity_token_file"]
    /// Settings that make a profile use IAM Identity Center.
    static let ssoSettings = ["sso_session", "sso_start_url"]

    var environment: [String: String]
    var options: LookupOptions
    /// What role profiles need (STS, the session cache, MFA codes); `nil`: they fail as not supported.
    var temporary: TemporaryCredentialsContext?

    init(environment: [String: String], options: LookupOptions, temporary: TemporaryCredentialsContext? = nil) {
        self.environment = environment
        self.options = options
        self.temporary = temporary
    }

    /// "the shared credentials file (/home/u/.aws/credentials)".
    static func place(_ catalog: ProfileCatalog) -> String {
        "the \(catalog.storeType.displayName) (\(catalog.location))"
    }

    /// "profile 'prod' in the shared credentials file (/home/u/.aws/credentials)".
    static func searchedDescription(_ name: String, in catalog: ProfileCatalog) -> String {
        "profile '\(name)' in \(place(catalog))"
    }

    /// Credentials from `entry`, `nil` when the entry holds none (settings only), or a failure that stops the search.
    func credentials(of entry: ProfileEntry, in catalog: ProfileCatalog, step: SearchStep) -> SourceResult? {
        let place = Self.place(catalog)
        func setting(_ name: String) -> String? {
            guard let value = entry.settings[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
            return value
        }
        // `ProfileSearch` plans role, credential_source, web identity and SSO profiles before it gets here; this
        // only keeps a caller that skipped the planner from reading such a profile's keys as its credentials.
        if RoleChainPlanner.needsPlan(entry) {
            guard let setting = ["role_arn", "credential_source", "web_identity_token_file"]
                .first(where: { setting($0) != nil }) else {
                return .failed(CredentialLookupError(.ssoNotSupported(profile: entry.name, place: place)))
            }
            return .failed(CredentialLookupError(.roleNotSupported(profile: entry.name, place: place, setting: setting,
                                                                   chain: nil)))
        }
        let keyID = entry.accessKeyID?.trimmingWhitespace() ?? ""
        let hasSecret = !(entry.secretAccessKey?.isEmpty ?? true)
        if !keyID.isEmpty || hasSecret {
            guard !keyID.isEmpty else {
                return .failed(CredentialLookupError(.incompleteProfile(profile: entry.name, place: place,
                                                                        missing: "aws_access_key_id")))
            }
            guard let secret = entry.secretAccessKey, hasSecret else {
                return .failed(CredentialLookupError(.incompleteProfile(profile: entry.name, place: place,
                                                                        missing: "aws_secret_access_key")))
            }
            let token = entry.sessionToken.flatMap { $0.isEmpty ? nil : $0 }
            var notes: [String] = []
            if setting("credential_process") != nil {
                notes.append("profile '\(entry.name)' in \(place) has both static keys and credential_process; "
                    + "the static keys were used")
            }
            if let phase = entry.reservedSettings[RotationJournal.Setting.phase]
                ?? entry.settings[RotationJournal.Setting.phase] {
                notes.append("a key rotation of profile '\(entry.name)' in \(place) was interrupted (phase \(phase)); "
                    + "the key used still works, and rotating the profile again finishes or rolls back the rotation")
            }
            let origin = CredentialOrigin(step: step, storeType: catalog.storeType, location: catalog.location,
                                          profileName: entry.name)
            var resolution = Resolution(
                credentials: Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token,
                                         expiration: entry.expiration),
                origin: origin, notes: notes)
            resolution.longLivedKeyStaysHome = token == nil && ReservedSetting.isSessionOnly(entry.reservedSettings)
            return .found(resolution)
        }
        if let command = setting("credential_process") {
            return runCredentialProcess(command, profile: entry.name, storeType: catalog.storeType,
                                        location: catalog.location, step: step)
        }
        return nil
    }

    /// Runs a profile's `credential_process` (also the base of a role chain, `RoleChainExecutor`).
    func runCredentialProcess(_ command: String, profile: String, storeType: StoreType, location: String,
                              step: SearchStep) -> SourceResult {
        var context = CredentialLookupError.ProcessContext(profile: profile,
                                                           place: "the \(storeType.displayName) (\(location))")
        let arguments: [String]
        do {
            arguments = try CommandLineSplitter.split(command)
        } catch {
            return .failed(CredentialLookupError(.invalidCredentialProcessCommand(context: context,
                                                                                  reason: "\(error)")))
        }
        guard let program = arguments.first, !program.isEmpty else {
            return .failed(CredentialLookupError(.invalidCredentialProcessCommand(context: context,
                                                                                  reason: "it names no program")))
        }
        context.program = program
        let runner = CredentialProcessRunner(environment: environment, timeout: options.credentialProcessTimeout)
        switch runner.run(arguments) {
        case .failure(let failure):
            return .failed(CredentialLookupError(.credentialProcessFailed(context: context, failure: failure)))
        case .success(let stdout):
            do {
                let credentials = try CredentialProcessReply.parse(stdout)
                let origin = CredentialOrigin(step: step, storeType: .credentialProcess, location: location,
                                              profileName: profile, profileStoreType: storeType,
                                              program: program)
                return .found(Resolution(credentials: credentials, origin: origin))
            } catch let error as CredentialLookupError {
                guard case .invalidCredentialProcessOutput(_, let reason) = error.kind else { return .failed(error) }
                return .failed(CredentialLookupError(.invalidCredentialProcessOutput(context: context,
                                                                                     reason: reason)))
            } catch {
                return .failed(error)
            }
        }
    }
}

/// Reads profiles from catalogs at most once per lookup, so the region fallback does not unlock a store twice.
final class CatalogReader {
    let catalogs: [ProfileCatalog]
    private var cache: [String: ProfileEntry?] = [:]

    init(_ catalogs: [ProfileCatalog]) { self.catalogs = catalogs }

    func profile(_ name: String, inCatalogAt index: Int) throws -> ProfileEntry? {
        let key = "\(index)\u{0}\(name)"
        if let cached = cache[key] { return cached }
        let entry = try catalogs[index].profile(named: name)
        cache[key] = .some(entry)
        return entry
    }
}

/// Searches catalogs for a profile name: the first entry with credentials wins; its region, when it has none, comes
/// from the same-named profile in the other catalogs (as the SDKs merge the shared credentials and config files).
struct ProfileSearch {
    enum Outcome {
        case result(SourceResult)
        case notFound(searched: [String])
        /// The profile exists only without credentials (say, just a region) in `places`.
        case settingsOnly(searched: [String], places: [String])

        /// `notFound` and `settingsOnly` as the failure a named lookup reports.
        func requireFound(selectedBy selection: CredentialLookupError.ProfileSelection,
                          profile name: String) -> SourceResult {
            switch self {
            case .result(let result):
                return result
            case .notFound(let searched):
                return .failed(CredentialLookupError(.profileNotFound(profile: name, selection: selection,
                                                                      searched: searched)))
            case .settingsOnly(_, let places):
                return .failed(CredentialLookupError(.profileHasNoCredentials(profile: name, places: places)))
            }
        }
    }

    var credentials: ProfileCredentials

    func find(_ name: String, in reader: CatalogReader, indices: [Int], step: SearchStep) -> Outcome {
        // A profile that assumes a role (or names a credential_source, a web identity or SSO) is planned first; its
        // source profiles may be anywhere in the search order.
        do {
            if let chain = try RoleChainPlanner(reader: reader).planIfNeeded(name, restrictedTo: indices) {
                return .result(RoleChainResolution(profiles: credentials).resolve(chain, step: step))
            }
        } catch {
            return .result(.failed(error))
        }
        var searched: [String] = []
        var placesWithSettingsOnly: [String] = []
        for index in indices {
            let catalog = reader.catalogs[index]
            searched.append(ProfileCredentials.searchedDescription(name, in: catalog))
            let entry: ProfileEntry?
            do {
                entry = try reader.profile(name, inCatalogAt: index)
            } catch {
                return .result(.failed(error))
            }
            guard let entry else { continue }
            guard let result = credentials.credentials(of: entry, in: catalog, step: step) else {
                placesWithSettingsOnly.append(ProfileCredentials.place(catalog))
                continue
            }
            guard case .found(var resolution) = result else { return .result(result) }
            resolution.searched = Array(searched.dropLast())
            addRegion(to: &resolution, profile: name, foundAt: index, reader: reader)
            if resolution.longLivedKeyStaysHome {
                resolution.sessionProfile = sessionProfile(name, entry: entry, foundAt: index, reader: reader)
            }
            return .result(.found(resolution))
        }
        if !placesWithSettingsOnly.isEmpty {
            return .settingsOnly(searched: searched, places: placesWithSettingsOnly)
        }
        return .notFound(searched: searched)
    }

    /// The settings a session of the profile `name` needs: the entry's own (reserved ones included), then, for those
    /// it lacks, the same-named profile's in the other catalogs in search order (a store profile's `mfa_serial` often
    /// lives in the shared config file).
    func sessionProfile(_ name: String, entry: ProfileEntry, foundAt foundIndex: Int,
                        reader: CatalogReader) -> ProfileReference {
        var settings = entry.settings.merging(entry.reservedSettings) { own, _ in own }
        let keys = ["mfa_serial", "mfa_process", "region", "endpoint_url", "sts_regional_endpoints", "ca_bundle",
                    "ignore_configured_endpoint_urls"]
        for index in reader.catalogs.indices where index != foundIndex {
            guard let other = try? reader.profile(name, inCatalogAt: index) else { continue }
            for key in keys where settings[key] == nil {
                if let value = other.settings[key] { settings[key] = value }
            }
        }
        let catalog = reader.catalogs[foundIndex]
        return ProfileReference(name: name, storeType: catalog.storeType, location: catalog.location,
                                settings: settings)
    }

    /// Sets the profile's region from the entry that gave the credentials, else from the same-named profile in the
    /// other catalogs in search order. A catalog that cannot be read here only costs the region, so it becomes a note.
    func addRegion(to resolution: inout Resolution, profile name: String, foundAt foundIndex: Int,
                   reader: CatalogReader) {
        for index in [foundIndex] + reader.catalogs.indices.filter({ $0 != foundIndex }) {
            let catalog = reader.catalogs[index]
            do {
                if let region = try reader.profile(name, inCatalogAt: index)?.region {
                    resolution.region = region
                    resolution.regionSource = .profile(storeType: catalog.storeType, location: catalog.location,
                                                       profileName: name)
                    return
                }
            } catch {
                resolution.notes.append("the region of profile '\(name)' could not be read from "
                    + "\(ProfileCredentials.place(catalog)): \(error)")
            }
        }
    }
}
