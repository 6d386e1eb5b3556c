// libFuzzer harness for the credential_process JSON reply parser (CredentialLookup), compiled by Scripts/fuzz
// together with the reply parser's sources, against SecureStore (for SecretBytes) and SharedFileStore built as
// modules of their own, linked with libcrypto.
// No input may crash or hang; an accepted reply must have a non-empty key pair, and an error message must never
// quote the reply.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCredentialProcess(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    do {
        let credentials = try CredentialProcessReply.parse(buffer)
        precondition(!credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty,
                     "accepted a reply without a key pair")
    } catch {
        // A reply that is a bare secret-like token must not come back in the message. Secrets are 20+ characters
        // (a secret access key has 40); shorter tokens may be words the messages use ("SessionToken").
        let message = "\(error)"
        if size >= 20, let text = String(bytes: buffer, encoding: .utf8), !text.contains("\""),
           text.allSatisfy({ $0.isLetter || $0.isNumber }) {
            precondition(!message.contains(text), "the error message quotes the reply")
        }
    }
    return 0
}
