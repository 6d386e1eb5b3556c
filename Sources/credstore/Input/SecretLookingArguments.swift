import CredentialLookup

/// Command-line words that look like a secret (a secret access key or a session token pasted into argv by mistake),
/// kept out of the CLI's own usage errors: `Unexpected argument '…'` or `unknown command '…'` would otherwise echo
/// the secret to stderr, into terminal scrollback and CI logs.
enum SecretLookingArguments {
    /// What a hidden word is shown as.
    static let placeholder = "<a value that looks like a secret, not shown>"

    /// The hint added when a word was hidden: the secret already sits in the shell's history.
    static let historyHint = "a value that looks like a secret key was typed on the command line: it is now in your "
        + "shell history (remove it, bash: history -d N) and was readable by other local users (/proc/PID/cmdline); "
        + "consider rotating that key"

    /// Session tokens are far longer than anything else given on a command line in the base64 alphabet.
    static let minimumTokenLength = 100

    /// Whether `word` looks like a secret: the shape of a secret access key (`AccessKeyIDShape`), or a long run of
    /// the base64 alphabet like a session token.
    static func looksLikeSecret(_ word: String) -> Bool {
        if AccessKeyIDShape(word) == .looksLikeSecret { return true }
        let isBase64 = { (byte: UInt8) in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=")
        }
        return word.utf8.count >= minimumTokenLength && word.utf8.allSatisfy(isBase64)
    }

    /// `failure` with every word of `arguments` that looks like a secret replaced by `placeholder` (also inside an
    /// `--option=value` word), and `historyHint` added when one was.
    static func hiding(in failure: CLIFailure, arguments: [String]) -> CLIFailure {
        let secrets = arguments.flatMap { word -> [String] in
            let value = word.split(separator: "=", maxSplits: 1).dropFirst().first.map(String.init)
            return [word, value].compactMap { $0 }.filter(looksLikeSecret)
        }
        guard !secrets.isEmpty else { return failure }
        var hidden = failure
        // Longest first, so a value is not left half-shown where a longer word holds it.
        for secret in secrets.sorted(by: { $0.count > $1.count }) {
            hidden.message = hidden.message.replacing(secret, with: placeholder)
            hidden.hint = hidden.hint?.replacing(secret, with: placeholder)
        }
        hidden.hint = [historyHint, hidden.hint].compactMap { $0 }.joined(separator: "\nhint: ")
        return hidden
    }
}
