import SecureStore

/// One element of an XML document read by `XMLReader`: its local name (namespace prefix dropped), its child elements
/// and its character data. The text is a `SecretBytes` because AWS responses carry secret access keys and session
/// tokens in element text; convert it to a `String` only for fields that are not secret.
package struct XMLElement: Sendable {
    /// The local name, e.g. `AccessKeyId` for `<AccessKeyId>` or `<a:AccessKeyId>`.
    package var name: String
    /// The child elements, in document order.
    package var children: [XMLElement]
    /// The element's own character data (entities and character references resolved; CDATA included).
    package var text: SecretBytes

    /// The first child named `name`.
    package func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child named `name`.
    package func children(_ name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// The element at `path` below this one (`["AssumeRoleResult", "Credentials"]`).
    package func descendant(_ path: [String]) -> XMLElement? {
        var element = self
        for name in path {
            guard let next = element.child(name) else { return nil }
            element = next
        }
        return element
    }

    /// The first element named `name` anywhere below this one (depth first), or this one.
    package func first(named name: String) -> XMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(named: name) { return found }
        }
        return nil
    }

    /// The text as a `String` (for fields that are not secret); nil when it is not valid UTF-8.
    package var string: String? { text.unsafeUTF8String() }
}

/// Why a response body (XML or JSON) was refused; the reason gives a byte offset and never quotes the body.
package struct ResponseSyntaxError: Error, Sendable, CustomStringConvertible {
    /// What was wrong, and where.
    package let reason: String

    /// The reason.
    package var description: String { reason }
}

/// A small, strict, non-validating XML reader for AWS query-protocol responses (STS, IAM).
///
/// It reads one element tree from bounded input and refuses what AWS never sends and what attacks XML readers: any
/// `<!DOCTYPE` or `<!ENTITY` (so no entity expansion, no external entities), entity references other than the five
/// predefined ones, processing instructions other than the leading XML declaration, documents or nesting beyond the
/// limits, text after the root element, malformed names, attributes or character references, and bytes that are not
/// UTF-8. Comments and CDATA sections are allowed. Attributes are checked and dropped (AWS responses need none).
package struct XMLReader {
    /// The largest document accepted, in bytes.
    package var maxBytes: Int
    /// The deepest element nesting accepted.
    package var maxDepth: Int
    /// The most elements accepted.
    package var maxElements: Int

    /// Creates a reader with limits that fit AWS responses with room to spare.
    package init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxElements: Int = 20_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    /// Parses `document` and returns its root element.
    package func parse(_ document: SecretBytes) throws -> XMLElement {
        try document.withUnsafeBytes { try parse($0) }
    }

    /// Parses `bytes` and returns its root element.
    package func parse(_ bytes: UnsafeRawBufferPointer) throws -> XMLElement {
        guard bytes.count <= maxBytes else {
            throw ResponseSyntaxError(reason: "the document is larger than \(maxBytes) bytes")
        }
        var parser = Parser(bytes: bytes, maxDepth: maxDepth, maxElements: maxElements)
        return try parser.document()
    }
}

