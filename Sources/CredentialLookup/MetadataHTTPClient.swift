import FoundationEssentials
import Glibc
import SecureStore
import SystemLayer

/// An `http://host[:port]` endpoint of the instance metadata service.
struct MetadataEndpoint: Equatable {
    /// The host without brackets (`169.254.169.254`, `fd00:ec2::254`, `localhost`).
    var host: String
    var port: UInt16
    /// The URL as configured, for messages.
    var url: String

    /// The value of the `Host` header: IPv6 literals go back in brackets.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// Parses `http://host[:port][/]`; anything else (https, a path, credentials in the URL) is refused with a reason.
    init(parsing url: String) throws {
        self.url = url
        func invalid(_ reason: String) -> CredentialLookupError {
            CredentialLookupError(.invalidInstanceMetadataEndpoint(value: url, reason: reason))
        }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") else {
            throw invalid(lowered.hasPrefix("https://") ? "only http:// is supported, as on EC2"
                                                        : "it must start with http://")
        }
        var rest = Substring(url.dropFirst("http://".count))
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else { throw invalid("it has no host") }
        guard !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains("#") else {
            throw invalid("it must be only http://host[:port], without a path, query or user")
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ']'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid("the host is empty or has spaces or non-ASCII characters")
        }
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw invalid("the port is not a number 1-65535") }
            port = value
        } else {
            port = 80
        }
    }
}

/// A response of the metadata service. The body may be a token or credentials, so it stays secret.
struct MetadataHTTPResponse {
    var status: Int
    var body: SecretBytes
}

/// Why an HTTP exchange with the metadata service failed.
enum MetadataHTTPFailure: Error, CustomStringConvertible {
    case unreachable(String)
    case timedOut
    case malformed(String)

    var description: String {
        switch self {
        case .unreachable(let reason): return "unreachable: \(reason)"
        case .timedOut: return "no answer in time"
        case .malformed(let reason): return "bad HTTP response: \(reason)"
        }
    }
}

/// A minimal HTTP/1.1 client over one non-blocking TCP socket per request, bounded by a shared deadline.
///
/// The metadata service needs three tiny requests; linking FoundationNetworking for them would add to the start-up
/// time of every credstore command, and credstore runs before every AWS call.
struct MetadataHTTPClient {
    /// The largest response accepted, headers included.
    static let maximumResponseSize = 64 * 1024

    var endpoint: MetadataEndpoint
    /// The time on `clock` by which every request must be done.
    var deadline: Double
    /// The clock `deadline` is on.
    var clock: any Clock = MonotonicClock()

    /// Sends one request; `secretHeader` (the session token) is written from secret bytes, never via a `String`.
    func request(method: String, path: String, headers: [(String, String)] = [],
              secretHeader: (name: String, value: SecretBytes)? = nil) throws -> MetadataHTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\nUser-Agent: credstore\r\n"
            + "Accept: */*\r\nConnection: close\r\n"
        if method == "PUT" || method == "POST" { head += "Content-Length: 0\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var request = SecretBytes(Array(head.utf8))
        if let secretHeader {
            request = request.appending(SecretBytes(Array("\(secretHeader.name): ".utf8)))
                .appending(secretHeader.value).appending(SecretBytes(Array("\r\n".utf8)))
        }
        request = request.appending(SecretBytes(Array("\r\n".utf8)))

        let descriptor = try openConnection()
        defer { close(descriptor) }
        try writeAll(request, to: descriptor)
        return try readResponse(from: descriptor)
    }

    private func remainingMilliseconds() throws -> Int32 {
        let remaining = deadline - clock.now
        guard remaining > 0 else { throw MetadataHTTPFailure.timedOut }
        return Int32(min(remaining * 1000, 60_000).rounded(.up))
    }

