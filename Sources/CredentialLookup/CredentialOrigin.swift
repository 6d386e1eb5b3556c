/// The kind of place credentials or a profile came from; the raw values are the stable names used in `--json`
/// output and in `credstore list` (`StoreTypeName`).
public enum StoreType: String, CaseIterable, Sendable {
    /// The encrypted credstore store.
    case secureStore = "SecureStore"
    /// An AWS shared credentials file (`~/.aws/credentials` or `AWS_SHARED_CREDENTIALS_FILE`).
    case sharedCredentialsFile = "SharedCredentialsFile"
    /// An AWS shared config file (`~/.aws/config` or `AWS_CONFIG_FILE`).
    case sharedConfigFile = "SharedConfigFile"
    /// The `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
    case environment = "Environment"
    /// Credentials given literally to the command.
    case literal = "Literal"
    /// Credentials passed in through the library API.
    case programmatic = "Programmatic"
    /// The EC2 instance metadata service (IMDSv2).
    case instanceMetadata = "InstanceMetadata"
    /// A profile's `credential_process` program.
    case credentialProcess = "CredentialProcess"

    /// A short English name for messages, e.g. "encrypted store".
    public var displayName: String {
        switch self {
        case .secureStore: return "encrypted store"
        case .sharedCredentialsFile: return "shared credentials file"
        case .sharedConfigFile: return "shared config file"
        case .environment: return "environment"
        case .literal: return "literal credentials"
        case .programmatic: return "programmatic credentials"
        case .instanceMetadata: return "instance metadata service"
        case .credentialProcess: return "credential_process"
        }
    }
}

/// The step of the documented search order (DESIGN.md, "The lookup layer (CredentialLookup) — search order") that
/// produced credentials.
public enum SearchStep: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// 1. Literal credentials given to the command.
    case literal = 1
    /// 2. A profile name and/or location given to the command.
    case specifiedProfile = 2
    /// 3. Credentials passed in through the library API.
    case programmatic = 3
    /// 4. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    case environment = 4
    /// 5. The session profile, `AWS_PROFILE`.
    case sessionProfile = 5
    /// 6. The default profile chain: `default` in the store, `default` in the shared credentials file,
    /// `AWS PS Default` in the store.
    case defaultProfile = 6
    /// 7. IMDSv2 instance-role credentials.
    case instanceMetadata = 7

    /// Orders steps by their position in the search order.
    public static func < (lhs: SearchStep, rhs: SearchStep) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A stable lower-camel-case name for `--json` output, e.g. `specifiedProfile`.
    public var name: String {
        switch self {
        case .literal: return "literal"
        case .specifiedProfile: return "specifiedProfile"
        case .programmatic: return "programmatic"
        case .environment: return "environment"
        case .sessionProfile: return "sessionProfile"
        case .defaultProfile: return "defaultProfile"
        case .instanceMetadata: return "instanceMetadata"
        }
    }

    /// The step number and name, e.g. `2 (specifiedProfile)`.
    public var description: String { "\(rawValue) (\(name))" }
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
