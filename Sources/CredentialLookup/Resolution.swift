/// Where the region of a resolution came from.
public enum RegionSource: Equatable, Sendable, CustomStringConvertible {
    /// The request (`--region`).
    case request
    /// An environment variable, `AWS_REGION` or `AWS_DEFAULT_REGION`.
    case environment(variable: String)
    /// The `region` setting of a profile.
    case profile(storeType: StoreType, location: String, profileName: String)

    /// E.g. `AWS_REGION` or `profile 'prod' in the shared config file (/home/u/.aws/config)`.
    public var description: String {
        switch self {
        case .request: return "--region"
        case .environment(let variable): return variable
        case .profile(let storeType, let location, let profileName):
            return "profile '\(profileName)' in the \(storeType.displayName) (\(location))"
        }
    }
}

/// The answer of a lookup: credentials, where they came from, the region and its source, and notes for the user.
public struct Resolution: Sendable {
    /// The credentials.
    public var credentials: Credentials
    /// Where the credentials came from.
    public var origin: CredentialOrigin
    /// The region, if any source gave one.
    public var region: String?
    /// Where `region` came from.
    public var regionSource: RegionSource?
    /// Things the user should know, e.g. that literal credentials are visible to other processes.
    public var notes: [String]
    /// The places searched, in order, before the credentials were found.
    public var searched: [String]
    /// The credentials are the long-lived key of a store profile whose owner chose that it stays home
    /// (`credstore_session_only`): they are handed out only when the request asks for the long-lived key
    /// (`LookupRequest.allowsLongLivedKey`); `SessionOnlyProfiles` decides.
    package var longLivedKeyStaysHome = false
    /// For a long-lived key that stays home: the profile with the settings its session needs (`mfa_serial`,
    /// `mfa_process`, `region`, endpoint and CA settings, the reserved refresh window), gathered by the search.
    package var sessionProfile: ProfileReference?

    /// Creates a resolution.
    ///
    /// - Parameters:
    ///   - credentials: The credentials.
    ///   - origin: Where they came from.
    ///   - region: The region, if known.
    ///   - regionSource: Where the region came from.
    ///   - notes: Notes for the user.
    ///   - searched: Places searched before these credentials were found.
    public init(credentials: Credentials, origin: CredentialOrigin, region: String? = nil,
                regionSource: RegionSource? = nil, notes: [String] = [], searched: [String] = []) {
        self.credentials = credentials
        self.origin = origin
        self.region = region
        self.regionSource = regionSource
        self.notes = notes
        self.searched = searched
    }
}
