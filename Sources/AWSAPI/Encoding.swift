import FoundationEssentials

/// Lowercase hexadecimal, as SigV4 writes hashes and signatures.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex.
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RFC 3986 percent-encoding as SigV4 and the AWS query protocol use it: every byte but the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` with uppercase hex.
package enum URIEncoding {
    private static let upper = Array("0123456789ABCDEF".utf8)

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `bytes` percent-encoded; with `keepSlash`, `/` stays as it is (a path).
    package static func encode(_ bytes: [UInt8], keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), upper[Int(byte >> 4)], upper[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `string` percent-encoded (its UTF-8 bytes).
    package static func encode(_ string: String) -> String {
        encode(Array(string.utf8))
    }

    /// Decodes `%XX` sequences; a `%` not followed by two hex digits stays as it is (lenient, as signers are).
    static func decode(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// An absolute URL split into the parts signing needs, by plain string splitting (no normalisation, so the path is
/// signed exactly as it is sent).
struct SplitURL {
    /// `http` or `https`, lowercase.
    var scheme: String
    /// The authority without user information, e.g. `sts.amazonaws.com` or `127.0.0.1:5000`.
    var authority: String
    /// The path as written, `""` when absent.
    var path: String
    /// The query string as written, without `?`, `""` when absent.
    var rawQuery: String

    init?(_ url: String) {
        guard let schemeEnd = Text.find("://", in: Substring(url)) else { return nil }
        scheme = url[..<schemeEnd].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[url.index(schemeEnd, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty else { return nil }
        self.authority = String(authority)
        let pathAndQuery = rest[authorityEnd...]
        if let question = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<question])
            rawQuery = String(pathAndQuery[pathAndQuery.index(after: question)...])
        } else {
            path = String(pathAndQuery)
            rawQuery = ""
        }
    }

    /// The host name (lowercase, brackets kept for IPv6) without the port.
    var host: String {
        let lower = authority.lowercased()
        if lower.hasPrefix("["), let close = lower.firstIndex(of: "]") { return String(lower[...close]) }
        if let colon = lower.lastIndex(of: ":") { return String(lower[..<colon]) }
        return lower
    }

    /// The port written in the URL, if any.
    var port: Int? {
        let afterHost = authority.dropFirst(host.count)
        guard afterHost.hasPrefix(":") else { return nil }
        return Int(afterHost.dropFirst())
    }

    /// The `Host` header value: the host, with the port only when it is not the scheme's default (as botocore and
    /// libcurl send it).
    var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    /// The query's `name=value` pairs, each percent-decoded; a pair without `=` has an empty value.
    var queryPairs: [([UInt8], [UInt8])] {
        guard !rawQuery.isEmpty else { return [] }
        return rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (URIEncoding.decode(pair[..<equals]), URIEncoding.decode(pair[pair.index(after: equals)...]))
            }
            return (URIEncoding.decode(pair), [])
        }
    }

    /// The same URL with `query` as its query string.
    func withQuery(_ query: String) -> String {
        "\(scheme)://\(authority)\(path)" + (query.isEmpty ? "" : "?\(query)")
    }

    /// `url` without its query and user information, for messages (a presigned query holds a signature and may hold
    /// a session token).
    static func redacted(_ url: String) -> String {
        var text = url.prefix { $0 != "?" && $0 != "#" }
        if let schemeEnd = Text.find("://", in: text) {
            let authorityStart = text.index(schemeEnd, offsetBy: 3)
            let authorityEnd = text[authorityStart...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
                text = text[..<authorityStart] + text[text.index(after: at)...]
            }
        }
        return String(text)
    }
}

/// Small text helpers without Foundation.
enum Text {
    /// The index where `needle` first starts in `haystack`.
    static func find(_ needle: String, in haystack: Substring) -> String.Index? {
        let target = Array(needle.utf8)
        var index = haystack.startIndex
        while index < haystack.endIndex {
            if haystack[index...].utf8.starts(with: target) { return index }
            index = haystack.index(after: index)
        }
        return nil
    }

    /// `text` without leading and trailing spaces, tabs and line breaks.
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }
}
