/// POSIX shell quoting: single quotes, with `'` written as `'\''`. The one quoter: `export --format shell` quotes
/// every value with it, and `ExportCommandLine` quotes the `credential_process` words that are not plainly safe with
/// it (botocore's shlex and credstore's `CommandLineSplitter` read both forms back as the same word).
enum ShellQuoting {
    /// `text` in single quotes, each `'` in it closed, escaped and reopened: read back as exactly `text`.
    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: #"'\''"#) + "'"
    }
}
