extension SearchStep {
    /// A profile name and/or location given to the command.
    package static let specifiedProfile = SearchStep(rawValue: "specifiedProfile")
}

/// The profile name and/or location given to the command. Name only: every catalog in search order;
/// location only: that file's `default`; both: that profile in that file. Not found is an error, never a
/// fall-through to later steps.
package struct SpecifiedProfileSource: CredentialSource {
    /// `.specifiedProfile`.
    package static let step = SearchStep.specifiedProfile

    private let catalogs: ProfileCatalogs
    private let profiles: ProfileCredentials

    /// Creates the source.
    ///
    /// - Parameters:
    ///   - catalogs: The catalogs to search and the opener for `--profile-location`.
    ///   - environment: The environment a `credential_process` program runs in.
    ///   - options: Timeouts.
    ///   - temporary: What role and session profiles need (STS, the session cache, MFA); `nil`: such profiles fail
    ///     as not supported.
    package init(catalogs: ProfileCatalogs, environment: [String: String], options: LookupOptions = LookupOptions(),
                 temporary: TemporaryCredentialsContext? = nil) {
        self.catalogs = catalogs
        self.profiles = ProfileCredentials(environment: environment, options: options, temporary: temporary)
    }

    /// The source when the request names a profile or a location; left out otherwise.
    package static func make(for context: SourceContext) -> SpecifiedProfileSource? {
        let request = context.request
        guard request.profileName != nil || request.profileLocation != nil else { return nil }
        return SpecifiedProfileSource(catalogs: context.catalogs, environment: context.environment,
                                      options: context.options, temporary: context.temporary)
    }

    /// Looks up the request's profile; not applicable (not here) when the request names neither profile nor location.
    package func resolve(_ request: LookupRequest) throws -> SourceResult {
        if let location = request.profileLocation {
            return resolve(location: location, profileName: request.profileName)
        }
        guard let name = request.profileName else { return .notHere(searched: []) }
        let reader = CatalogReader(catalogs.searchOrder)
        return ProfileSearch(credentials: profiles)
            .find(name, in: reader, indices: Array(reader.catalogs.indices), step: Self.step)
            .requireFound(selectedBy: .profileName, profile: name)
    }

    private func resolve(location: String, profileName: String?) -> SourceResult {
        let catalog: ProfileCatalog
        do {
            catalog = try catalogs.openLocation(location)
        } catch {
            return .failed(error)
        }
        let name = profileName ?? "default"
        let selection: CredentialLookupError.ProfileSelection =
            profileName == nil ? .profileLocation : .profileNameAndLocation
        let searched = [ProfileCredentials.searchedDescription(name, in: catalog)]
        // One reader: the planner below reads through the same cache, so the file's profile is read once.
        let reader = CatalogReader([catalog])
        let entry: ProfileEntry?
        do {
            entry = try reader.profile(name, inCatalogAt: 0)
        } catch {
            return .failed(error)
        }
        guard let entry else {
            return .failed(CredentialLookupError(.profileNotFound(profile: name, selection: selection,
                                                                  searched: searched)))
        }
        // A role profile in the given file: its source profiles are looked for in that file too.
        do {
            if let chain = try RoleChainPlanner(reader: reader).planIfNeeded(name, restrictedTo: [0]) {
                return RoleChainResolution(profiles: profiles).resolve(chain, step: Self.step)
            }
        } catch {
            return .failed(error)
        }
        guard let result = profiles.credentials(of: entry, in: catalog, step: Self.step) else {
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
