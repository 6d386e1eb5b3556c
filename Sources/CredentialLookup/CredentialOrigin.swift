/// The kind of place credentials or a profile came from. `rawValue` is the stable name used in `--json` output and in
/// `credstore list` (`StoreTypeName`); a new credential source with a new kind of place declares its own next to
/// itself (see `CredentialSource`).
public struct StoreType: Hashable, Sendable, CustomStringConvertible {
    /// The stable name, e.g. `SecureStore`.
    public let rawValue: String
    /// A short English name for messages, e.g. "encrypted store".
    public let displayName: String

    /// A kind of place.
    ///
    /// - Parameters:
    ///   - rawValue: The stable name for `--json` output, e.g. `CredentialServer`.
    ///   - displayName: A short English name for messages, e.g. "local credential server".
    public init(rawValue: String, displayName: String) {
        self.rawValue = rawValue
        self.displayName = displayName
    }

    /// The encrypted credstore store.
    public static let secureStore = StoreType(rawValue: "SecureStore", displayName: "encrypted store")
    /// An AWS shared credentials file (`~/.aws/credentials` or `AWS_SHARED_CREDENTIALS_FILE`).
    public static let sharedCredentialsFile = StoreType(rawValue: "SharedCredentialsFile",
                                                        displayName: "shared credentials file")
    /// An AWS shared config file (`~/.aws/config` or `AWS_CONFIG_FILE`).
    public static let sharedConfigFile = StoreType(rawValue: "SharedConfigFile", displayName: "shared config file")
    /// The `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
    public static let environment = StoreType(rawValue: "Environment", displayName: "environment")
    /// Credentials given literally to the command.
    public static let literal = StoreType(rawValue: "Literal", displayName: "literal credentials")
    /// Credentials passed in through the library API.
    public static let programmatic = StoreType(rawValue: "Programmatic", displayName: "programmatic credentials")
    /// The EC2 instance metadata service (IMDSv2).
    public static let instanceMetadata = StoreType(rawValue: "InstanceMetadata",
                                                   displayName: "instance metadata service")
    /// A profile's `credential_process` program.
    public static let credentialProcess = StoreType(rawValue: "CredentialProcess", displayName: "credential_process")

    /// Two store types are the same kind of place when their stable names are equal.
    public static func == (lhs: StoreType, rhs: StoreType) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the stable name.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// The stable name, e.g. `SecureStore`.
    public var description: String { rawValue }
}

/// A step of the documented search order (`SearchOrder.sources`), named by a stable name.
///
/// The name (`rawValue`, e.g. `specifiedProfile`) is the `Step` of `credstore get --json` and never changes; adding a
/// source adds a name and moves no other. The number in messages is the step's position in `SearchOrder.sources`.
/// Each source declares its step next to itself (`SearchStep.environment` in `EnvironmentCredentialSource.swift`).
public struct SearchStep: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The stable lower-camel-case name, e.g. `specifiedProfile`.
    public let rawValue: String

    /// A step named `rawValue`; a new source declares its own (see `CredentialSource`).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The stable name, e.g. `specifiedProfile` (the same as `rawValue`).
    public var name: String { rawValue }

    /// The 1-based position of the step in `SearchOrder.sources`, or `nil` for a step that is not in that list.
    public var position: Int? { SearchOrder.steps.firstIndex(of: self).map { $0 + 1 } }

    /// The step number and name, e.g. `2 (specifiedProfile)`; just the name for a step outside the standard order.
    public var description: String { position.map { "\($0) (\(rawValue))" } ?? rawValue }
}

/// Where resolved credentials came from: the search step, the kind of store, its location and the profile name.
public struct CredentialOrigin: Equatable, Sendable, CustomStringConvertible {
    /// The search step that found the credentials.
    public var step: SearchStep
    /// Where the credentials themselves came from (`CredentialProcess` when a profile's program produced them).
    public var storeType: StoreType
    /// The file or store path, the metadata endpoint, or `nil` (environment, literal, programmatic).
    public var location: String?
    /// The profile name, when a profile was used.
    public var profileName: String?
    /// For `credential_process`: the kind of store that holds the profile naming the program.
    public var profileStoreType: StoreType?
    /// For `credential_process`: the program that was run (its first argument, never the rest of the command line).
    public var program: String?

    /// Creates an origin.
    ///
    /// - Parameters:
    ///   - step: The search step.
    ///   - storeType: Where the credentials came from.
    ///   - location: The file, store or endpoint.
    ///   - profileName: The profile name.
    ///   - profileStoreType: For `credential_process`, the store holding the profile.
    ///   - program: For `credential_process`, the program that was run.
    public init(step: SearchStep, storeType: StoreType, location: String? = nil, profileName: String? = nil,
                profileStoreType: StoreType? = nil, program: String? = nil) {
        self.step = step
        self.storeType = storeType
        self.location = location
        self.profileName = profileName
        self.profileStoreType = profileStoreType
        self.program = program
    }

    /// E.g. `profile 'prod' in the encrypted store (/home/u/.local/share/credstore/store), step 2 (specifiedProfile)`.
    public var description: String {
        var text: String
        if let profileName, storeType == .assumedRole {
            // The location is the role ARN; the profile's own place is `profileStoreType`.
            let holder = profileStoreType.map { " in the \($0.displayName)" } ?? ""
            return "role \(location ?? "?") assumed for profile '\(profileName)'\(holder), step \(step)"
        }
        if let profileName, storeType == .stsSession {
            let holder = profileStoreType?.displayName ?? "profile store"
            return "STS session of profile '\(profileName)' in the \(holder)"
                + (location.map { " (\($0))" } ?? "") + ", step \(step)"
        }
        if let profileName {
            if storeType == .credentialProcess {
                let holder = profileStoreType?.displayName ?? "profile store"
                let name = program.map { "'\($0)' " } ?? ""
                text = "credential_process \(name)of profile '\(profileName)' in the \(holder)"
            } else {
                text = "profile '\(profileName)' in the \(storeType.displayName)"
            }
        } else {
            text = storeType.displayName
        }
        if let location { text += " (\(location))" }
        return text + ", step \(step)"
    }
}
