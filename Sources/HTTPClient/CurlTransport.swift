import CCurl
import Glibc
import SecureStore
import SystemLayer

/// The `HTTPTransport` that talks to the network: the system libcurl (OpenSSL, so distribution security updates
/// apply without rebuilding credstore), loaded with `dlopen` on the first request.
///
/// Every request is made the way a security tool must: the peer's certificate and host name are always verified
/// (against `HTTPSettings.caBundle` when given, else the system trust store), TLS 1.2 at least; redirects are never
/// followed; only `http` and `https`; the proxy is exactly the one in `HTTPSettings` (libcurl is told it explicitly,
/// so it never reads `*_proxy` from the environment itself); no `Expect: 100-continue`, no `Accept-Encoding`, no
/// cookies, no `.netrc`; the body is sent from the request's `SecretBytes` without a copy on credstore's side, and the
/// response body is read into a buffer that is wiped, bounded by `maxResponseBytes` (an over-long body fails whole,
/// never returned in part); headers are bounded too. One libcurl handle per request: no state between requests, and
/// any thread may call `send`.
package struct CurlTransport: HTTPTransport {
    /// Creates the transport; libcurl is loaded on the first `send`, not here.
    package init() {}

    /// Sends `request` and returns the final response, whatever its status, or throws `HTTPClientError`.
    package func send(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse {
        let url = try RequestURL(parsing: request.url)
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw HTTPClientError(.protocolError, url: url.display,
                                  "the request to \(url.display) was not sent: its method is not an HTTP token")
        }
        // The lines may hold a session token or an authorization token: wiped once the list holds its own copy.
        var lines = try Self.headerLines(for: request, url: url)
        defer { for index in lines.indices { lines[index].withUnsafeMutableBytes { SecretBytes.wipe($0) } } }
        let headerList = CurlHeaderList(lines: lines)
        if let caBundle = settings.caBundle { try Self.checkCABundle(caBundle, url: url) }
        try CurlLibrary.load(for: url.display)

        guard let handle = ccurl_easy_init() else {
            throw HTTPClientError(.libraryUnavailable, url: url.display,
                                  "the system HTTP library could not create a request (out of memory?)")
        }
        defer { ccurl_easy_cleanup(handle) }
        let transfer = CurlTransfer(bodyLimit: max(0, settings.maxResponseBytes))
        let proxy = settings.proxy(for: url)

        let code: CURLcode = try request.body.withUnsafeBytes { body in
            let options = CurlOptions(handle: handle, url: url)
            try options.set(CURLOPT_URL, string: request.url)
            try options.set(CURLOPT_ERRORBUFFER, pointer: transfer.errorBuffer)
            try options.set(CURLOPT_NOSIGNAL, 1)
            try Self.restrictProtocols(options)
            try options.set(CURLOPT_FOLLOWLOCATION, 0)
            try options.set(CURLOPT_PATH_AS_IS, 1)  // the path sent is the path signed
            try options.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
            // Trust: always verify the peer and its name; the CA bundle given replaces the system store entirely.
            try options.set(CURLOPT_SSL_VERIFYPEER, 1)
            try options.set(CURLOPT_SSL_VERIFYHOST, 2)
            // (HTTPS proxies only: a libcurl without them ignores these, and then cannot use such a proxy at all.)
            try options.setIfBuiltIn(CURLOPT_PROXY_SSL_VERIFYPEER, 1)
            try options.setIfBuiltIn(CURLOPT_PROXY_SSL_VERIFYHOST, 2)
            try options.set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
            if let caBundle = settings.caBundle {
                try options.set(CURLOPT_CAINFO, string: caBundle)
                // No CA directory next to the bundle (a TLS library without CA directories has none to clear).
                try options.setIfBuiltIn(CURLOPT_CAPATH, pointer: nil)
                try options.setIfBuiltIn(CURLOPT_PROXY_CAINFO, string: caBundle)
                try options.setIfBuiltIn(CURLOPT_PROXY_CAPATH, pointer: nil)
            }
            // The proxy: set explicitly either way (an empty string means none), so libcurl never reads the
            // environment's *_proxy itself; NO_PROXY was applied above (`proxy(for:)`), so libcurl gets none.
            try options.set(CURLOPT_PROXY, string: proxy ?? "")
            try options.set(CURLOPT_NOPROXY, string: "")
            try options.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
            // Time limits (milliseconds, at least 1: 0 would mean "no limit").
            try options.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(settings.totalTimeout))
            try options.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(settings.connectTimeout))
            // Bounds: libcurl refuses a declared Content-Length over the limit at once; the write callback stops a
            // body that grows past it.
            try options.set(CURLOPT_MAXFILESIZE_LARGE, offset: curl_off_t(max(0, settings.maxResponseBytes)))
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            try options.set(CURLOPT_WRITEFUNCTION, callback: curlWriteBody)
            try options.set(CURLOPT_WRITEDATA, pointer: context)
            try options.set(CURLOPT_HEADERFUNCTION, callback: curlWriteHeader)
            try options.set(CURLOPT_HEADERDATA, pointer: context)
            try options.set(CURLOPT_HTTPHEADER, pointer: headerList.head)
            try Self.setMethod(method, body: body, options: options)
            return withExtendedLifetime(headerList) { ccurl_easy_perform(handle) }
        }

        guard code == CURLE_OK else {
            throw CurlFailure.error(code: code, handle: handle, transfer: transfer, url: url, proxy: proxy,
                                    settings: settings)
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.body())
    }

    /// How the method and body are given to libcurl. A body (or a method that always carries one) goes through
    /// CURLOPT_POSTFIELDS, which libcurl reads in place (never copies) during the transfer, with its exact length.
    private static func setMethod(_ method: String, body: UnsafeRawBufferPointer, options: CurlOptions) throws {
        let carriesBody = !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method)
        if method == "HEAD" && body.isEmpty {
            try options.set(CURLOPT_NOBODY, 1)
        } else if !carriesBody {
            try options.set(CURLOPT_HTTPGET, 1)
            if method != "GET" { try options.set(CURLOPT_CUSTOMREQUEST, string: method) }
        } else {
            try options.set(CURLOPT_POST, 1)
            try options.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(body.count))
            try options.set(CURLOPT_POSTFIELDS, pointer: body.baseAddress)
            if method != "POST" { try options.set(CURLOPT_CUSTOMREQUEST, string: method) }
        }
    }

    /// Only http and https, by name where libcurl knows CURLOPT_PROTOCOLS_STR (7.85), else by the older bit mask.
    private static func restrictProtocols(_ options: CurlOptions) throws {
        if ccurl_setopt_pointer(options.handle, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK { return }
        // CURLOPT_PROTOCOLS (181, a long): deprecated in the headers, named by number so no warning is raised.
        try options.set(CURLoption(rawValue: 181), Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
    }

    /// The header lines for libcurl: the request's own (refused if a name is not a token or a value holds a line
    /// break or other control character), plus removals of what libcurl would add on its own.
    static func headerLines(for request: HTTPRequest, url: RequestURL) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var names: Set<String> = []
        for header in request.headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(isTokenByte) else {
                throw HTTPClientError(.protocolError, url: url.display,
                                      "the request to \(url.display) was not sent: a header name is not an HTTP token")
            }
            guard header.value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPClientError(.protocolError, url: url.display, "the request to \(url.display) was not sent: "
                                          + "the value of header \(header.name) has a line break or control character")
            }
            names.insert(header.name.lowercased())
            // "Name;" is libcurl's way to send a header with an empty value ("Name:" would remove it).
            lines.append(Array(header.name.utf8) + Array((header.value.isEmpty ? ";" : ": " + header.value).utf8))
        }
        // libcurl adds "Expect: 100-continue" to large bodies and a form Content-Type to POSTs: neither was signed.
        if !names.contains("expect") { lines.append(Array("Expect:".utf8)) }
        if !names.contains("content-type") { lines.append(Array("Content-Type:".utf8)) }
        return lines
    }

    /// A time limit for libcurl: whole milliseconds, rounded up, from 1 ms (0 would mean "no limit") to a day; a
    /// value that is not a positive number is the shortest limit, never none.
    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return Int((min(seconds, 86_400) * 1000).rounded(.up))
    }

    /// Whether `byte` may appear in an HTTP token (a method or header name, RFC 9110).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// A CA bundle is checked before use, so a bad one gets a message naming it (libcurl's own is vague): it must be
    /// a readable regular file holding at least one PEM certificate.
    static func checkCABundle(_ path: String, url: RequestURL) throws {
        func unusable(_ reason: String) -> HTTPClientError {
            HTTPClientError(.caBundleUnusable, url: url.display, "the CA bundle \(RequestURL.shown(path)) \(reason)")
        }
        let descriptor: Int32
        do {
            descriptor = try Syscalls.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        } catch {
            throw unusable("cannot be read: \(error)")
        }
        defer { try? Syscalls.close(descriptor) }
        let bytes: [UInt8]
        do {
            let status = try Syscalls.fstat(descriptor)
            guard status.st_mode & S_IFMT == S_IFREG else { throw unusable("is not a regular file") }
            bytes = try Syscalls.readToEnd(descriptor, capacity: 64 * 1024, limit: 64 * 1024 * 1024)
        } catch let error as Errno {
            throw unusable("cannot be read: \(error)")
        }
        let marker = Array("-----BEGIN CERTIFICATE-----".utf8)
        let found = bytes.withUnsafeBufferPointer { buffer in
            guard buffer.count >= marker.count else { return false }
            return (0...(buffer.count - marker.count)).contains { start in
                buffer[start] == 0x2D && marker.indices.allSatisfy { buffer[start + $0] == marker[$0] }
            }
        }
        guard found else { throw unusable("holds no PEM certificate") }
    }
}

