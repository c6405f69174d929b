#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/email/smtp_server.py: a real SMTP server on 127.0.0.1 for tests/cases/email/send.sh
# (Debian's python3-aiosmtpd): STARTTLS with the test's certificate and AUTH required, or
# neither (--plain). Every message accepted is written to MAILDIR/NNN.eml as received
# (dot-unstuffed, CRLF kept), with NNN.json: envelope, AUTH login, whether TLS was on.
#
# Usage: smtp_server.py --port-file F --maildir D [--cert C --key K --user U --password P]
#        [--plain] [--refuse ADDRESS] [--drop-at N]
#   --refuse ADDRESS  answer RCPT TO:<ADDRESS> with 550
#   --drop-at N       close the connection on the N-th DATA, before answering it
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--maildir", required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--user", default="")
ap.add_argument("--password", default="")
ap.add_argument("--plain", action="store_true")
ap.add_argument("--refuse", default="")
ap.add_argument("--drop-at", type=int, default=0)
a = ap.parse_args()
os.makedirs(a.maildir, exist_ok=True)


class Handler:
    def __init__(self):
        self.n_data = 0
        self.n_saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if a.refuse and address.lower() == a.refuse.lower():
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.n_data += 1
        if a.drop_at and self.n_data == a.drop_at:
            server.transport.abort()  # the line drops: no reply to this message
            return "421 4.4.2 dropped"
        self.n_saved += 1
        base = os.path.join(a.maildir, "%03d" % self.n_saved)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": (session.auth_data.login.decode()
                                 if isinstance(session.auth_data, LoginPassword) else None),
                       "tls": server.transport.get_extra_info("ssl_object") is not None}, f)
        return "250 2.0.0 Ok: queued as TEST%03d" % self.n_saved


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == a.user
          and auth_data.password.decode() == a.password)
    # handled=False: aiosmtpd answers a failure with 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kw = {}
if not a.plain:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    kw = dict(tls_context=ctx, require_starttls=True, auth_required=True,
              auth_require_tls=True, authenticator=authenticator)
c = Controller(Handler(), hostname="127.0.0.1", port=port, server_hostname="localhost", **kw)
c.start()
with open(a.port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(a.port_file + ".tmp", a.port_file)
signal.signal(signal.SIGTERM, lambda *_: (c.stop(), sys.exit(0)))
signal.pause()
