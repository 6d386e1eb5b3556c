/// A `credential_process` command line that runs `credstore export`, read back: which profile it exports, from which
/// store. The one reader of such lines, so that `migrate --rewire-config` (recognising the lines an earlier run
/// wrote) and `remove` (finding the config profiles that stop working) agree on what exports a profile.
package struct ExportInvocation: Equatable, Sendable {
    /// The profile exported (`--profile NAME`, `--profile=NAME`, `-p NAME`, `-pNAME`; the last one given wins, as
    /// for the command itself).
    package var profile: String
    /// The store it reads as written (`--store PATH`, `--store=PATH`), or `nil` when the line names none (the
    /// default store, or `CREDSTORE_STORE` of whatever runs it).
    package var store: String?

    /// Reads `commandLine` (POSIX word splitting, as botocore and credstore do). `nil` unless the program is named
    /// `credstore` (any directory), its first argument is `export`, and a profile is named.
    package init?(commandLine: String) {
        guard let words = try? CommandLineSplitter.split(commandLine), words.count >= 2,
              words[0].split(separator: "/", omittingEmptySubsequences: false).last == "credstore",
              words[1] == "export" else { return nil }
        var profile: String?
        var store: String?
        var index = 2
        while index < words.count {
            let word = words[index]
            let next = index + 1 < words.count ? words[index + 1] : nil
            if word == "--" { break }
            if word == "--profile" || word == "-p" || word == "--store" {
                guard let next else { break }
                if word == "--store" { store = next } else { profile = next }
                index += 2
                continue
            }
            if word.hasPrefix("--profile=") {
                profile = String(word.dropFirst("--profile=".count))
            } else if word.hasPrefix("--store=") {
                store = String(word.dropFirst("--store=".count))
            } else if word.hasPrefix("-p"), !word.hasPrefix("--"), word.count > 2 {
                let value = word.dropFirst(2)
                profile = String(value.hasPrefix("=") ? value.dropFirst() : value)
            }
            index += 1
        }
        guard let profile, !profile.isEmpty else { return nil }
        self.profile = profile
        self.store = store
    }

    /// Whether this line exports `profile` from the store at `storePath`, the store in use. A line without `--store`
    /// reads `defaultStorePath`; stores compare as files (`FileIdentity`), not as strings.
    package func exports(profile: String, fromStore storePath: String, defaultStorePath: String) -> Bool {
        self.profile == profile && FileIdentity.same(store ?? defaultStorePath, storePath)
    }
}
