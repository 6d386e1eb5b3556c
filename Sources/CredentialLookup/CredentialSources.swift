/// Step 1: credentials given literally to the command. Found whenever the request carries them.
public struct LiteralCredentialSource: CredentialSource {
    /// Creates the source.
    public init() {}

    /// Returns the request's literal credentials, with a note that the command line is visible to other processes.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let credentials = request.literalCredentials else { return .notHere(searched: []) }
        return .found(Resolution(
            credentials: credentials, origin: CredentialOrigin(step: .literal, storeType: .literal),
            notes: ["credentials given on the command line can be seen by other users in the process list; "
                + "store them with 'credstore set' and use --profile instead"]))
    }
}

/// Step 2: the profile name and/or location given to the command. Name only: every catalog in search order;
/// location only: that file's `default`; both: that profile in that file. Not found is an error, never a
/// fall-through to later steps.
public struct SpecifiedProfileSource: CredentialSource {
    private let catalogs: ProfileCatalogs
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs to search and the opener for `--profile-location`.
    ///   - environment: The environment a `credential_process` program runs in.
    ///   - options: Timeouts.
    public init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions()) {
        self.catalogs = catalogs
        self.profiles = ProfileCredentials(environment: environment, options: options)
    }

    /// Looks up the request's profile; not applicable (not here) when the request names neither profile nor location.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        if let location = request.profileLocation {
            return resolve(location: location, profileName: request.profileName)
        }
        guard let name = request.profileName else { return .notHere(searched: []) }
        let reader = CatalogReader(catalogs.searchOrder)
        return ProfileSearch(credentials: profiles)
            .find(name, in: reader, indices: Array(reader.catalogs.indices), step: .specifiedProfile)
            .requireFound(givenBy: "--profile", profile: name)
    }

    private func resolve(location: String, profileName: String?) -> SourceResult {
        let catalog: ProfileCatalog
        do {
            catalog = try catalogs.openLocation(location)
        } catch {
            return .failed(error)
        }
        let name = profileName ?? "default"
        let givenBy = profileName == nil ? "--profile-location" : "--profile with --profile-location"
        let searched = [ProfileCredentials.searchedDescription(name, in: catalog)]
        let entry: ProfileEntry?
        do {
            entry = try catalog.profile(named: name)
        } catch {
            return .failed(error)
        }
        guard let entry else {
            return .failed(CredentialLookupError(.profileNotFound(profile: name, givenBy: givenBy, searched: searched)))
        }
        guard let result = profiles.credentials(of: entry, in: catalog, step: .specifiedProfile) else {
            return .failed(CredentialLookupError(.profileHasNoCredentials(profile: name,
                                                                          places: [ProfileCredentials.place(catalog)])))
        }
        guard case .found(var resolution) = result else { return result }
        // The location bypasses every other catalog, so only this entry's own region counts.
        if let region = entry.region {
            resolution.region = region
            resolution.regionSource = .profile(storeType: catalog.storeType, location: catalog.location,
                                               profileName: name)
        }
        return .found(resolution)
    }
}

/// Step 3: credentials passed in through the library API.
public struct ProgrammaticCredentialSource: CredentialSource {
    /// Creates the source.
    public init() {}

    /// Returns the request's programmatic credentials when it has them.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let credentials = request.programmaticCredentials else { return .notHere(searched: []) }
        return .found(Resolution(credentials: credentials,
                                 origin: CredentialOrigin(step: .programmatic, storeType: .programmatic)))
    }
}

/// Step 4: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional `AWS_SESSION_TOKEN` (or, when that is unset
/// or empty, the legacy `AWS_SECURITY_TOKEN`). Empty values count as unset; only one of the pair set is an error.
public struct EnvironmentCredentialSource: CredentialSource {
    private let environment: [String: String]

    /// Creates the source.
    ///
    /// - Parameter environment: The environment to read, normally the process's.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Reads the key pair from the environment.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let keyID = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY")
        switch (keyID, secret) {
        case (nil, nil):
            return .notHere(searched: ["environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"])
        case (nil, _):
            return .failed(CredentialLookupError(.incompleteEnvironmentCredentials(missing: "AWS_ACCESS_KEY_ID")))
        case (_, nil):
            return .failed(CredentialLookupError(.incompleteEnvironmentCredentials(missing: "AWS_SECRET_ACCESS_KEY")))
        case (let keyID?, let secret?):
            let token = (value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN")).map { SecretBytes(utf8: $0) }
            let credentials = Credentials(accessKeyID: keyID.trimmingWhitespace(),
                                          secretAccessKey: SecretBytes(utf8: secret), sessionToken: token)
            return .found(Resolution(credentials: credentials,
                                     origin: CredentialOrigin(step: .environment, storeType: .environment,
                                                              location: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")))
        }
    }
}

/// Step 5: the session profile named by `AWS_PROFILE`, searched like a `--profile` name. A session profile that does
/// not exist is an error, as in the AWS CLI.
public struct SessionProfileSource: CredentialSource {
    /// The variable that names the session profile.
    public static let variable = "AWS_PROFILE"

    private let catalogs: ProfileCatalogs
    private let environment: [String: String]
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs to search.
    ///   - environment: The environment to read `AWS_PROFILE` from, and to run `credential_process` in.
    ///   - options: Timeouts.
    public init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions()) {
        self.catalogs = catalogs
        self.environment = environment
        self.profiles = ProfileCredentials(environment: environment, options: options)
    }

    /// Looks up the `AWS_PROFILE` profile; not here when the variable is unset or empty.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        guard let name = environment[Self.variable]?.trimmingWhitespace(), !name.isEmpty else {
            return .notHere(searched: [])
        }
        let reader = CatalogReader(catalogs.searchOrder)
        return ProfileSearch(credentials: profiles)
            .find(name, in: reader, indices: Array(reader.catalogs.indices), step: .sessionProfile)
            .requireFound(givenBy: Self.variable, profile: name)
    }
}

/// Step 6: the default profile chain (by default `default` in the encrypted store, `default` in the shared credentials
/// file, `AWS PS Default` in the encrypted store). A link whose store type has no catalog is skipped.
public struct DefaultProfileChainSource: CredentialSource {
    private let catalogs: ProfileCatalogs
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs and the chain to follow.
    ///   - environment: The environment a `credential_process` program runs in.
    ///   - options: Timeouts.
    public init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions()) {
        self.catalogs = catalogs
        self.profiles = ProfileCredentials(environment: environment, options: options)
    }

    /// Follows the chain; the first link with credentials wins.
    public func resolve(_ request: LookupRequest) throws -> SourceResult {
        let reader = CatalogReader(catalogs.searchOrder)
        let search = ProfileSearch(credentials: profiles)
        var searched: [String] = []
        for link in catalogs.defaultChain {
            guard let index = reader.catalogs.firstIndex(where: { $0.storeType == link.storeType }) else { continue }
            switch search.find(link.profileName, in: reader, indices: [index], step: .defaultProfile) {
            case .notFound(let places), .settingsOnly(let places, _):
                // A `default` that holds only settings (say, a region) has no credentials to offer: keep going.
                searched += places
            case .result(.found(var resolution)):
                resolution.searched = searched + resolution.searched
                return .found(resolution)
            case .result(let other):
                return other
            }
        }
        return .notHere(searched: searched)
    }
}
