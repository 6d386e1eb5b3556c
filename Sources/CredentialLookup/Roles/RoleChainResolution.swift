/// Turns a planned `RoleChain` into the answer of a search step: the one place where a chain is executed.
///
/// With a `TemporaryCredentialsContext` (what `CredentialSearch` and the CLI always give) the chain runs through
/// `RoleChainExecutor`: base credentials, then each role assumed through STS, sessions reused from and saved to the
/// encrypted session cache. Without one (a caller that set up its own search without STS) the chain is refused from
/// the plan, so the message names the chain that would run: web identity and IAM Identity Center bases with their
/// own codes, everything else with `roleNotSupported`.
struct RoleChainResolution {
    /// Runs a base's `credential_process`, as a plain profile's; carries the temporary-credentials context.
    var profiles: ProfileCredentials

    /// The search result for `chain`, found by `step`.
    ///
    /// - Parameters:
    ///   - chain: The plan of the profile asked for.
    ///   - step: The search step that found the profile.
    func resolve(_ chain: RoleChain, step: SearchStep) -> SourceResult {
        do {
            try chain.requireSupportedBase()
            if let temporary = profiles.temporary {
                return .found(try RoleChainExecutor(context: temporary).resolve(chain, step: step))
            }
        } catch {
            return .failed(error)
        }
        let selected = chain.roles.last?.profile ?? chain.base.profile
        let setting = chain.roles.isEmpty ? "credential_source" : "role_arn"
        return .failed(CredentialLookupError(.roleNotSupported(profile: chain.profileName, place: selected.place,
                                                               setting: setting, chain: chain.description)))
    }
}
