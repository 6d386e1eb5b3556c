import CredentialLookup
import FoundationEssentials
import Glibc

/// Turns a `credential_process` that runs `credstore export` for the very profile being looked up into one clear
/// error. This happens after `migrate --rewire-config` when the store lacks the profile: the lookup falls through to
/// the config file, whose `credential_process` starts credstore again for the same name. Without this guard only the
/// generic nesting limit (CREDSTORE_CREDENTIAL_PROCESS_DEPTH) would stop it, several processes deep.
enum CredentialProcessLoopGuard {
    /// The profiles that enclosing `credstore export`/`exec` processes are resolving, one per line, each as the
    /// store's `FileIdentity` text, a tab, and the profile name: the same name exported from another store is no loop.
    static let variable = "CREDSTORE_RESOLVING_PROFILES"
    /// Set by the credential_process runner in the children it starts.
    static let depthVariable = CredentialProcessRunner.depthVariable

    /// Fails when an enclosing credstore is already resolving `profile` and started this process as its
    /// `credential_process`; otherwise records `profile` for the credential programs this process may start.
    static func enter(profile: String?, storePath: String) throws {
        guard let profile else { return }
        let environment = ProcessEnvironment.current
        let resolving = (environment[variable] ?? "").split(separator: "\n").map(String.init)
        let depth = Int(environment[depthVariable] ?? "") ?? 0
        let entry = FileIdentity(path: storePath).text + "\t" + profile
        if depth > 0, resolving.contains(entry) {
            throw CLIFailure(
                "credential_process loop: profile '\(profile)' is not in the encrypted store \(storePath), so the "
                    + "lookup fell through to a credential_process that runs 'credstore export --profile "
                    + "\(profile)' again",
                hint: "store the profile ('credstore set --profile \(profile)' or 'credstore migrate --profile "
                    + "\(profile)'), or remove credential_process from that profile in the config file "
                    + "(AWS_CONFIG_FILE or ~/.aws/config)",
                exitCode: .notFound)
        }
        ProcessEnvironment.set(variable, to: (resolving + [entry]).joined(separator: "\n"))
    }
}
