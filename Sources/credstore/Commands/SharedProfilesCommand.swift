import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import SharedFileStore
import SystemLayer

/// `credstore shared-profiles`: the merged view of ~/.aws/credentials and ~/.aws/config that the AWS SDKs would see.
struct SharedProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shared-profiles",
        abstract: "Show the profiles of the shared AWS credentials and config files, as the AWS SDKs read them.",
        discussion: """
            The files are found the way the AWS CLI finds them: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE when \
            set, otherwise ~/.aws/credentials and ~/.aws/config. A file that does not exist counts as empty. A \
            profile defined in both files has the properties of both, and the credentials file wins where they \
            overlap. Secret access keys, session tokens and other secrets are shown as <redacted> unless you pass \
            --show-secrets. With --json the output is {"profiles": {NAME: {KEY: VALUE or {SUBKEY: VALUE}}}, \
            "sso_sessions": {NAME: {...}}}. A malformed file is reported with its path and line number, and the \
            command exits with status 65 without printing anything on standard output.
            """
    )

    @Option(name: .customLong("credentials-file"), help: ArgumentHelp(
        "Read this shared credentials file instead of the default one.", valueName: "path"))
    var credentialsFile: String?

    @Option(name: .customLong("config-file"), help: ArgumentHelp(
        "Read this shared config file instead of the default one.", valueName: "path"))
    var configFile: String?

    @Flag(help: "Print the merged view as JSON.")
    var json = false

    @Flag(help: "Show secret access keys, session tokens and other secrets instead of <redacted>.")
    var showSecrets = false

    func run() throws {
        let locations = SharedFileLocations(environment: ProcessEnvironment.current)
        let profiles = try SharedProfiles(credentialsPath: credentialsFile ?? locations.credentialsPath,
                                          configPath: configFile ?? locations.configPath)
        let output = json ? renderJSON(profiles) : renderTable(profiles)
        Output.write(output)
    }

    /// Keys whose values are secrets. Anything that looks like one is hidden too: hiding a harmless value costs
    /// little, printing a secret cannot be undone.
    static func isSecret(_ key: String) -> Bool {
        // Byte-wise rather than Foundation's `contains`: this runs for every key of every profile.
        let lower = Array(key.lowercased().utf8)
        func has(_ word: String) -> Bool {
            let needle = Array(word.utf8)
            guard lower.count >= needle.count else { return false }
            return (0...lower.count - needle.count).contains { lower[$0..<$0 + needle.count].elementsEqual(needle) }
        }
        func ends(_ suffix: String) -> Bool { lower.reversed().starts(with: suffix.utf8.reversed()) }
        return ["secret", "token", "password", "passphrase", "private"].contains(where: has)
            && !ends("_file") && !ends("_url")
    }

    private func shown(_ key: String, _ value: String) -> String {
        showSecrets || !Self.isSecret(key) ? value : "<redacted>"
    }

    // MARK: - JSON

    private func renderJSON(_ profiles: SharedProfiles) -> String {
        func section(_ section: ProfileSection) -> String {
            let members = section.properties.map { key, value -> String in
                switch value {
                case .string(let text):
                    return JSONValue.quote(key) + ": " + JSONValue.quote(shown(key, text))
                case .subProperties(let map):
                    let inner = map.map { subKey, text in
                        JSONValue.quote(subKey) + ": " + JSONValue.quote(shown(subKey, shown(key, text)))
                    }
                    return JSONValue.quote(key) + ": {" + inner.joined(separator: ", ") + "}"
                }
            }
            return "{" + members.joined(separator: ", ") + "}"
        }
        func group(_ sections: [ProfileSection]) -> String {
            if sections.isEmpty { return "{}" }
            return "{\n" + sections.map { "    " + JSONValue.quote($0.name) + ": " + section($0) }
                .joined(separator: ",\n") + "\n  }"
        }
        return "{\n  \"profiles\": \(group(profiles.profiles)),\n"
            + "  \"sso_sessions\": \(group(profiles.ssoSessions))\n}\n"
    }

    // MARK: - Table

    private func renderTable(_ profiles: SharedProfiles) -> String {
        let all = profiles.profiles
        let sessions = profiles.ssoSessions
        guard !all.isEmpty || !sessions.isEmpty else {
            return TerminalText.escaped("No profiles in \(profiles.credentials.path ?? "-") or "
                + "\(profiles.config.path ?? "-").") + "\n"
        }
        var output = ""
        // Names, keys and values come from the files: every one escaped (`TerminalText`) before it is printed.
        let escaped = TerminalText.escaped
        func describe(_ title: String, _ section: ProfileSection) {
            let sources = section.sources.map { "\($0.kind.rawValue): \($0.path ?? "-")" }.joined(separator: ", ")
            output += "\(title) \(escaped(section.name))  (\(escaped(sources)))\n"
            var rows: [(String, String)] = []
            for (key, value) in section.properties {
                switch value {
                case .string(let text):
                    rows.append((escaped(key), escaped(shown(key, text))))
                case .subProperties(let map):
                    for (subKey, text) in map {
                        rows.append((escaped("\(key).\(subKey)"), escaped(shown(subKey, shown(key, text)))))
                    }
                }
            }
            let width = rows.map(\.0.count).max() ?? 0
            for (key, value) in rows {
                output += "  " + key + String(repeating: " ", count: width - key.count + 2) + value + "\n"
            }
        }
        for profile in all { describe("profile", profile) }
        for session in sessions { describe("sso-session", session) }
        if !showSecrets && all.contains(where: { $0.properties.keys.contains(where: Self.isSecret) }) {
            output += "Secrets are shown as <redacted>; pass --show-secrets to print them.\n"
        }
        return output
    }
}
