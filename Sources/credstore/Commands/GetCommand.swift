import ArgumentParser
import CredentialLookup
import Glibc
import SystemLayer

/// `credstore get`: resolves credentials with the documented search order and says where they came from.
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Resolve credentials with the search order and show where they came from.",
        discussion: """
            The search order: literal credentials; the profile named by --profile and/or --profile-location (the \
            encrypted store, then the shared credentials file, then the shared config file); the environment \
            (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); AWS_PROFILE; the default profile \
            ('default' in the encrypted store, 'default' in the shared credentials file, '[default]' in the \
            shared config file, 'AWS PS Default' in the encrypted store); the instance metadata service. The secret \
            access key and session token are shown only with --show-secret.
            """,
        aliases: ["resolve"]
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var profile: ProfileOptions

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    @Flag(name: .customLong("show-secret"),
          help: "Show the secret access key and session token instead of redacting them.")
    var showSecret = false

    func run() throws {
        let resolution = try LookupContext(store: store).resolve(profile.request)
        for note in resolution.notes { StandardError.line("note: \(note)") }
        let credentials = resolution.credentials
        let secret: String
        let token: String?
        if showSecret {
            // A secret that is not text is refused as `export` refuses it (exit 65): a placeholder printed in its
            // place would be taken for the secret by whatever reads this output.
            let exported = try ExportedCredentials(resolution)
            secret = exported.secretAccessKey
            token = exported.sessionToken
        } else {
            secret = "<redacted>"
            token = credentials.sessionToken.map { _ in "<redacted>" }
        }
        let origin = resolution.origin
        if json {
            Output.printJSON([
                "AccessKeyId": .string(credentials.accessKeyID),
                "SecretAccessKey": .string(secret),
                "SessionToken": token.map { .string($0) } ?? .null,
                "Expiration": credentials.expiration.map { .string(RFC3339.format($0)) } ?? .null,
                "Source": SourceJSON.object(origin),
                "Region": resolution.region.map { .string($0) } ?? .null,
                "RegionSource": resolution.regionSource.map { .string($0.description) } ?? .null,
            ])
            return
        }
        var lines = [
            ("AccessKeyId", credentials.accessKeyID),
            ("SecretAccessKey", secret),
            ("SessionToken", token ?? "(none)"),
        ]
        if let expiration = credentials.expiration { lines.append(("Expiration", RFC3339.format(expiration))) }
        lines.append(("Source", origin.description))
        lines.append(("Region", resolution.region.map { region in
            "\(region) (from \(resolution.regionSource?.description ?? "unknown"))"
        } ?? "(none)"))
        let width = lines.map(\.0.count).max() ?? 0
        // Values come from files, servers and the command line: escaped (`TerminalText`), as in every human-readable
        // output. The secret is shown as stored; one with control characters is escaped here too.
        Output.write(lines.map { label, value in
            label + ":" + String(repeating: " ", count: width - label.count + 2) + TerminalText.escaped(value) + "\n"
        }.joined())
    }
}
