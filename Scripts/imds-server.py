#!/usr/bin/env python3
"""A local stand-in for the EC2 instance metadata service (IMDSv2 only), for credstore's tests.

Listens on 127.0.0.1 (port 0 = any free port), prints "PORT <n>" on stdout once it accepts connections, and serves:
  PUT /latest/api/token                           needs X-aws-ec2-metadata-token-ttl-seconds (1..21600), returns a token
  GET /latest/meta-data/iam/security-credentials/ the role name (404 with --no-role)
  GET /latest/meta-data/iam/security-credentials/ROLE   the credentials JSON
Every GET without a valid X-aws-ec2-metadata-token gets 401, as on an instance with IMDSv2 required.
Uses only the AWS documentation example keys. Stop it with SIGTERM.
"""
import argparse
import datetime
import http.server
import json
import secrets
import sys

CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--role", default="credstore-test-role")
    parser.add_argument("--no-role", action="store_true", help="the instance has no IAM role (404)")
    parser.add_argument("--expired", action="store_true", help="serve credentials that expired an hour ago")
    parser.add_argument("--malformed", action="store_true", help="serve a credentials body that is not JSON")
    parser.add_argument("--code", default="Success", help="the Code field of the credentials JSON")
    arguments = parser.parse_args()
    tokens = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            sys.stderr.write("imds-server: " + (format % args) + "\n")

        def reply(self, status, body=b"", content_type="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            if self.path != "/latest/api/token":
                return self.reply(404)
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400)
            token = secrets.token_urlsafe(32)
            tokens.add(token)
            self.reply(200, token.encode())

        def do_GET(self):
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens:
                return self.reply(401)
            if self.path == CREDENTIALS_PATH:
                if arguments.no_role:
                    return self.reply(404)
                return self.reply(200, (arguments.role + "\n").encode())
            if self.path == CREDENTIALS_PATH + arguments.role and not arguments.no_role:
                if arguments.malformed:
                    return self.reply(200, b'{"Code": "Success", "AccessKeyId": ', "application/json")
                now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                expiration = now + datetime.timedelta(hours=-1 if arguments.expired else 6)
                body = {
                    "Code": arguments.code,
                    "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "Token": "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
                    "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                return self.reply(200, json.dumps(body).encode(), "application/json")
            self.reply(404)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print("PORT", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
