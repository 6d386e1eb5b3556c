import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc

/// `credstore export`: prints resolved credentials for another tool: as a `credential_process` reply, shell `export`
/// lines, or JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print credentials for the AWS CLI, the SDKs or a shell.",
        discussion: """
            --format credential-process prints the AWS credential_process Version 1 JSON, so that a profile in \
            ~/.aws/config with

                credential_process = /usr/local/bin/credstore export --profile NAME --format credential-process

            makes every AWS CLI and SDK call use the encrypted store. --format env prints shell-quoted \
            'export AWS_ACCESS_KEY_ID=…' lines (use with eval), and --format json a JSON object that also says \
            where the credentials came from. This command prints secrets on standard output by design; errors go to \
            standard error and never contain one. It never prompts on standard input: with no terminal it needs a \
            key file, $CREDENTIALS_DIRECTORY/credstore.key, a passphrase file or the unlock agent.
            """
    )

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case credentialProcess = "credential-process"
        case env
        case json
    }

    @OptionGroup var store: StoreOptions
    @OptionGroup var profile: ProfileOptions

    @Option(name: .customLong("format"), help: ArgumentHelp(
        "The output format: credential-process, env or json.", valueName: "format"))
    var format: Format = .credentialProcess

    func run() throws {
        try CredentialProcessLoopGuard.enter(profile: profile.profile, storePath: store.storePath())
        let resolution = try LookupContext(store: store).resolve(profile.request)
        let exported = try ExportedCredentials(resolution)
        switch format {
        case .credentialProcess:
            // One line, the shape botocore and the SDKs validate: Version 1 plus the key pair.
            var members: [(String, JSONValue)] = [
                ("Version", .number(1)),
                ("AccessKeyId", .string(exported.accessKeyID)),
                ("SecretAccessKey", .string(exported.secretAccessKey)),
            ]
            if let token = exported.sessionToken { members.append(("SessionToken", .string(token))) }
            if let expiration = exported.expiration { members.append(("Expiration", .string(expiration))) }
            Output.write("{" + members.map { JSONValue.quote($0.0) + ": " + $0.1.serialized() }
                .joined(separator: ", ") + "}\n")
        case .env:
            var lines = [
                "export AWS_ACCESS_KEY_ID=\(ShellQuoting.quote(exported.accessKeyID))",
                "export AWS_SECRET_ACCESS_KEY=\(ShellQuoting.quote(exported.secretAccessKey))",
            ]
            lines.append(exported.sessionToken.map { "export AWS_SESSION_TOKEN=\(ShellQuoting.quote($0))" }
                ?? "unset AWS_SESSION_TOKEN")
            if let expiration = exported.expiration {
                lines.append("export AWS_CREDENTIAL_EXPIRATION=\(ShellQuoting.quote(expiration))")
            }
            if let region = exported.region {
                lines.append("export AWS_REGION=\(ShellQuoting.quote(region))")
                lines.append("export AWS_DEFAULT_REGION=\(ShellQuoting.quote(region))")
            }
            Output.write(lines.map { $0 + "\n" }.joined())
        case .json:
            Output.printJSON([
                "AccessKeyId": .string(exported.accessKeyID),
                "SecretAccessKey": .string(exported.secretAccessKey),
                "SessionToken": exported.sessionToken.map { .string($0) } ?? .null,
                "Expiration": exported.expiration.map { .string($0) } ?? .null,
                "Region": exported.region.map { .string($0) } ?? .null,
                "Source": SourceJSON.object(resolution.origin),
            ])
        }
    }
}

/// POSIX shell quoting: single quotes, with `'` written as `'\''`.
enum ShellQuoting {
    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: #"'\''"#) + "'"
    }
}

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
        let environment = ProcessInfo.processInfo.environment
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
        setenv(variable, (resolving + [entry]).joined(separator: "\n"), 1)
    }
}
