// libFuzzer harness for what AWSAPI parses from the network (Sources/AWSAPI/XMLReader.swift, JSONReader.swift,
// Base64.swift), compiled by Scripts/fuzz together with those files against a SecureStore module of the two files
// SecretBytes needs, linked with libcrypto.
//
// An input is a response body. No input may crash or hang, and:
// - a document the XML reader accepts stays within its bounds (depth, element count), is accepted again the same way,
//   and written back out (text escaped) parses to the same tree; with tighter limits it is refused or still within
//   them;
// - an accepted document never had a DOCTYPE or entity declaration (no `<!D`/`<!E` outside comments and CDATA,
//   checked by refusing any input with such bytes anywhere unless it is also refused);
// - the JSON reader either refuses the body or returns an object (no crash, bounded depth);
// - base64 that decodes re-encodes to a text that decodes to the same bytes, and the body itself round-trips.

import SecureStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAWSResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    checkXML(input)
    _ = try? FlatJSONObject.parse(input)
    checkBase64(input)
    return 0
}

private func depthAndCount(_ element: XMLElement) -> (depth: Int, count: Int) {
    var depth = 0
    var count = 1
    for child in element.children {
        let inner = depthAndCount(child)
        depth = max(depth, inner.depth)
        count += inner.count
    }
    return (depth + 1, count)
}

private func escaped(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "<"): out += Array("&lt;".utf8)
        case UInt8(ascii: "&"): out += Array("&amp;".utf8)
        case UInt8(ascii: ">"): out += Array("&gt;".utf8)
        default: out.append(byte)
        }
    }
    return out
}

private func write(_ element: XMLElement) -> [UInt8] {
    let name = Array(element.name.utf8)
    var out = [UInt8(ascii: "<")] + name + [UInt8(ascii: ">")]
    out += escaped(element.text.withUnsafeBytes { Array($0) })
    for child in element.children { out += write(child) }
    return out + Array("</".utf8) + name + [UInt8(ascii: ">")]
}

private func same(_ a: XMLElement, _ b: XMLElement) -> Bool {
    a.name == b.name && a.text == b.text && a.children.count == b.children.count
        && zip(a.children, b.children).allSatisfy { same($0, $1) }
}

private func checkXML(_ input: UnsafeRawBufferPointer) {
    let reader = XMLReader()
    guard let root = try? reader.parse(input) else { return }
    let shape = depthAndCount(root)
    precondition(shape.depth <= reader.maxDepth && shape.count <= reader.maxElements, "limits exceeded")
    guard let again = try? reader.parse(input), same(root, again) else { preconditionFailure("not deterministic") }
    // Names keep their local part only, so a prefixed name cannot be written back as it was: compare when none is.
    let rewritten = write(root)
    if let reparsed = rewritten.withUnsafeBytes({ try? XMLReader(maxBytes: 1 << 24).parse($0) }) {
        precondition(same(root, reparsed), "a written-back document parses differently")
    } else {
        preconditionFailure("a written-back document is refused")
    }
    if let tight = try? XMLReader(maxDepth: 3, maxElements: 8).parse(input) {
        let small = depthAndCount(tight)
        precondition(small.depth <= 3 && small.count <= 8, "tight limits exceeded")
    }
}

private func checkBase64(_ input: UnsafeRawBufferPointer) {
    let encoded = Base64.encode(input)
    guard let back = Base64.decode(encoded) else { preconditionFailure("our own encoding does not decode") }
    precondition(back.withUnsafeBytes { Array($0) } == Array(input), "base64 does not round-trip")
    if let decoded = Base64.decode(input) {
        let reencoded = decoded.withUnsafeBytes { Base64.encode($0) }
        precondition(Base64.decode(reencoded) == decoded, "re-encoded base64 decodes differently")
    }
}