private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    let maxElements: Int
    var index = 0
    var elements = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, maxElements: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    func fail(_ what: String) -> ResponseSyntaxError {
        ResponseSyntaxError(reason: "\(what) at byte \(index)")
    }

    var atEnd: Bool { index >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    func lookingAt(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = text.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        return true
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func document() throws -> XMLElement {
        try checkUTF8()
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        if lookingAt("<?xml") {
            guard let end = find("?>") else { throw fail("an unterminated XML declaration") }
            index = end + 2
        }
        try misc()
        guard peek() == UInt8(ascii: "<") else {
            throw fail(atEnd ? "no root element (the document is empty or truncated)" : "text before the root element")
        }
        let root = try element(depth: 1)
        try misc()
        guard atEnd else { throw fail("content after the root element") }
        return root
    }

    /// White space and comments between top-level items; refuses DOCTYPE and processing instructions.
    mutating func misc() throws {
        while true {
            skipWhitespace()
            if lookingAt("<!--") {
                try comment()
            } else if lookingAt("<!") {
                throw fail("a DOCTYPE or other declaration (refused)")
            } else if lookingAt("<?") {
                throw fail("a processing instruction (refused)")
            } else {
                return
            }
        }
    }

    func find(_ text: StaticString) -> Int? {
        var probe = self
        while !probe.atEnd {
            if probe.lookingAt(text) { return probe.index }
            probe.index += 1
        }
        return nil
    }

    mutating func comment() throws {
        index += 4
        guard let end = find("--") else { throw fail("an unterminated comment") }
        index = end
        guard lookingAt("-->") else { throw fail("'--' inside a comment") }
        index += 3
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x3A
            || byte >= 0x80
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
    }

    mutating func name() throws -> String {
        guard let first = peek(), Self.isNameStart(first) else { throw fail("a malformed name") }
        let start = index
        while let byte = peek(), Self.isNameByte(byte) { index += 1 }
        guard index - start <= 256 else { throw fail("a name longer than 256 bytes") }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // Namespaces in XML: at most one colon, with a prefix and a local part on either side.
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        // Each part is a name of its own (Namespaces in XML's NCName), so the local part also starts with a name
        // start character: `<p:1>` is refused as `<1>` is.
        guard parts.count <= 2,
              parts.allSatisfy({ part in part.utf8.first.map { Self.isNameStart($0) && $0 != 0x3A } ?? false })
        else { throw fail("a malformed qualified name") }
        return name
    }

    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    mutating func element(depth: Int) throws -> XMLElement {
        guard depth <= maxDepth else { throw fail("elements nested deeper than \(maxDepth)") }
        elements += 1
        guard elements <= maxElements else { throw fail("more than \(maxElements) elements") }
        index += 1  // "<"
        let qualified = try name()
        var attributeNames: Set<String> = []
        // Attributes: checked for form and uniqueness, then dropped.
        while true {
            let before = index
            skipWhitespace()
            guard let byte = peek() else { throw fail("a truncated start tag") }
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") { break }
            guard index > before else { throw fail("a malformed start tag") }
            let attribute = try name()
            guard attributeNames.insert(attribute).inserted else { throw fail("a repeated attribute") }
            skipWhitespace()
            guard peek() == UInt8(ascii: "=") else { throw fail("an attribute without a value") }
            index += 1
            skipWhitespace()
            guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw fail("an unquoted attribute value")
            }
            index += 1
            var ignored: [UInt8] = []
            while true {
                guard let byte = peek() else { throw fail("a truncated attribute value") }
                if byte == quote { index += 1; break }
                if byte == UInt8(ascii: "<") { throw fail("'<' in an attribute value") }
                if byte == UInt8(ascii: "&") { try reference(into: &ignored) } else { index += 1 }
            }
        }
        var result = XMLElement(name: Self.localName(qualified), children: [], text: SecretBytes([]))
        if peek() == UInt8(ascii: "/") {
            index += 1
            guard peek() == UInt8(ascii: ">") else { throw fail("a malformed empty-element tag") }
            index += 1
            return result
        }
        index += 1  // ">"
        // Text never outgrows the rest of the document (entities only shrink), so with this capacity the buffer
        // never grows: growing would free an unwiped copy of a secret key or session token.
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count - index)
        defer { text.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        while true {
            guard let byte = peek() else { throw fail("a truncated document (<\(result.name)> is not closed)") }
            if byte == UInt8(ascii: "<") {
                if lookingAt("</") {
                    index += 2
                    let closing = try name()
                    guard closing == qualified else { throw fail("a closing tag that does not match") }
                    skipWhitespace()
                    guard peek() == UInt8(ascii: ">") else { throw fail("a malformed closing tag") }
                    index += 1
                    result.text = SecretBytes(text)
                    return result
                } else if lookingAt("<!--") {
                    try comment()
                } else if lookingAt("<![CDATA[") {
                    index += 9
                    guard let end = find("]]>") else { throw fail("an unterminated CDATA section") }
                    text += bytes[index..<end]
                    index = end + 3
                } else if lookingAt("<!") {
                    throw fail("a declaration inside an element (refused)")
                } else if lookingAt("<?") {
                    throw fail("a processing instruction (refused)")
                } else {
                    result.children.append(try element(depth: depth + 1))
                }
            } else if byte == UInt8(ascii: "&") {
                try reference(into: &text)
            } else {
                if byte == UInt8(ascii: "]"), lookingAt("]]>") { throw fail("']]>' in text") }
                text.append(byte)
                index += 1
            }
            guard text.count <= bytes.count else { throw fail("text longer than the document") }
        }
    }

    /// `&lt;` `&gt;` `&amp;` `&apos;` `&quot;`, `&#N;` and `&#xH;`; any other reference is refused.
    mutating func reference(into output: inout [UInt8]) throws {
        let start = index
        index += 1
        var body: [UInt8] = []
        while let byte = peek(), byte != UInt8(ascii: ";") {
            guard body.count < 10 else { index = start; throw fail("a malformed entity reference") }
            body.append(byte)
            index += 1
        }
        guard peek() == UInt8(ascii: ";") else { index = start; throw fail("an unterminated entity reference") }
        index += 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "amp": output.append(UInt8(ascii: "&"))
        case "apos": output.append(UInt8(ascii: "'"))
        case "quot": output.append(UInt8(ascii: "\""))
        default:
            guard body.first == UInt8(ascii: "#"), body.count >= 2 else {
                index = start
                throw fail("an entity reference other than the five predefined ones (refused)")
            }
            var value: UInt32 = 0
            let hex = body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty else { index = start; throw fail("a malformed character reference") }
            for digit in digits {
                let number: UInt32
                switch digit {
                case 0x30...0x39: number = UInt32(digit - 0x30)
                case 0x61...0x66 where hex: number = UInt32(digit - 0x61 + 10)
                case 0x41...0x46 where hex: number = UInt32(digit - 0x41 + 10)
                default: index = start; throw fail("a malformed character reference")
                }
                value = value * (hex ? 16 : 10) + number
                guard value <= 0x10FFFF else { index = start; throw fail("a character reference out of range") }
            }
            // XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
            let allowed = value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
                || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
            guard allowed, let scalar = Unicode.Scalar(value) else {
                index = start
                throw fail("a character reference to a character XML does not allow")
            }
            output += Array(String(Character(scalar)).utf8)
        }
    }

    /// The whole document must be UTF-8 (what AWS sends); NUL and other C0 controls but tab, CR, LF are refused.
    func checkUTF8() throws {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value < 0x20 && scalar.value != 0x09 && scalar.value != 0x0A && scalar.value != 0x0D {
                    throw ResponseSyntaxError(reason: "a control character near byte \(offset)")
                }
                offset += UTF8.width(scalar)
            case .emptyInput:
                return
            case .error:
                throw ResponseSyntaxError(reason: "bytes that are not UTF-8 near byte \(offset)")
            }
        }
    }
}
