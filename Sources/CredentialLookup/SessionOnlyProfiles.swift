/// What is handed out for a profile whose long-lived key stays home (issue 16 item 6; the reserved setting
/// `credstore_session_only`, FORMAT.md *Settings credstore reserves*): only temporary credentials, unless the request
/// asks for the long-lived key (`LookupRequest.allowsLongLivedKey`, the CLI's `--no-session`).
///
/// Every lookup passes through `handOut` once, after the search found credentials (`CredentialResolver`), so
/// `export`, `exec`, `credential_process`, `get` and the library's front door all follow the same rule.
enum SessionOnlyProfiles {
    /// `resolution`, or, when it holds a long-lived key that stays home and the request did not ask for it, a session
    /// made from it (`RoleChainExecutor.sessionCredentials`: STS `GetSessionToken`, with MFA when the profile has
    /// `mfa_serial`, reused from the encrypted session cache until its refresh window).
    ///
    /// - Throws: `CredentialLookupError` `.longLivedKeyWithheld` when there is no way to make a session here (a search
    ///   set up without a temporary-credentials context); the executor's errors otherwise.
    static func handOut(_ resolution: Resolution, for request: LookupRequest,
                        temporary: TemporaryCredentialsContext? = nil) throws -> Resolution {
        guard resolution.longLivedKeyStaysHome, !request.allowsLongLivedKey else { return resolution }
        let origin = resolution.origin
        if let temporary {
            let profile = resolution.sessionProfile
                ?? ProfileReference(name: origin.profileName ?? "?", storeType: origin.storeType,
                                    location: origin.location ?? "?")
            return try RoleChainExecutor(context: temporary).sessionCredentials(for: resolution, profile: profile)
        }
        throw CredentialLookupError(.longLivedKeyWithheld(
            profile: origin.profileName ?? "?",
            place: "the \(origin.storeType.displayName) (\(origin.location ?? "?"))"))
    }
}
