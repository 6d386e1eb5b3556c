import HTTPClient
import SecureStore

/// The AWS query protocol (STS, IAM): a form-encoded `POST /` with `Action` and `Version`, answered with XML
/// (`<ActionResponse><ActionResult>…`), errors as `<ErrorResponse><Error><Code>…`.
package enum QueryProtocol {
    /// The form body: `Action=…&Version=…` then `parameters` in order, encoded byte for byte as botocore encodes it
    /// (Python's `urlencode`: unreserved characters kept, a space as `+`, every other byte `%XX`), so a server that
    /// re-encodes the form it parsed before checking the signature (moto does) hashes the same bytes. A `SecretBytes`
    /// because some parameters may be secret.
    package static func body(action: String, version: String, parameters: [(String, String)]) -> SecretBytes {
        let pairs = [("Action", action), ("Version", version)] + parameters
        var text = pairs.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&")
        defer { text = "" }
        return SecretBytes(utf8: text)
    }

    /// `application/x-www-form-urlencoded` encoding of `text`: RFC 3986 percent-encoding with a space as `+`.
    static func formEncode(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { URIEncoding.encode(Array($0.utf8)) }.joined(separator: "+")
    }

    /// The unsigned request for `action` at `endpoint`.
    package static func request(endpoint: ServiceEndpoint, action: String, version: String,
                                parameters: [(String, String)]) -> HTTPRequest {
        HTTPRequest(method: "POST", url: endpoint.url + "/",
                    headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                    body: body(action: action, version: version, parameters: parameters))
    }

    /// The `<{action}Result>` element of a successful response.
    ///
    /// - Throws: `ResponseSyntaxError` when the body is not such a document.
    package static func result(of response: HTTPResponse, action: String, reader: XMLReader = XMLReader()) throws
        -> XMLElement {
        let root = try reader.parse(response.body)
        guard root.name == "\(action)Response" else {
            throw ResponseSyntaxError(reason: "the root element is <\(root.name.prefix(64))>, not <\(action)Response>")
        }
        // Actions without output (UpdateAccessKey, DeleteAccessKey) have no Result element.
        return root.child("\(action)Result") ?? XMLElement(name: "\(action)Result", children: [], text: SecretBytes([]))
    }

    /// The code, message and request id of an XML error body; nil when the body is not one.
    package static func error(in body: SecretBytes) -> (code: String, message: String?, requestID: String?)? {
        guard let root = try? XMLReader(maxBytes: 64 * 1024).parse(body),
              let error = root.first(named: "Error"), let code = error.child("Code")?.string,
              !code.isEmpty else { return nil }
        let requestID = (root.child("RequestId") ?? root.child("RequestID") ?? root.first(named: "RequestId"))?.string
        return (Text.trimmed(code), error.child("Message")?.string.map(Text.trimmed), requestID.map(Text.trimmed))
    }
}
