import CCurl
import SecureStore

/// The request headers as a `curl_slist` built here rather than with `curl_slist_append` (which copies each line
/// with `strdup` and frees it unwiped): the lines live in one buffer this type wipes, since a header may carry a
/// secret (a session token, an IMDS token). libcurl only reads the list during the transfer.
final class CurlHeaderList {
    private let text: UnsafeMutableRawBufferPointer
    private let nodes: UnsafeMutablePointer<curl_slist>
    private let count: Int

    /// The list's head, for CURLOPT_HTTPHEADER (nil for no lines).
    var head: UnsafeMutablePointer<curl_slist>? { count == 0 ? nil : nodes }

    /// Lines like `Name: value` (or `Name:` to remove a header libcurl would add, `Name;` for an empty value).
    init(lines: [[UInt8]]) {
        count = lines.count
        text = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, lines.reduce(0) { $0 + $1.count + 1 }),
                                                      alignment: 1)
        text.initializeMemory(as: UInt8.self, repeating: 0)
        nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: max(1, lines.count))
        var offset = 0
        for (index, line) in lines.enumerated() {
            let start = text.baseAddress! + offset
            if !line.isEmpty { line.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            offset += line.count + 1  // the NUL is already there
            let next = index + 1 < lines.count ? nodes + index + 1 : nil
            (nodes + index).initialize(to: curl_slist(data: start.assumingMemoryBound(to: CChar.self), next: next))
        }
    }

    deinit {
        SecretBytes.wipe(text)
        text.deallocate()
        nodes.deinitialize(count: count)
        nodes.deallocate()
    }
}
