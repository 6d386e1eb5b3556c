import CCurl

/// Turns a failed libcurl transfer into an `HTTPClientError` with a precise code: the CURLcode first, refined by what
/// the callbacks saw, the X.509 verification result (an untrusted certificate vs a host-name mismatch) and the
/// proxy's CONNECT answer. Messages name the URL (never its query) and keep libcurl's own text, which names no secret.
enum CurlFailure {
    static func error(code: CURLcode, handle: UnsafeMutableRawPointer, transfer: CurlTransfer, url: RequestURL,
                      proxy: String?, settings: HTTPSettings) -> HTTPClientError {
        let detail = transfer.errorText.isEmpty ? String(cString: ccurl_easy_strerror(code)) : transfer.errorText
        let target = url.display
        let via = proxy.map { " through the proxy \(proxyDisplay($0))" } ?? ""
        func make(_ kind: HTTPClientError.Code, _ text: String) -> HTTPClientError {
            HTTPClientError(kind, url: target, "\(text) (\(detail))")
        }
        switch code {
        case CURLE_WRITE_ERROR where transfer.bodyTooLarge, CURLE_FILESIZE_EXCEEDED:
            return HTTPClientError(.responseTooLarge, url: target,
                                   "the response from \(target) is larger than the \(settings.maxResponseBytes)-byte "
                                       + "limit; none of it was used")
        case CURLE_WRITE_ERROR where transfer.headerProblem != nil:
            return HTTPClientError(.protocolError, url: target,
                                   "the response from \(target) was refused: \(transfer.headerProblem ?? "")")
        case CURLE_OPERATION_TIMEDOUT:
            return make(.timedOut, "no complete response from \(target)\(via) within the time limit "
                            + "(\(seconds(settings.connectTimeout)) s to connect, \(seconds(settings.totalTimeout)) s "
                            + "in all)")
        case CURLE_COULDNT_RESOLVE_HOST:
            return make(.hostNotFound, "the host '\(url.host)' of \(target) could not be resolved")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return make(.proxyFailed, "the proxy \(proxyDisplay(proxy ?? "")) for \(target) could not be resolved")
        case CURLE_COULDNT_CONNECT where proxy != nil:
            return make(.proxyFailed, "could not connect to the proxy \(proxyDisplay(proxy ?? "")) for \(target)")
        case CURLE_COULDNT_CONNECT:
            return make(.connectionFailed, "could not connect to \(target)")
        case CURLE_PEER_FAILED_VERIFICATION:
            // libcurl's text tells the two apart: a chain that does not verify is "SSL certificate problem: <X.509
            // reason>" (checked first, so an untrusted certificate for the wrong name is "untrusted"); its own
            // name check says "subject name ... target host name". OpenSSL's HOSTNAME/EMAIL/IP_ADDRESS_MISMATCH
            // results (62-64) cover a library that leaves the name check to OpenSSL.
            var verifyResult = 0
            _ = ccurl_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult)
            let lowered = detail.lowercased()
            if !lowered.contains("certificate problem")
                && (lowered.contains("subject name") || (62...64).contains(verifyResult)) {
                return make(.hostNameMismatch,
                            "the certificate of \(target) does not name the host '\(url.host)'")
            }
            let trust = settings.caBundle.map { "the CA bundle \(RequestURL.shown($0))" } ?? "the system trust store"
            return make(.certificateUntrusted,
                        "the certificate of \(target) is not trusted (checked against \(trust))")
        case CURLE_SSL_CACERT_BADFILE:
            let bundle = settings.caBundle.map(RequestURL.shown) ?? "of the system"
            return make(.caBundleUnusable, "the CA bundle \(bundle) could not be used for \(target)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return make(.tlsFailed, "the TLS connection to \(target)\(via) failed")
        case CURLE_PROXY:
            return make(.proxyFailed, "the proxy \(proxyDisplay(proxy ?? "")) failed for \(target)")
        case CURLE_URL_MALFORMAT:
            return make(.invalidURL, "the URL \(RequestURL.shown(target)) is not usable")
        default:
            if proxy != nil {
                var connectCode = 0
                _ = ccurl_getinfo_long(handle, CURLINFO_HTTP_CONNECTCODE, &connectCode)
                if connectCode != 0 && connectCode != 200 {
                    return make(.proxyFailed, "the proxy \(proxyDisplay(proxy ?? "")) refused to connect to "
                                    + "\(target) (it answered HTTP \(connectCode))")
                }
            }
            // The connection broke, or what came back is not HTTP (a server that is not HTTP, HTTP/0.9, a broken
            // chunk, a closed connection before the body ended).
            return make(.protocolError, "the response from \(target)\(via) is not valid HTTP or the connection broke")
        }
    }

    /// A proxy URL as shown in messages: without user information (a proxy password must never be printed).
    static func proxyDisplay(_ proxy: String) -> String {
        var text = Substring(proxy)
        var scheme: Substring = ""
        if let range = text.firstRange(of: "://") {
            scheme = text[..<range.upperBound]
            text = text[range.upperBound...]
        }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        return "'" + scheme + text.prefix(200) + "'"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
