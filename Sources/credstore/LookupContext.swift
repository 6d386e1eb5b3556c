import CredentialLookup
import FoundationEssentials

/// Everything a lookup needs, built once per command: the library's front door (`CredentialSearch`), with the store
/// opened by these options' unlock rules. The CLI and a Swift program using the library open the store the same way.
typealias LookupContext = CredentialSearch

extension CredentialSearch {
    /// The search for a command's store options: the agent, the key file, the systemd credential, the passphrase
    /// file or descriptor, then a prompt on the controlling terminal, if there is one.
    convenience init(store: StoreOptions) {
        // The environment as it is now: `export` and `exec` add the profile they resolve (CredentialProcessLoopGuard,
        // through ProcessEnvironment.set) for the credential_process programs the lookup may start.
        self.init(unlocker: store.unlocker(), environment: ProcessEnvironment.current)
        // A role or session that needs an MFA code asks on the terminal; with none (an IDE, cron) it fails at once.
        mfaPrompt = MFAPromptInput.prompt
    }
}
