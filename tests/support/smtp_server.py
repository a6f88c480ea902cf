#!/usr/bin/env python3
"""A test SMTP server (aiosmtpd) on 127.0.0.1.

Prints "PORT <n>" on stdout once it listens (port 0: a free one). Each accepted message is stored
in --out as NNNNNN.json: {"from", "to", "headers" (lower-case names, RFC 2047-decoded values),
"text", "html", "raw", "peer" (the client's address:port: one per connection)}, written atomically (tmp + rename). Restarting with the same --out and
--port keeps the numbering, so a test can stop the server (SMTP down) and start it again.
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os
import socket
import sys

from aiosmtpd.smtp import SMTP, AuthResult


def decode(value):
    return str(email.header.make_header(email.header.decode_header(value)))


class Handler:
    def __init__(self, out, delay_ms, reject_all):
        self.out = out
        self.delay = delay_ms / 1000.0
        self.reject_all = reject_all
        self.count = len([n for n in os.listdir(out) if n.endswith(".json")])

    async def handle_DATA(self, server, session, envelope):
        if self.reject_all:
            if self.delay:
                await asyncio.sleep(self.delay)
            return "550 rejected by the test server"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        headers = {}
        for name, value in message.items():
            unfolded = value.replace("\r\n", "").replace("\n", "")
            headers[name.lower()] = decode(unfolded)
        text, html = "", ""
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "utf-8"
            body = payload.decode(charset, errors="replace")
            if part.get_content_type() == "text/plain" and not text:
                text = body
            elif part.get_content_type() == "text/html" and not html:
                html = body
        record = {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "headers": headers,
                  "text": text, "html": html, "peer": "%s:%d" % tuple(session.peer[:2]), "raw": raw.decode("utf-8", errors="replace")}
        self.count += 1
        path = os.path.join(self.out, "%06d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        # The message is kept before the slow answer, like a real server that queued it and is
        # slow to say so: a client that dies now has sent the email without knowing it.
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-delay-ms", type=int, default=0)
    parser.add_argument("--reject-all", action="store_true")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(64)
    port = sock.getsockname()[1]

    handler = Handler(args.out, args.data_delay_ms, args.reject_all)
    kwargs = {}
    if args.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
            return AuthResult(success=ok)
        kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="test-smtp", **kwargs), sock=sock))
    print("PORT %d" % port, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