    private func openConnection() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            throw MetadataHTTPFailure.unreachable("cannot resolve \(endpoint.host): \(reason)")
        }
        defer { freeaddrinfo(list) }

        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let descriptor = socket(address.pointee.ai_family,
                                    Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                                        | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard descriptor >= 0 else {
                lastError = String(cString: strerror(errno))
                continue
            }
            if connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return descriptor }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                close(descriptor)
                continue
            }
            do {
                try wait(for: Int16(POLLOUT), on: descriptor)
            } catch {
                close(descriptor)
                throw error
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
            if socketError == 0 { return descriptor }
            lastError = String(cString: strerror(socketError))
            close(descriptor)
        }
        throw MetadataHTTPFailure.unreachable(lastError)
    }

    private func wait(for events: Int16, on socket: Int32) throws {
        var descriptors = [pollfd(fd: socket, events: events, revents: 0)]
        let milliseconds = try remainingMilliseconds()
        let ready: Int32
        do {
            // An interrupted poll is made again for the time that is left (SystemLayer).
            ready = try Syscalls.poll(&descriptors, milliseconds: milliseconds)
        } catch {
            throw MetadataHTTPFailure.unreachable(error.description)
        }
        if ready == 0 { throw MetadataHTTPFailure.timedOut }
    }

    private func writeAll(_ request: SecretBytes, to socket: Int32) throws {
        try request.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                do {
                    offset += try Syscalls.retryingInterrupts {
                        send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    }
                } catch let error as Errno where error == .wouldBlock {
                    try wait(for: Int16(POLLOUT), on: socket)
                } catch {
                    throw MetadataHTTPFailure.unreachable("\(error)")
                }
            }
        }
    }

    private func readResponse(from socket: Int32) throws -> MetadataHTTPResponse {
        var buffer = SecretBytes(zeroedCount: Self.maximumResponseSize)
        var count = 0
        var head: ResponseHead?
        while true {
            if let head, let length = head.contentLength, count >= head.bodyStart + length { break }
            guard count < buffer.count else { throw MetadataHTTPFailure.malformed("response larger than 64 KiB") }
            try wait(for: Int16(POLLIN), on: socket)
            let received: Int
            do {
                received = try buffer.withUnsafeMutableBytes { bytes in
                    try Syscalls.retryingInterrupts { recv(socket, bytes.baseAddress! + count, bytes.count - count, 0) }
                }
            } catch let error as Errno where error == .wouldBlock {
                continue
            } catch {
                throw MetadataHTTPFailure.unreachable("\(error)")
            }
            if received > 0 {
                count += received
                if head == nil { head = try buffer.withUnsafeBytes { try ResponseHead(parsing: $0[0..<count]) } }
            } else {
                break
            }
        }
        guard let head else { throw MetadataHTTPFailure.malformed("the connection closed before the headers ended") }
        if let length = head.contentLength {
            guard count >= head.bodyStart + length else {
                throw MetadataHTTPFailure.malformed("the connection closed before the body ended")
            }
            return MetadataHTTPResponse(status: head.status, body: buffer.slice(head.bodyStart, length))
        }
        if head.chunked {
            let body = try buffer.withUnsafeBytes { try Self.dechunk($0[head.bodyStart..<count]) }
            return MetadataHTTPResponse(status: head.status, body: body)
        }
        return MetadataHTTPResponse(status: head.status, body: buffer.slice(head.bodyStart, count - head.bodyStart))
    }

    static func dechunk(_ bytes: Slice<UnsafeRawBufferPointer>) throws -> SecretBytes {
        var body = SecretBytes(zeroedCount: 0)
        var index = bytes.startIndex
        while true {
            guard let lineEnd = findCRLF(in: bytes, from: index) else {
                throw MetadataHTTPFailure.malformed("truncated chunk")
            }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            let sizeField = sizeText.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            // Bounded before any arithmetic: a hostile size near Int.max must not overflow `size + 2`.
            guard let size = Int(sizeField.trimmingWhitespace(), radix: 16),
                  (0...maximumResponseSize).contains(size) else {
                throw MetadataHTTPFailure.malformed("bad chunk size")
            }
            index = lineEnd + 2
            if size == 0 { return body }
            guard bytes.endIndex - index >= size + 2 else { throw MetadataHTTPFailure.malformed("truncated chunk") }
            body = body.appending(SecretBytes(bytes[index..<index + size]))
            index += size + 2
        }
    }

    fileprivate static func findCRLF(in bytes: Slice<UnsafeRawBufferPointer>, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.endIndex {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}

/// The status line and the headers that matter, parsed once the blank line after the headers has arrived.
private struct ResponseHead {
    var status: Int
    var contentLength: Int?
    var chunked = false
    var bodyStart: Int

    /// Returns `nil` while the header section is still incomplete.
    init?(parsing bytes: Slice<UnsafeRawBufferPointer>) throws {
        var end: Int?
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A
                && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                end = index
                break
            }
            index += 1
        }
        guard let end else { return nil }
        bodyStart = end + 4
        let text = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]),
              (100...599).contains(status) else {
            throw MetadataHTTPFailure.malformed("no HTTP/1.x status line")
        }
        self.status = status
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            if name == "content-length" {
                // Bounded here so that `bodyStart + length` cannot overflow: nothing longer fits the buffer anyway.
                guard let length = Int(value), (0...MetadataHTTPClient.maximumResponseSize).contains(length) else {
                    throw MetadataHTTPFailure.malformed("bad Content-Length")
                }
                contentLength = length
            } else if name == "transfer-encoding" {
                chunked = value.lowercased().contains("chunked")
            }
        }
        if chunked { contentLength = nil }
    }
}

extension SecretBytes {
    /// A new secret holding `count` bytes from `start`.
    func slice(_ start: Int, _ count: Int) -> SecretBytes {
        withUnsafeBytes { SecretBytes($0[start..<start + count]) }
    }
}
