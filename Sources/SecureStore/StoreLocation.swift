import Glibc

/// Where the encrypted store lives.
package struct StoreLocation {
    /// The store path: `explicit` (from `--store`), else `CREDSTORE_STORE`, else `$XDG_DATA_HOME/credstore/store`,
    /// else `$HOME/.local/share/credstore/store`.
    ///
    /// - Parameters:
    ///   - explicit: the path given on the command line, if any.
    ///   - environment: the process environment.
    /// - Returns: the path (relative paths are kept relative).
    package static func resolve(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["CREDSTORE_STORE"], !fromEnvironment.isEmpty { return fromEnvironment }
        // The XDG spec says to ignore a relative XDG_DATA_HOME.
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/credstore/store" }
        return homeDirectory(environment) + "/.local/share/credstore/store"
    }

    static func homeDirectory(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/"
    }
}
