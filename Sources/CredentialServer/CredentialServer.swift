import CMicroHTTPD
import CredentialLookup
import FoundationEssentials
import Glibc
import SecureStore

/// What an endpoint serves: called once per credentials request, on one of the endpoint's worker threads (possibly
/// several at once), so it must be safe to call concurrently. It may refresh (resolve again, renew a session) on
/// every call. Credentials without an `expiration` are a long-lived key and are served with an expiry
/// `Configuration.longLivedKeyLease` ahead; credentials whose expiration has passed are never served. What it throws
/// is answered with a 500 and the error's description (which must hold no secret: the library errors never do).
package typealias CredentialProvider = @Sendable () throws -> Credentials

/// A local credential endpoint in the ECS container-credentials protocol (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`), which every AWS SDK and the AWS CLI read.
///
/// It listens on 127.0.0.1 at a port the kernel picks and serves one random path, to GET requests carrying
/// `Authorization: <token>` (a fresh 256-bit token, compared in constant time): no token is 401, a wrong one 403,
/// another path 404, another method 405, a provider failure or expired credentials 500 — each with a JSON
/// `{"code","message"}` body and never a credential. HTTP itself is GNU libmicrohttpd's (loaded with dlopen on the
/// first `start`, so a process that never serves never maps it), with a thread per connection, a connection limit,
/// a request size bound and an idle timeout (`Configuration`).
///
/// The endpoint stops (its listening socket closed, its threads joined) at `stop()`; it must be stopped before the
/// last reference goes away.
package final class CredentialServer: @unchecked Sendable {
    /// Limits and the lease of a long-lived key.
    package struct Configuration: Sendable {
        /// Connections open at once (all clients), each served by its own thread, so requests are answered
        /// concurrently and a slow provider call holds up no other connection.
        package var connections: UInt32 = 64
        /// Bytes of memory per connection for the request line and headers; a longer request is refused by
        /// libmicrohttpd (431 or 414) before the handler runs.
        package var requestBytes: Int = 16 * 1024
        /// Seconds an idle connection is kept open.
        package var idleSeconds: UInt32 = 10
        /// How far ahead of each request a long-lived key's served `Expiration` lies. More than botocore's advisory
        /// refresh window (15 minutes: within it a client asks again before every call) and far enough from its
        /// mandatory window (10 minutes); clients ask again after about 5 minutes, and each request resolves the key
        /// afresh, so a key removed or rotated in the store stops being served soon.
        package var longLivedKeyLease: Double = 20 * 60

        /// The defaults.
        package init() {}
    }

    /// The port the endpoint listens on (127.0.0.1).
    package let port: UInt16
    /// The full URI for `AWS_CONTAINER_CREDENTIALS_FULL_URI`, e.g. `http://127.0.0.1:41234/3f0c…`.
    package let uri: String
    /// The token for `AWS_CONTAINER_AUTHORIZATION_TOKEN` (64 hex digits). A secret: it opens the endpoint.
    package let authorizationToken: SecretBytes

    private let responder: EndpointResponder
    private var daemon: OpaquePointer?
    private let lock: UnsafeMutablePointer<pthread_mutex_t>

    /// Starts an endpoint serving what `provider` returns.
    ///
    /// - Parameters:
    ///   - configuration: Limits and the long-lived key's lease.
    ///   - now: The wall clock (injectable for tests of expiry).
    ///   - provider: Called per request for the credentials to serve.
    /// - Throws: `CredentialServerError` when libmicrohttpd cannot be loaded or the endpoint cannot listen.
    package init(configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Date = { Date() },
                 provider: @escaping CredentialProvider) throws {
        try MicroHTTPD.load()
        let secrets = EndpointSecrets.generate()
        responder = EndpointResponder(secrets: secrets, provider: provider, now: now,
                                      lease: configuration.longLivedKeyLease)
        var limits = cmhd_limits(connections: configuration.connections,
                                 connections_per_address: configuration.connections,
                                 request_bytes: configuration.requestBytes, idle_seconds: configuration.idleSeconds)
        var boundPort: UInt16 = 0
        let context = Unmanaged.passUnretained(responder).toOpaque()
        guard let started = cmhd_start(UInt32(INADDR_LOOPBACK).bigEndian, 0, &limits, answerRequest, context,
                                       &boundPort) else {
            let reason = errno == 0 ? "libmicrohttpd could not start" : String(cString: strerror(errno))
            throw CredentialServerError(.startFailed, "cannot listen on 127.0.0.1: \(reason)")
        }
        daemon = started
        port = boundPort
        uri = "http://127.0.0.1:\(boundPort)\(secrets.path)"
        authorizationToken = secrets.token
        lock = UnsafeMutablePointer.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        stop()
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Stops the endpoint: the listening socket is closed and every worker thread has finished when this returns.
    /// Stopping again does nothing.
    package func stop() {
        pthread_mutex_lock(lock)
        let running = daemon
        daemon = nil
        pthread_mutex_unlock(lock)
        if let running { cmhd_stop(running) }
    }

    /// The token as text, for the one place it must leave the process (a child's environment, a 0600 file, a
    /// terminal the user asked to print it on).
    package var authorizationTokenText: String {
        authorizationToken.unsafeUTF8String() ?? ""
    }
}

/// The C callback libmicrohttpd's worker threads call for each request: hands it to the `EndpointResponder`.
private let answerRequest: cmhd_request_handler = { context, connection, method, path, authorization in
    guard let context else { return 0 }
    let responder = Unmanaged<EndpointResponder>.fromOpaque(context).takeUnretainedValue()
    let answer = responder.answer(method: method.map { String(cString: $0) } ?? "",
                                  path: path.map { String(cString: $0) } ?? "",
                                  authorization: authorization)
    return answer.body.withUnsafeBytes { body in
        cmhd_respond(connection, UInt32(answer.status), body.baseAddress, body.count, "application/json",
                     answer.status == 200 ? 0 : 1)
    }
}
