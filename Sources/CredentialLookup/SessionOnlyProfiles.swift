/// What is handed out for a profile whose long-lived key stays home (issue 16 item 6; the reserved setting
/// `credstore_session_only`, FORMAT.md *Settings credstore reserves*): only temporary credentials, unless the request
/// asks for the long-lived key (`LookupRequest.allowsLongLivedKey`, the CLI's `--no-session`).
///
/// Every lookup passes through `handOut` once, after the search found credentials (`CredentialResolver`), so
/// `export`, `exec`, `credential_process`, `get` and the library's front door all follow the same rule.
enum SessionOnlyProfiles {
    /// `resolution`, or the refusal when it holds a long-lived key that stays home and the request did not ask for
    /// it.
    ///
    /// This build cannot make temporary credentials yet, so such a profile is refused; making them here (STS
    /// `GetSessionToken`, optionally with MFA, through the session cache) replaces exactly the `throw` below.
    ///
    /// - Throws: `CredentialLookupError` `.longLivedKeyWithheld` naming the profile and its place.
    static func handOut(_ resolution: Resolution, for request: LookupRequest) throws -> Resolution {
        guard resolution.longLivedKeyStaysHome, !request.allowsLongLivedKey else { return resolution }
        let origin = resolution.origin
        throw CredentialLookupError(.longLivedKeyWithheld(
            profile: origin.profileName ?? "?",
            place: "the \(origin.storeType.displayName) (\(origin.location ?? "?"))"))
    }
}
