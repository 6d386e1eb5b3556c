import ArgumentParser

/// Checks of the command line that ArgumentParser answers unhelpfully, run before it parses: an unknown command
/// (`credstore lst`, `credstore keyslot lst`) and `credstore help NAME` for a command that does not exist (which
/// ArgumentParser answers with the main help and exit 0). Both become a usage error (exit 64) naming the nearest
/// command. `exec` without `--` is recognised after a parse error (`execHint`).
enum CommandLineCheck {
    /// The failure for `arguments` (without the program name), or `nil` when ArgumentParser should parse them.
    static func failure(for arguments: [String]) -> CLIFailure? {
        var commands: [ParsableCommand.Type] = CommandRegistry.all
        var path: [String] = []
        var words = arguments[...]
        let isHelp = words.first == "help"
        if isHelp { words = words.dropFirst() }
        for word in words {
            if word.hasPrefix("-") || commands.isEmpty { break }
            guard let match = commands.first(where: { names(of: $0).contains(word) }) else {
                let nearest = Self.nearest(to: word, among: commands.flatMap(names(of:)))
                let parent = (["credstore"] + path).joined(separator: " ")
                let what = path.isEmpty ? "command" : "'\(parent)' command"
                var hint = "run '\(parent) --help' for the list of commands"
                if let nearest { hint = "did you mean '\(parent) \(nearest)'? Or " + hint }
                return CLIFailure("unknown \(what) '\(word)'", hint: hint, exitCode: .usage)
            }
            path.append(word)
            commands = match.configuration.subcommands
        }
        return nil
    }

    /// A clearer failure for `exec` given a command without `--` before it (ArgumentParser says only "N unexpected
    /// arguments"); `nil` for any other command line.
    static func execHint(for arguments: [String], message: String) -> CLIFailure? {
        guard let first = arguments.first, names(of: ExecCommand.self).contains(first), !arguments.contains("--"),
              message.lowercased().contains("unexpected argument") else { return nil }
        return CLIFailure("exec: put '--' before the command to run (\(message))",
                          hint: "credstore exec [--profile NAME] -- COMMAND [ARGUMENTS...]", exitCode: .usage)
    }

    /// The name and aliases a command is invoked by.
    static func names(of command: ParsableCommand.Type) -> [String] {
        [command.configuration.commandName].compactMap { $0 } + command.configuration.aliases
    }

    /// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
    static func nearest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, best.count / 3) || best.hasPrefix(word) else { return nil }
        return best
    }

    /// The Levenshtein distance between two strings (by characters).
    static func distance(_ left: String, _ right: String) -> Int {
        let a = Array(left), b = Array(right)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
