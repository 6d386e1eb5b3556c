// libFuzzer harness for the unlock agent's wire protocol (Sources/UnlockAgent/AgentProtocol.swift), compiled by
// Scripts/fuzz together with that file against a SecureStore module of the two files SecretBytes needs, linked with
// libcrypto.
//
// An input is what arrives on the socket: a frame (u32 length ‖ body) and possibly more bytes, which the agent never
// reads. The header goes through the same length check as `AgentSocket.receive`; the body is then decoded as a
// request (what the agent parses from any process of its user) and as a reply to each kind of request (what a client
// parses from whatever listens on the socket path). No input may crash or hang, and:
// - a request that decodes obeys the protocol's rules and re-encodes to exactly the same body and frame;
// - a reply that decodes re-encodes to a reply that decodes to the same value, and a `get` key is 32 bytes;
// - a refused body yields only `malformed` or `unsupportedVersion`, and the reply the agent sends for it decodes;
// - a `--timeout` text (short inputs) that parses is within bounds and survives `describe`.

import SecureStore

private let requestKinds: [AgentRequest] = [
    .status,
    .add(storePath: "/fuzz", key: SecretBytes(Array(repeating: 0x42, count: AgentProtocol.keySize)),
         timeoutSeconds: 60),
    .get(storePath: "/fuzz"),
    .lock(storePath: nil),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgentProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if size <= 16 { checkTimeoutText(input) }
    guard size >= AgentProtocol.headerSize else { return 0 }
    let length = AgentProtocol.announcedLength(input[0..<AgentProtocol.headerSize])
    // Refused unread (the agent answers `tooLarge`), or a peer that has not sent the whole body yet.
    guard AgentProtocol.bodyLengths.contains(length), size - AgentProtocol.headerSize >= length else { return 0 }
    let body = Array(input[AgentProtocol.headerSize..<AgentProtocol.headerSize + length])
    checkRequest(body)
    for request in requestKinds { checkReply(body, to: request) }
    return 0
}

private func checkRequest(_ body: [UInt8]) {
    let request: AgentRequest
    do {
        request = try AgentRequest.decode(body)
    } catch let violation as AgentProtocolViolation {
        precondition(violation.status == .malformed || violation.status == .unsupportedVersion,
                     "a refused request gets status \(violation.status)")
        // What the agent sends back must be a reply every client can read.
        for kind in requestKinds {
            let answer = try? AgentReply.decode(AgentReply(violation.status).encode(), for: kind)
            precondition(answer?.status == violation.status, "the agent's refusal does not decode")
        }
        return
    } catch {
        preconditionFailure("AgentRequest.decode threw something other than AgentProtocolViolation: \(error)")
    }
    switch request {
    case .status:
        break
    case let .add(path, key, timeout):
        checkPath(path)
        precondition(key.count == AgentProtocol.keySize, "add accepted a \(key.count)-byte key")
        precondition(AgentTimeout.bounds.contains(Int(timeout)), "add accepted a timeout of \(timeout) s")
    case let .get(path):
        checkPath(path)
    case let .lock(path):
        if let path {
            precondition(!path.isEmpty && path.utf8.count <= AgentProtocol.maximumPathBytes && !path.utf8.contains(0),
                         "lock accepted a bad path")
        }
    }
    let encoded = request.encode()
    precondition(encoded == body, "a decoded request does not re-encode to the same body")
    precondition(AgentProtocol.frame(encoded) == [UInt8(body.count >> 24 & 0xff), UInt8(body.count >> 16 & 0xff),
                                                  UInt8(body.count >> 8 & 0xff), UInt8(body.count & 0xff)] + body,
                 "frame() does not announce the body length")
}

private func checkPath(_ path: String) {
    precondition(path.hasPrefix("/"), "accepted a relative store path")
    precondition(path.utf8.count <= AgentProtocol.maximumPathBytes, "accepted an overlong store path")
    precondition(!path.utf8.contains(0), "accepted a store path with NUL")
}

private func checkReply(_ body: [UInt8], to request: AgentRequest) {
    let reply: AgentReply
    do {
        reply = try AgentReply.decode(body, for: request)
    } catch let violation as AgentProtocolViolation {
        precondition(violation.status == .malformed || violation.status == .unsupportedVersion,
                     "a refused reply gets status \(violation.status)")
        return
    } catch {
        preconditionFailure("AgentReply.decode threw something other than AgentProtocolViolation: \(error)")
    }
    if case .get = request, reply.status == .ok {
        precondition(reply.key?.count == AgentProtocol.keySize, "a get reply without a 32-byte key")
    }
    guard let again = try? AgentReply.decode(reply.encode(), for: request) else {
        preconditionFailure("a decoded reply does not re-encode to a valid reply")
    }
    precondition(again.status == reply.status && again.key == reply.key && again.state == reply.state
                     && again.forgotten == reply.forgotten,
                 "a decoded reply changes when re-encoded")
}

private func checkTimeoutText(_ input: [UInt8]) {
    guard let text = String(validating: input, as: UTF8.self), let seconds = AgentTimeout.seconds(text) else { return }
    precondition(AgentTimeout.bounds.contains(seconds), "--timeout accepted \(seconds) s")
    precondition(AgentTimeout.seconds(AgentTimeout.describe(seconds)) == seconds, "describe() does not parse back")
}
