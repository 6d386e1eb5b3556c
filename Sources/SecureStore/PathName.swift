/// The two path operations the store needs, with `NSString`'s semantics but without Foundation (so the binary does
/// not link ICU): `parent("/a/b") == "/a"`, `parent("/a") == "/"`, `parent("a") == ""`, `last("/a/b/") == "b"`.
enum PathName {
    /// The path without its last component (trailing slashes ignored); "" for a bare name, "/" at the root.
    static func parent(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return trimmingTrailingSlashes(String(trimmed[..<slash]))
    }

    /// The last component of the path (trailing slashes ignored).
    static func last(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var result = Substring(path)
        while result.count > 1, result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }
}
