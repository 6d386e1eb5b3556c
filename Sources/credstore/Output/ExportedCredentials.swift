import CredentialLookup

/// Resolved credentials as text, for the one edge where they must leave the process (`export`, `exec`).
///
/// Built at the last moment and dropped right after use: a `String` cannot be wiped.
struct ExportedCredentials {
    let accessKeyID: String
    let secretAccessKey: String
    let sessionToken: String?
    /// RFC 3339, when the credentials are temporary.
    let expiration: String?
    let region: String?

    /// - Throws: `CLIFailure` (exit 65) when the secret or token is not UTF-8 text.
    init(_ resolution: Resolution) throws {
        let credentials = resolution.credentials
        let notText = CLIFailure("the credentials from \(resolution.origin) are not valid UTF-8 text",
                                 hint: "store the key pair again with 'credstore set'", exitCode: .invalidInput)
        guard let secret = credentials.secretAccessKey.unsafeUTF8String() else { throw notText }
        var token: String?
        if let sessionToken = credentials.sessionToken {
            // A token that is not text must fail here, not vanish from the export.
            guard let text = sessionToken.unsafeUTF8String() else { throw notText }
            token = text
        }
        accessKeyID = credentials.accessKeyID
        secretAccessKey = secret
        sessionToken = token
        expiration = credentials.expiration.map(RFC3339.format)
        region = resolution.region
    }
}
