#!/usr/bin/env python3
"""A local endpoint that fails the way AWS endpoints fail, for AWSAPITests (never for anything else).

Listens on 127.0.0.1 (any free port), prints "PORT <n>" on stdout, logs "REQUEST <path> <x-amz-date>" to stderr for
every request, and answers by the first path segment:
  /throttle/    400 <Code>Throttling</Code> (query-protocol XML)
  /unavailable/ 503 with an empty body
  /flaky/       500 InternalError for the first two requests, then a GetCallerIdentity reply
  /redirect/    307 to https://elsewhere.example:8443/?X-Amz-Signature=abc
  /garbage/     200, text/xml, a body that is not XML
  /truncated/   200, Content-Length 400, 60 bytes of a reply, then close
  /doctype/     200, a reply with an entity declaration (refused by a strict reader)
  /skew/        403 SignatureDoesNotMatch with a Date header one hour behind this machine's clock
  /kms-throttle/ 400 {"__type": "ThrottlingException"} (JSON 1.1)
  /kms-disabled/ 400 {"__type": "DisabledException"} (JSON 1.1; KMS for a disabled key)
  /huge/        200, Content-Length 8 MiB, sent as fast as the client reads
  /drip/        200, Content-Length 1000, then one byte every 0.2 s
Stop it with SIGTERM.
"""
import email.utils
import http.server
import sys
import time

IDENTITY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            b'<Arn>arn:aws:iam::123456789012:user/flaky</Arn><UserId>AIDAFLAKY</UserId>'
            b'<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>')
COUNTS = {}


def error_xml(code):
    return ('<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>m</Message></Error>'
            '<RequestId>r</RequestId></ErrorResponse>' % code).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        # /skew/ answers as a server whose clock is one hour behind this machine's.
        offset = 3600 if self.path.strip("/").split("/")[0] == "skew" else 0
        return email.utils.formatdate(time.time() - offset, usegmt=True)

    def reply(self, status, body, content_type="text/xml", extra=(), length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mode = self.path.strip("/").split("/")[0]
        sys.stderr.write("REQUEST /%s %s\n" % (mode, self.headers.get("X-Amz-Date", "-")))
        sys.stderr.flush()
        COUNTS[mode] = COUNTS.get(mode, 0) + 1
        if mode == "throttle":
            self.reply(400, error_xml("Throttling"))
        elif mode == "unavailable":
            self.reply(503, b"")
        elif mode == "flaky":
            if COUNTS[mode] <= 2:
                self.reply(500, error_xml("InternalError"))
            else:
                self.reply(200, IDENTITY)
        elif mode == "redirect":
            self.reply(307, b"", extra=[("Location", "https://elsewhere.example:8443/?X-Amz-Signature=abc")])
        elif mode == "garbage":
            self.reply(200, b"\x00\x01 this is not <xml")
        elif mode == "truncated":
            self.reply(200, IDENTITY[:60], length=400)
            self.close_connection = True
        elif mode == "doctype":
            self.reply(200, b'<!DOCTYPE r [<!ENTITY x "y">]>' + IDENTITY)
        elif mode == "skew":
            self.reply(403, error_xml("SignatureDoesNotMatch"))
        elif mode == "kms-disabled":
            # What KMS answers for a disabled key (moto does not enforce the key state).
            self.reply(400, b'{"__type":"DisabledException","message":"arn:aws:kms:us-east-1:123456789012:key/'
                       b'1234abcd-12ab-34cd-56ef-1234567890ab is disabled."}',
                       content_type="application/x-amz-json-1.1")
        elif mode == "kms-throttle":
            self.reply(400, b'{"__type":"ThrottlingException","message":"slow down"}',
                       content_type="application/x-amz-json-1.1")
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(8 << 20))
            self.end_headers()
            chunk = b"<a>" + b"x" * 65533
            for _ in range(128):
                self.wfile.write(chunk)
        elif mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self.reply(404, b"")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
