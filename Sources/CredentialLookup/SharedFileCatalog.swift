import Glibc

/// One shared profile file (credentials or config) as a profile catalog.
///
/// The file is read and parsed once, on first use; a missing file is an empty catalog, as in the AWS SDKs.
/// Sub-properties (`s3 =` blocks) are not credential settings and are left out of the entry.
public final class SharedFileCatalog: ProfileCatalog {
    /// `.sharedCredentialsFile` or `.sharedConfigFile`.
    public let storeType: StoreType
    /// The file path.
    public let location: String
    /// Whether the file is read with credentials-file or config-file rules.
    public let kind: ProfileFileKind
    private let mustExist: Bool
    private var document: ProfileFile?

    /// Creates a catalog over the file at `path`.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - kind: Credentials-file rules (`[name]`) or config-file rules (`[profile name]`).
    ///   - mustExist: Whether a missing file is an error (for `--profile-location`) instead of an empty catalog.
    public init(path: String, kind: ProfileFileKind, mustExist: Bool = false) {
        location = path
        self.kind = kind
        self.mustExist = mustExist
        storeType = kind == .config ? .sharedConfigFile : .sharedCredentialsFile
    }

    /// The parsed file.
    ///
    /// - Throws: `SharedFileError` for a malformed file or a read failure; `CredentialLookupError` when `mustExist`
    ///   and the file is missing.
    public func file() throws -> ProfileFile {
        if let document { return document }
        if mustExist, access(location, F_OK) != 0 {
            throw CredentialLookupError(.profileFileMissing(path: location, errno: errno))
        }
        let loaded = try ProfileFile.load(path: location, kind: kind)
        document = loaded
        return loaded
    }

    /// The profile names of the file, in file order.
    public func profileNames() throws -> [String] { try file().profileNames }

    /// The keys whose values are handed to programs (in the environment, where a NUL byte ends the value, or printed,
    /// where it does not): a NUL byte in one is refused rather than handed over two different ways.
    static let credentialKeys: Set<String> = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]

    /// The profile `name`, or `nil` when the file does not define it.
    ///
    /// - Throws: `SharedFileError` (`.malformedFile`) when a credential value holds a NUL byte.
    public func profile(named name: String) throws -> ProfileEntry? {
        guard let properties = try file().profile(name) else { return nil }
        var flat: [String: String] = [:]
        for (key, value) in properties {
            guard let string = value.stringValue else { continue }
            if Self.credentialKeys.contains(key), string.utf8.contains(0) {
                throw SharedFileError.credentialWithNUL(key: key, profile: name, path: location)
            }
            flat[key] = string
        }
        return ProfileEntry(name: name, properties: flat)
    }
}

extension ProfileFileKind {
    /// The rules a file given by path is read with: config rules for a file named `config` (or `*.config`),
    /// credentials rules otherwise — `--profile-location` normally points at a credentials file.
    public static func guess(forPath path: String) -> ProfileFileKind {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name == "config" || name.hasSuffix(".config") ? .config : .credentials
    }
}