/// The options of one handle, each set through CCurl's typed wrappers; an option libcurl refuses is an error (so a
/// security setting can never be silently ignored).
struct CurlOptions {
    let handle: UnsafeMutableRawPointer
    let url: RequestURL

    private func check(_ code: CURLcode, _ option: CURLoption, ifBuiltIn: Bool = false) throws {
        if ifBuiltIn && (code == CURLE_UNKNOWN_OPTION || code == CURLE_NOT_BUILT_IN) { return }
        guard code == CURLE_OK else {
            throw HTTPClientError(.libraryUnavailable, url: url.display,
                                  "the system HTTP library refused option \(option.rawValue) for \(url.display): "
                                      + String(cString: ccurl_easy_strerror(code)))
        }
    }

    /// Sets a long option (CURLOPTTYPE_LONG, CURLOPTTYPE_VALUES).
    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(handle, option, value), option)
    }

    /// Sets a long option that only matters for a feature this libcurl may lack (then it is ignored).
    func setIfBuiltIn(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(handle, option, value), option, ifBuiltIn: true)
    }

    /// Sets a string option that only matters for a feature this libcurl may lack (then it is ignored).
    func setIfBuiltIn(_ option: CURLoption, string: String) throws {
        try check(ccurl_setopt_pointer(handle, option, string), option, ifBuiltIn: true)
    }

    /// Sets a pointer option that only matters for a feature this libcurl may lack (then it is ignored).
    func setIfBuiltIn(_ option: CURLoption, pointer: UnsafeRawPointer?) throws {
        try check(ccurl_setopt_pointer(handle, option, pointer), option, ifBuiltIn: true)
    }

    /// Sets a string option (libcurl copies the string).
    func set(_ option: CURLoption, string: String) throws {
        try check(ccurl_setopt_pointer(handle, option, string), option)
    }

    /// Sets a pointer option (an slist, a context, a buffer libcurl reads or writes during the transfer).
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws {
        try check(ccurl_setopt_pointer(handle, option, pointer), option)
    }

    /// Sets a curl_off_t option.
    func set(_ option: CURLoption, offset: curl_off_t) throws {
        try check(ccurl_setopt_off_t(handle, option, offset), option)
    }

    /// Sets a write or header callback.
    func set(_ option: CURLoption, callback: ccurl_data_callback) throws {
        try check(ccurl_setopt_data_callback(handle, option, callback), option)
    }
}
