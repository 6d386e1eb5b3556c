/// Turns a planned `RoleChain` into the answer of a search step: the one place where a chain is executed.
///
/// Until credstore calls STS itself, every chain is refused here, from the plan (so the message names the chain that
/// would run): web identity and IAM Identity Center bases with their own codes, everything else (a role to assume, a
/// `credential_source`) with `roleNotSupported`. Executing the chain replaces only this body.
struct RoleChainResolution {
    /// Runs a base's `credential_process`, as a plain profile's.
    var profiles: ProfileCredentials

    /// The search result for `chain`, found by `step`.
    ///
    /// - Parameters:
    ///   - chain: The plan of the profile asked for.
    ///   - step: The search step that found the profile.
    func resolve(_ chain: RoleChain, step: SearchStep) -> SourceResult {
        do {
            try chain.requireSupportedBase()
        } catch {
            return .failed(error)
        }
        let selected = chain.roles.last?.profile ?? chain.base.profile
        let setting = chain.roles.isEmpty ? "credential_source" : "role_arn"
        return .failed(CredentialLookupError(.roleNotSupported(profile: chain.profileName, place: selected.place,
                                                               setting: setting, chain: chain.description)))
    }
}
