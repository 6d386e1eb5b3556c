import Foundation
@testable import AWSAPI
import HTTPClient
import SecureStore
import TestSupport

extension HTTPRequest {
    /// The value of the first header named `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as text.
    var bodyText: String { body.unsafeUTF8String() ?? "" }
}

/// The example key as signing credentials.
let exampleCredentials = SigningCredentials(accessKeyID: ExampleKeys.accessKeyID,
                                            secretAccessKey: SecretBytes(utf8: ExampleKeys.secretAccessKey))

/// A clock fixed at `date`.
struct FixedClock: WallClock {
    var now: Date
}

/// A transport that answers from a list of canned responses (or errors) and records what it was sent: for pure
/// parsing and error-mapping tests only (the real-peer tests use CurlTransport against moto).
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Reply {
        case response(HTTPResponse)
        case failure(HTTPClientError)
    }

    private let lock = NSLock()
    private var replies: [Reply]
    private(set) var sent: [HTTPRequest] = []

    init(_ replies: [Reply]) {
        self.replies = replies
    }

    func send(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        sent.append(request)
        guard !replies.isEmpty else { throw HTTPClientError(.connectionFailed, url: request.url, "no more replies") }
        switch replies.removeFirst() {
        case .response(let response): return response
        case .failure(let error): throw error
        }
    }

    static func xml(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> Reply {
        .response(HTTPResponse(status: status, headers: [HTTPHeader("Content-Type", "text/xml")] + headers,
                               body: SecretBytes(utf8: body)))
    }

    static func json(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> Reply {
        .response(HTTPResponse(status: status,
                               headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.1")] + headers,
                               body: SecretBytes(utf8: body)))
    }
}

/// A retry policy that never sleeps and records the delays it would have slept.
final class RecordedSleeps: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var delays: [Double] = []

    func record(_ seconds: Double) {
        lock.lock()
        delays.append(seconds)
        lock.unlock()
    }

    func policy(maxAttempts: Int = 3, random: Double = 0.5) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, random: { random }, sleep: { [self] in record($0) })
    }
}
