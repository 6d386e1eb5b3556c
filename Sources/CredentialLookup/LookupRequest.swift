/// What a command asked for: an explicit profile and/or location, literal or programmatic credentials, a region.
public struct LookupRequest: Sendable {
    /// The profile name given to the command (`--profile`), searched in every catalog in order.
    public var profileName: String?
    /// The profile file given to the command (`--profile-location`); bypasses the encrypted store.
    public var profileLocation: String?
    /// Credentials given literally to the command (search step 1; discouraged).
    public var literalCredentials: Credentials?
    /// Credentials passed in through the library API (search step 3).
    public var programmaticCredentials: Credentials?
    /// The region given to the command (`--region`); beats every other region source.
    public var region: String?
    /// Hand out the long-lived key even of a profile set to hand out only temporary credentials (the CLI's
    /// `--no-session`). Off by default: such a profile's long-lived key never leaves unless asked for this way.
    public var allowsLongLivedKey = false

    /// Creates a request; every part is optional.
    ///
    /// - Parameters:
    ///   - profileName: `--profile`.
    ///   - profileLocation: `--profile-location`.
    ///   - literalCredentials: Credentials given on the command line.
    ///   - programmaticCredentials: Credentials passed in through the library API.
    ///   - region: `--region`.
    public init(profileName: String? = nil, profileLocation: String? = nil, literalCredentials: Credentials? = nil,
                programmaticCredentials: Credentials? = nil, region: String? = nil) {
        self.profileName = profileName
        self.profileLocation = profileLocation
        self.literalCredentials = literalCredentials
        self.programmaticCredentials = programmaticCredentials
        self.region = region
    }
}

/// Bounded knobs of a lookup. Each one trades waiting time against giving up on a slow but working source.
public struct LookupOptions: Sendable {
    /// The allowed range of `credentialProcessTimeout`, in seconds.
    public static let credentialProcessTimeoutRange: ClosedRange<Double> = 1...600
    /// The allowed range of `instanceMetadataTimeout`, in seconds.
    public static let instanceMetadataTimeoutRange: ClosedRange<Double> = 0.1...10

    /// How long a `credential_process` program may run before it is killed (seconds, clamped to 1...600).
    public var credentialProcessTimeout: Double {
        didSet { credentialProcessTimeout = credentialProcessTimeout.clamped(to: Self.credentialProcessTimeoutRange) }
    }

    /// The total time the IMDSv2 exchange may take, connect included (seconds, clamped to 0.1...10). Every
    /// credstore command off EC2 waits this long when the endpoint does not answer, so keep it short.
    /// `AWS_METADATA_SERVICE_TIMEOUT` overrides it, within the same bounds.
    public var instanceMetadataTimeout: Double {
        didSet { instanceMetadataTimeout = instanceMetadataTimeout.clamped(to: Self.instanceMetadataTimeoutRange) }
    }

    /// The allowed range of `stsTimeout`, in seconds.
    public static let stsTimeoutRange: ClosedRange<Double> = 1...60
    /// The environment variable that overrides `stsTimeout` for a run.
    public static let stsTimeoutVariable = "CREDSTORE_STS_TIMEOUT"

    /// How long one STS request may take, connection included (seconds, clamped to 1...60); a request that times
    /// out is retried as the SDKs' standard mode does (`AWS_MAX_ATTEMPTS`, 3 attempts in all by default).
    /// `CREDSTORE_STS_TIMEOUT` overrides it, within the same bounds.
    public var stsTimeout: Double = 10 {
        didSet { stsTimeout = stsTimeout.clamped(to: Self.stsTimeoutRange) }
    }

    /// `stsTimeout`, or `CREDSTORE_STS_TIMEOUT` from `environment` when it is a number.
    func stsTimeout(environment: [String: String]) -> Double {
        guard let text = environment[Self.stsTimeoutVariable], let seconds = Double(text.trimmingWhitespace()) else {
            return stsTimeout
        }
        return seconds.clamped(to: Self.stsTimeoutRange)
    }

    /// Creates options, clamping each knob to its range.
    ///
    /// - Parameters:
    ///   - credentialProcessTimeout: Seconds a `credential_process` program may run.
    ///   - instanceMetadataTimeout: Seconds the whole IMDSv2 exchange may take.
    public init(credentialProcessTimeout: Double = 30, instanceMetadataTimeout: Double = 1) {
        self.credentialProcessTimeout = credentialProcessTimeout.clamped(to: Self.credentialProcessTimeoutRange)
        self.instanceMetadataTimeout = instanceMetadataTimeout.clamped(to: Self.instanceMetadataTimeoutRange)
    }
}

extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double {
        guard !isNaN else { return range.lowerBound }
        return Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
