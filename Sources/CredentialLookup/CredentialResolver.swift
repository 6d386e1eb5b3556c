import FoundationEssentials
import Glibc

/// Walks an ordered list of credential sources: the first that finds credentials wins, "not here" goes on, "failed"
/// stops the search with its error. The list is data; `SearchOrder.sources` is the documented order.
package struct CredentialResolver {
    /// The sources, in search order.
    package var sources: [CredentialSource]
    /// The environment the region variables are read from.
    package var environment: [String: String]
    /// What a profile whose long-lived key stays home needs to get a session (`SessionOnlyProfiles`); `nil`: such a
    /// profile is refused.
    package var temporary: TemporaryCredentialsContext?

    /// Creates a resolver over any list of sources.
    ///
    /// - Parameters:
    ///   - sources: The sources in search order.
    ///   - environment: Where `AWS_REGION` and `AWS_DEFAULT_REGION` are read.
    package init(sources: [CredentialSource], environment: [String: String]) {
        self.sources = sources
        self.environment = environment
    }

    /// The documented search order for `request`: `SearchOrder.sources`, leaving out the steps the request makes
    /// irrelevant (no literal or programmatic credentials, no profile or location).
    ///
    /// - Parameters:
    ///   - request: What the command asked for.
    ///   - environment: The process environment (`AWS_*`, `PATH` for `credential_process`).
    ///   - catalogs: The profile catalogs in search order, the default chain and the location opener.
    ///   - options: Timeouts.
    /// - Returns: The sources in search order.
    package static func standardSources(for request: LookupRequest, environment: [String: String],
                                       catalogs: ProfileCatalogs,
                                       options: LookupOptions = LookupOptions(),
                                       temporary: TemporaryCredentialsContext? = nil) -> [CredentialSource] {
        SearchOrder.sources(for: SourceContext(request: request, environment: environment, catalogs: catalogs,
                                               options: options, temporary: temporary))
    }

    /// A resolver with the documented search order for `request`.
    ///
    /// - Parameters:
    ///   - request: What the command asked for.
    ///   - environment: The process environment.
    ///   - catalogs: The profile catalogs.
    ///   - options: Timeouts.
    package static func standard(for request: LookupRequest, environment: [String: String], catalogs: ProfileCatalogs,
                                options: LookupOptions = LookupOptions(),
                                temporary: TemporaryCredentialsContext? = nil) -> CredentialResolver {
        var resolver = CredentialResolver(
            sources: standardSources(for: request, environment: environment, catalogs: catalogs, options: options,
                                     temporary: temporary),
            environment: environment)
        resolver.temporary = temporary
        return resolver
    }

    /// Runs the search.
    ///
    /// - Parameters:
    ///   - request: What the command asked for.
    ///   - now: The current time, for expiry checks.
    /// - Returns: The credentials, their origin, the region and its source, notes, and the places searched.
    /// - Throws: The error of the first source that failed (a catalog's own error, e.g. a store that cannot be
    ///   unlocked, is passed through unchanged); `CredentialLookupError` `.expired` for expired credentials;
    ///   `.noCredentialsFound` listing every place searched when no source had credentials.
    package func resolve(_ request: LookupRequest, now: Date = Date()) throws -> Resolution {
        var searched: [String] = []
        for source in sources {
            switch try source.resolve(request) {
            case .notHere(let places):
                searched += places
            case .failed(let error):
                throw error
            case .found(var resolution):
                if resolution.credentials.isExpired(at: now), let expiration = resolution.credentials.expiration {
                    throw CredentialLookupError(.expired(what: resolution.origin.description, expiration: expiration))
                }
                resolution.searched = searched + resolution.searched
                applyRegion(request, to: &resolution)
                return try SessionOnlyProfiles.handOut(resolution, for: request, temporary: temporary)
            }
        }
        throw CredentialLookupError(.noCredentialsFound(searched: searched))
    }

    /// `--region`, then `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's own region (already set by the
    /// source that found the credentials).
    private func applyRegion(_ request: LookupRequest, to resolution: inout Resolution) {
        if let region = request.region?.trimmingWhitespace(), !region.isEmpty {
            resolution.region = region
            resolution.regionSource = .request
            return
        }
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = environment[variable]?.trimmingWhitespace(), !region.isEmpty {
                resolution.region = region
                resolution.regionSource = .environment(variable: variable)
                return
            }
        }
    }
}
