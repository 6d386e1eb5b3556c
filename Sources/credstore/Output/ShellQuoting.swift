/// POSIX shell quoting: single quotes, with `'` written as `'\''`.
enum ShellQuoting {
    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: #"'\''"#) + "'"
    }
}
