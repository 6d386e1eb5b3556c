import Foundation

/// A throwaway certificate authority made with the `openssl` command in a private temporary directory (removed with
/// the value), for TLS tests against local servers:
/// - `caCertificate`: the CA (trust it through `AWS_CA_BUNDLE`);
/// - `serverCertificate`/`serverKey`: signed by the CA, valid for `127.0.0.1` and `localhost` (subjectAltName);
/// - `wrongHostCertificate`/`wrongHostKey`: signed by the CA, valid only for `wrong-host.invalid`;
/// - `otherCACertificate`: a second, unrelated CA (trusting it must not trust the server).
/// Keys are EC P-256 without a passphrase; certificates are valid for two days.
package final class LocalCA {
    /// The directory holding every file; removed with the value.
    package let directory: TemporaryDirectory
    /// PEM of the CA certificate.
    package var caCertificate: String { directory.file("ca.pem") }
    /// PEM of the server certificate for 127.0.0.1 and localhost.
    package var serverCertificate: String { directory.file("server.pem") }
    /// PEM of the server certificate's private key.
    package var serverKey: String { directory.file("server.key") }
    /// PEM of a certificate from the same CA for another host name only.
    package var wrongHostCertificate: String { directory.file("wrong-host.pem") }
    /// PEM of its private key.
    package var wrongHostKey: String { directory.file("wrong-host.key") }
    /// PEM of an unrelated CA's certificate.
    package var otherCACertificate: String { directory.file("other-ca.pem") }

    /// Makes the CAs and certificates; skips (MissingPeer) when `openssl` is missing.
    package init() throws {
        guard let openssl = ProcessRunner.which("openssl") else {
            throw MissingPeer.error("the TLS tests", needs: "the openssl command (not found on PATH)",
                                    remedy: "run Scripts/bootstrap --test (it installs openssl)")
        }
        directory = try TemporaryDirectory(prefix: "credstore-ca")
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "HOME": directory.path, "RANDFILE": directory.file(".rnd")]
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run(openssl, arguments, environment: environment,
                                               currentDirectory: directory.path)
            guard result.status == 0 else {
                throw MissingPeer(description: "openssl \(arguments.first ?? "") failed: \(result.stderr)")
            }
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for (name, subject) in [("ca", "credstore test CA"), ("other-ca", "unrelated test CA")] {
            try run(["req", "-x509"] + key + ["-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2",
                     "-subj", "/CN=\(subject)", "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        for (name, names) in [("server", "IP:127.0.0.1,DNS:localhost"), ("wrong-host", "DNS:wrong-host.invalid")] {
            try directory.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                    + "extendedKeyUsage=serverAuth\nsubjectAltName=\(names)\n",
                                to: "\(name).ext")
            try run(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr",
                                     "-subj", "/CN=\(name == "server" ? "127.0.0.1" : "wrong-host.invalid")"])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", "\(name).ext", "-out", "\(name).pem"])
        }
    }
}
