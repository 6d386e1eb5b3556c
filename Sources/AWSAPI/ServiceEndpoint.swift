/// Where requests to one AWS service go and how they are signed: the base URL and the signing region.
///
/// Resolved as botocore does for STS, IAM and KMS: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the
/// profile's `endpoint_url` (all ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or the profile's
/// `ignore_configured_endpoint_urls` is true), then the service's default endpoint for the region's partition. STS is
/// regional unless `AWS_STS_REGIONAL_ENDPOINTS` / the profile's `sts_regional_endpoints` is `legacy`, which keeps the
/// global `sts.amazonaws.com` for the regions that used it before regional endpoints existed.
package struct ServiceEndpoint: Sendable, Equatable {
    /// The signing name and endpoint prefix: `sts`, `iam` or `kms`.
    package var service: String
    /// The base URL, without a trailing slash, e.g. `https://sts.eu-west-1.amazonaws.com`.
    package var url: String
    /// The region requests are signed for.
    package var signingRegion: String
    /// Where `url` came from (`AWS_ENDPOINT_URL_STS`, `endpoint_url`, `default`), for messages.
    package var origin: String

    /// Creates an endpoint; `resolve` is the usual way.
    package init(service: String, url: String, signingRegion: String, origin: String = "given") {
        self.service = service
        self.url = url
        self.signingRegion = signingRegion
        self.origin = origin
    }

    /// The host (and port) of `url`, for messages.
    package var host: String { SplitURL(url)?.authority ?? url }

    /// The regions whose STS requests went to the global endpoint before regional endpoints (botocore's
    /// `LEGACY_GLOBAL_STS_REGIONS`).
    static let legacyGlobalSTSRegions: Set<String> = [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2",
    ]

    /// Resolves the endpoint of `service` ("sts", "iam" or "kms").
    ///
    /// - Parameters:
    ///   - region: The profile's or environment's region; nil when none is set (STS and IAM then use the global
    ///     endpoint signed for `us-east-1`; KMS needs one).
    ///   - environment: The process environment (only the `AWS_*` variables above are read).
    ///   - profileSettings: The profile's settings (`endpoint_url`, `sts_regional_endpoints`,
    ///     `ignore_configured_endpoint_urls`).
    /// - Throws: `AWSServiceError` `.endpointInvalid` for an unusable URL, region or setting.
    package static func resolve(service: String, region: String?, environment: [String: String],
                                profileSettings: [String: String]) throws -> ServiceEndpoint {
        let service = service.lowercased()
        guard ["sts", "iam", "kms"].contains(service) else {
            throw AWSServiceError(.endpointInvalid, "unknown AWS service '\(service.prefix(40))'")
        }
        let region = region.map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        if let region { try validateRegion(region) }

        let ignore = [environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"],
                      profileSettings["ignore_configured_endpoint_urls"]]
            .compactMap { $0.map { Text.trimmed($0).lowercased() } }.first == "true"
        if !ignore {
            let serviceVariable = "AWS_ENDPOINT_URL_\(service.uppercased())"
            let candidates: [(String, String?)] = [
                (serviceVariable, environment[serviceVariable]),
                ("AWS_ENDPOINT_URL", environment["AWS_ENDPOINT_URL"]),
                ("endpoint_url", profileSettings["endpoint_url"]),
            ]
            for (origin, value) in candidates {
                guard let value, !Text.trimmed(value).isEmpty else { continue }
                let url = try validateURL(Text.trimmed(value), origin: origin)
                let signing = region ?? "us-east-1"
                return ServiceEndpoint(service: service, url: url, signingRegion: signing, origin: origin)
            }
        }

        switch service {
        case "sts":
            let setting = try stsRegionalSetting(environment: environment, profileSettings: profileSettings)
            guard let region, region != "aws-global" else {
                return ServiceEndpoint(service: "sts", url: "https://sts.amazonaws.com", signingRegion: "us-east-1",
                                       origin: "default")
            }
            if setting == "legacy", legacyGlobalSTSRegions.contains(region) {
                return ServiceEndpoint(service: "sts", url: "https://sts.amazonaws.com", signingRegion: "us-east-1",
                                       origin: "default (sts_regional_endpoints = legacy)")
            }
            return ServiceEndpoint(service: "sts", url: "https://sts.\(region).\(dnsSuffix(region))",
                                   signingRegion: region, origin: "default")
        case "iam":
            if let region, region.hasPrefix("cn-") {
                return ServiceEndpoint(service: "iam", url: "https://iam.cn-north-1.amazonaws.com.cn",
                                       signingRegion: "cn-north-1", origin: "default")
            }
            if let region, region.hasPrefix("us-gov-") {
                return ServiceEndpoint(service: "iam", url: "https://iam.us-gov.amazonaws.com",
                                       signingRegion: "us-gov-west-1", origin: "default")
            }
            return ServiceEndpoint(service: "iam", url: "https://iam.amazonaws.com", signingRegion: "us-east-1",
                                   origin: "default")
        default:
            guard let region, region != "aws-global" else {
                throw AWSServiceError(.endpointInvalid, "KMS needs a region, and none is set (the profile's region "
                                      + "or AWS_REGION)")
            }
            return ServiceEndpoint(service: "kms", url: "https://kms.\(region).\(dnsSuffix(region))",
                                   signingRegion: region, origin: "default")
        }
    }

    static func dnsSuffix(_ region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }

    static func stsRegionalSetting(environment: [String: String], profileSettings: [String: String]) throws
        -> String {
        let (origin, raw) = environment["AWS_STS_REGIONAL_ENDPOINTS"].map { ("AWS_STS_REGIONAL_ENDPOINTS", $0) }
            ?? ("sts_regional_endpoints", profileSettings["sts_regional_endpoints"])
        guard let raw, !Text.trimmed(raw).isEmpty else { return "regional" }
        let value = Text.trimmed(raw).lowercased()
        guard value == "regional" || value == "legacy" else {
            throw AWSServiceError(.endpointInvalid, "\(origin) must be 'regional' or 'legacy', not "
                                  + "'\(raw.prefix(40))'")
        }
        return value
    }

    /// A region is a DNS label sequence such as `eu-west-1`; anything else would change the endpoint's host.
    static func validateRegion(_ region: String) throws {
        let ok = !region.isEmpty && region.count <= 64 && region.utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
        } && !region.hasPrefix("-") && !region.hasSuffix("-")
        guard ok else {
            throw AWSServiceError(.endpointInvalid, "the region '\(region.prefix(64))' is not a valid AWS region name "
                                  + "(lowercase letters, digits and hyphens, such as eu-west-1)")
        }
    }

    /// An endpoint URL must be `http://` or `https://` with a host and nothing but a path after it.
    static func validateURL(_ text: String, origin: String) throws -> String {
        func refuse(_ why: String) -> AWSServiceError {
            AWSServiceError(.endpointInvalid, "the endpoint URL in \(origin) "
                            + "('\(SplitURL.redacted(text).prefix(200))') is not usable: \(why)")
        }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw refuse("it contains spaces, control or non-ASCII characters")
        }
        guard let url = SplitURL(text) else { throw refuse("it is not an absolute http:// or https:// URL") }
        guard !text.contains("@") else { throw refuse("it contains user information ('@')") }
        guard url.rawQuery.isEmpty, !text.contains("?"), !text.contains("#") else {
            throw refuse("it has a query or a fragment")
        }
        let host = url.host
        guard !host.isEmpty, host != "[]" else { throw refuse("it has no host") }
        if url.authority.dropFirst(host.count).hasPrefix(":") {
            guard let port = url.port, (1...65535).contains(port) else { throw refuse("its port is not 1 to 65535") }
        }
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        return "\(url.scheme)://\(url.authority)\(path)"
    }
}
