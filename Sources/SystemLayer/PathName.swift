/// The path operations the file code needs, with `NSString`'s semantics but without Foundation (so the binary does
/// not link ICU): `parent("/a/b") == "/a"`, `parent("/a") == "/"`, `parent("a") == ""`, `last("/a/b/") == "b"`.
package enum PathName {
    /// The path without its last component (trailing slashes ignored); "" for a bare name, "/" at the root.
    package static func parent(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return trimmingTrailingSlashes(String(trimmed[..<slash]))
    }

    /// The last component of the path (trailing slashes ignored).
    package static func last(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The directory holding `path`, usable in a system call: its parent, or "." for a bare name (`dirname`).
    package static func directory(of path: String) -> String {
        let parent = parent(of: path)
        return parent.isEmpty ? "." : parent
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var result = Substring(path)
        while result.count > 1, result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }
}
