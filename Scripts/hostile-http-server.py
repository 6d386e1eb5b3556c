#!/usr/bin/env python3
"""A deliberately badly behaved HTTP(S) server for credstore's transport tests (never for anything else).

Listens on 127.0.0.1 (port 0 = any free port), prints "PORT <n>" on stdout once it accepts connections, logs
"REQUEST <method> <path>" for every request head it reads to stderr, and answers by path:
  /ok                 200, body "hello"
  /echo               200, a JSON object: the request's method, path, headers (as sent) and body length + SHA-256
  /slow               200 with Content-Length 1000, then one byte every 0.2 s (a slow drip)
  /stall              reads the request and never answers
  /huge-declared      200 with Content-Length 100 MiB, then bytes as fast as the client reads
  /huge-chunked       200, chunked, chunks without end
  /redirect           302 to /redirect-target (which logs the request and answers 200 if asked)
  /garbage            bytes that are not HTTP, then close
  /many-headers       200 with 1,000 header lines
  /long-header        200 with one 100 KiB header
  /bad-chunk          200, chunked, a chunk size of 7FFFFFFFFFFFFFFF
  /close-early        200 with Content-Length 100, 10 bytes, then close
  /xml-garbage        200, Content-Type text/xml, a body that is not XML
  anything else       404
With --cert and --key it serves TLS with that certificate. Stop it with SIGTERM.
"""
import argparse
import hashlib
import json
import socket
import socketserver
import ssl
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    arguments = parser.parse_args()
    context = None
    if arguments.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.cert, arguments.key)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            connection = self.request
            if context is not None:
                try:
                    connection = context.wrap_socket(connection, server_side=True)
                except (ssl.SSLError, OSError) as error:
                    sys.stderr.write("TLS handshake failed: %s\n" % error)
                    return
            reader = connection.makefile("rb")
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = reader.readline(65536)
                if not line:
                    return
                head += line
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
            length = next((int(value) for name, value in headers if name.lower() == "content-length"), 0)
            if any(name.lower() == "expect" for name, _ in headers):
                connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = reader.read(length) if length else b""
            sys.stderr.write("REQUEST %s %s\n" % (method, path))
            sys.stderr.flush()
            try:
                answer(connection, method, path, headers, body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass

    def send(connection, status, body=b"", extra=()):
        head = "HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n" % (status, len(body))
        head += "".join("%s: %s\r\n" % pair for pair in extra)
        connection.sendall(head.encode() + b"\r\n" + body)

    def answer(connection, method, target, headers, body):
        path = target.split("?", 1)[0]
        if path in ("/ok", "/redirect-target"):
            send(connection, "200 OK", b"hello")
        elif path == "/echo":
            reply = {"method": method, "path": target, "headers": headers, "bodyLength": len(body),
                     "bodySHA256": hashlib.sha256(body).hexdigest()}
            send(connection, "200 OK", json.dumps(reply).encode(), [("Content-Type", "application/json")])
        elif path == "/slow":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                connection.sendall(b"x")
                time.sleep(0.2)
        elif path == "/stall":
            time.sleep(60)
        elif path == "/huge-declared":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (100 << 20))
            block = b"y" * 65536
            for _ in range(1600):
                connection.sendall(block)
        elif path == "/huge-chunked":
            connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            block = b"z" * 65536
            while True:
                connection.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
        elif path == "/redirect":
            send(connection, "302 Found", b"", [("Location", "/redirect-target")])
        elif path == "/garbage":
            connection.sendall(b"\x00\x01 this is not HTTP at all \xff\xfe\r\n\r\n")
        elif path == "/many-headers":
            filler = b"".join(b"X-Filler-%d: %d\r\n" % (i, i) for i in range(1000))
            connection.sendall(b"HTTP/1.1 200 OK\r\n" + filler + b"Content-Length: 0\r\n\r\n")
        elif path == "/long-header":
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 100_000 + b"\r\nContent-Length: 0\r\n\r\n")
        elif path == "/bad-chunk":
            connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"7FFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n")
        elif path == "/close-early":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        elif path == "/xml-garbage":
            send(connection, "200 OK", b"<Response><unclosed", [("Content-Type", "text/xml")])
        else:
            send(connection, "404 Not Found")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", arguments.port), Handler)
    print("PORT", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
