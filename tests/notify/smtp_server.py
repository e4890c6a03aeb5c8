#!/usr/bin/python3
"""A real SMTP server for the mail tests (tests/support/smtp_test_server.h starts it): aiosmtpd
(Debian's python3-aiosmtpd) listening on 127.0.0.1, with the behaviours the tests need switched on
from the command line.

Prints "PORT <n>" on stdout once it accepts connections, then serves until it is killed.

Every accepted message is saved in DIR as <n>.eml (the raw bytes) and <n>.json: the envelope
(mail_from, rcpt_tos), whether the session was TLS and who logged in, and the message as
Python's email module reads it (headers decoded, the MIME tree with each part's decoded text).
A refused or dropped message saves nothing.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mime_tree(part):
    node = {"content_type": part.get_content_type()}
    if part.is_multipart():
        node["parts"] = [mime_tree(p) for p in part.iter_parts()]
    else:
        node["charset"] = part.get_content_charset()
        node["transfer_encoding"] = part.get("Content-Transfer-Encoding", "")
        node["content"] = part.get_content()
    return node


class RecordingHandler:
    def __init__(self, directory, refuse, drop, delay_ms):
        self.directory = directory
        self.refuse = refuse  # refuse this many messages more with 451
        self.drop = drop      # drop the connection for this many messages more
        self.delay_ms = delay_ms  # wait this long between saving a message and answering
        self.saved = 0

    async def handle_DATA(self, server, session, envelope):
        if self.drop > 0:
            self.drop -= 1
            server.transport.abort()
            return "421 4.3.0 dropped by the test"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 refused by the test, try again later"
        self.saved += 1
        raw = envelope.original_content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "login": (session.auth_data.login.decode()
                      if isinstance(session.auth_data, LoginPassword) else None),
            "headers": {name: str(value) for name, value in message.items()},
            "mime": mime_tree(message),
        }
        base = os.path.join(self.directory, str(self.saved))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        # The .json last, under its final name at once: its presence means the message is saved.
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(base + ".tmp", base + ".json")
        if self.delay_ms > 0:
            # A slow relay, so that a test can kill the sender in the middle of a batch: most
            # likely while this message is saved but the sender has not heard so.
            await asyncio.sleep(self.delay_ms / 1000)
        return "250 2.0.0 saved"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--user", help="require AUTH with this user name")
    parser.add_argument("--password", help="the password of --user")
    parser.add_argument("--starttls-cert", help="offer STARTTLS with this PEM certificate")
    parser.add_argument("--starttls-key", help="the PEM key of --starttls-cert")
    parser.add_argument("--refuse", type=int, default=0, help="answer 451 to the first N messages")
    parser.add_argument("--drop", type=int, default=0, help="drop the connection for the first N")
    parser.add_argument("--delay-ms", type=int, default=0,
                        help="wait N ms between saving a message and answering 250")
    args = parser.parse_args()
    # aiosmtpd warns when AUTH is allowed without TLS, which the plain-text test does on purpose.
    warnings.simplefilter("ignore")

    tls_context = None
    if args.starttls_cert:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(args.starttls_cert, args.starttls_key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == args.password)
        # handled=False: aiosmtpd answers the failure (535) itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    auth = {}
    if args.user:
        auth = {"authenticator": authenticator, "auth_required": True,
                # AUTH before STARTTLS only when the test offers no TLS at all.
                "auth_require_tls": tls_context is not None}
    port = free_loopback_port()
    handler = RecordingHandler(args.directory, args.refuse, args.drop, args.delay_ms)
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=tls_context,
                            **auth)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
