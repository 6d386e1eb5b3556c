import CCurl
import SecureStore

/// What libcurl's callbacks of one transfer write into: the response body (in a buffer that is wiped before it is
/// freed, since it may hold credentials), the headers of the final response, and why a callback stopped the transfer.
final class CurlTransfer {
    /// The largest body accepted.
    let bodyLimit: Int
    /// The most header lines accepted, over every response of the exchange (a proxy's, a `100 Continue`, the final).
    static let maximumHeaderLines = 100
    /// The most header bytes accepted, over every response of the exchange.
    static let maximumHeaderBytes = 64 * 1024

    private var buffer: UnsafeMutableRawBufferPointer
    /// The number of body bytes in `buffer`.
    private(set) var bodyCount = 0
    /// The headers of the latest response (a new status line starts a new list).
    private(set) var headers: [HTTPHeader] = []
    private var headerLines = 0
    private var headerBytes = 0
    /// Set when the body went over `bodyLimit`: the write callback stopped the transfer.
    private(set) var bodyTooLarge = false
    /// Set when the headers went over a bound: the header callback stopped the transfer.
    private(set) var headerProblem: String?
    /// libcurl's CURLOPT_ERRORBUFFER: its text for the latest failure.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(bodyLimit, 16 * 1024)), alignment: 16)
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        SecretBytes.wipe(buffer)
        buffer.deallocate()
        errorBuffer.deallocate()
    }

    /// libcurl's error text for the latest failure, trimmed; empty when it gave none.
    var errorText: String {
        String(cString: errorBuffer).trimmingWhitespace()
    }

    /// The body received, as a secret (the working buffer is wiped when the transfer goes away).
    func body() -> SecretBytes {
        var body = SecretBytes(zeroedCount: bodyCount)
        body.withUnsafeMutableBytes { target in
            guard bodyCount > 0 else { return }
            target.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: bodyCount)
        }
        return body
    }

    /// Appends body bytes; false (stop the transfer) when they would go over the limit.
    func appendBody(_ data: UnsafeRawPointer, count: Int) -> Bool {
        guard count <= bodyLimit - bodyCount else {
            bodyTooLarge = true
            return false
        }
        if bodyCount + count > buffer.count {
            // Grow by doubling up to the limit; the old buffer is wiped before it is freed, so no copy of the body
            // is left in freed memory.
            var capacity = buffer.count
            while capacity < bodyCount + count { capacity = min(bodyLimit, capacity * 2) }
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
            grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: bodyCount)
            SecretBytes.wipe(buffer)
            buffer.deallocate()
            buffer = grown
        }
        (buffer.baseAddress! + bodyCount).copyMemory(from: data, byteCount: count)
        bodyCount += count
        return true
    }

    /// Takes one header line as libcurl delivers it (status line, header, continuation or the blank line ending
    /// the headers); false (stop the transfer) when the headers go over a bound.
    func appendHeaderLine(_ data: UnsafeRawPointer, count: Int) -> Bool {
        headerLines += 1
        headerBytes += count
        guard headerLines <= Self.maximumHeaderLines, headerBytes <= Self.maximumHeaderBytes else {
            headerProblem = headerLines > Self.maximumHeaderLines
                ? "the response has more than \(Self.maximumHeaderLines) header lines"
                : "the response headers are longer than \(Self.maximumHeaderBytes) bytes"
            return false
        }
        var bytes = UnsafeRawBufferPointer(start: data, count: count)[...]
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response (after a proxy's CONNECT answer, or a 1xx): only the final one's headers are returned.
            headers = []
        } else if line.first == " " || line.first == "\t" {
            // An obsolete folded continuation of the previous header.
            if !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingWhitespace()
            }
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(HTTPHeader(String(line[..<colon]).trimmingWhitespace(),
                                      String(line[line.index(after: colon)...]).trimmingWhitespace()))
        }
        return true
    }
}

/// CURLOPT_WRITEFUNCTION: the body goes into the transfer's bounded buffer.
let curlWriteBody: ccurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return transfer.appendBody(UnsafeRawPointer(data), count: length) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: each header line goes to the transfer, bounded.
let curlWriteHeader: ccurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return transfer.appendHeaderLine(UnsafeRawPointer(data), count: length) ? length : 0
}
