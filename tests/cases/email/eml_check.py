#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/cases/email/eml_check.py: the email drafts (mNN-email.eml) read back.

Python's email parser (policy=default) reads each draft; the attachment must be
the member's PDF byte for byte, the body the .txt's body, the subject the
.txt's subject (Polish, Urdu... decoded from RFC 2047), and To, From, Reply-To,
Message-ID, Date and X-Unsent well-formed. A second parser (ripmime, run by
email.sh) wrote what it found into RIPMIME_DIR/<member>/: the PDF under its
RFC 2231 name (the subject), the body as a textfileN.

Usage: eml_check.py LETTER_DIR RIPMIME_DIR MEMBER...
"""
import email
import email.policy
import email.utils
import os
import re
import sys

src, mp, members = sys.argv[1], sys.argv[2], sys.argv[3:]
failures = []
checked = 0


def fail(member, what):
    failures.append(f"{member}-email.eml: {what}")


def txt_parts(path):
    text = open(path, encoding="utf-8").read()
    head, _, body = text.partition("\n\n")
    assert head.startswith("Subject: "), path
    return head[len("Subject: "):], body


for m in members:
    eml_path = os.path.join(src, f"{m}-email.eml")
    raw = open(eml_path, "rb").read()
    pdf = open(os.path.join(src, f"{m}-email.pdf"), "rb").read()
    subject, body = txt_parts(os.path.join(src, f"{m}-email.txt"))
    checked += 1
    before = len(failures)
    if b"\n" in raw.replace(b"\r\n", b""):
        fail(m, "a line ends in a bare LF (RFC 5322 wants CRLF)")
    head = raw.split(b"\r\n\r\n", 1)[0]
    if any(b > 127 for b in head):
        fail(m, "the header block is not ASCII (RFC 2047 encoding missing)")
    if any(len(line) > 998 for line in raw.split(b"\r\n")):
        fail(m, "a line is longer than 998 octets")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for d in msg.defects:
        fail(m, f"parser defect {d!r}")
    if msg.get_content_type() != "multipart/mixed":
        fail(m, f"content type {msg.get_content_type()}")
    if str(msg["Subject"]) != subject:
        fail(m, f"subject decodes to {str(msg['Subject'])!r}, the .txt says {subject!r}")
    if msg["X-Unsent"] != "1":
        fail(m, "no X-Unsent: 1")
    if msg["MIME-Version"] != "1.0":
        fail(m, "no MIME-Version: 1.0")
    for h in ("To", "From", "Reply-To"):
        v = msg[h]
        if v is None or len(v.addresses) != 1 or "@" not in v.addresses[0].addr_spec \
                or not v.addresses[0].display_name:
            fail(m, f"{h} is not one named mailbox")
    if msg["From"] and msg["Reply-To"] and \
            msg["From"].addresses[0].addr_spec != msg["Reply-To"].addresses[0].addr_spec:
        fail(m, "Reply-To differs from From")
    mid = msg["Message-ID"]
    if not mid or not re.fullmatch(r"<[^<>@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]+>", str(mid).strip()):
        fail(m, f"Message-ID is not <local@domain>: {mid!r}")
    if not msg["Date"] or msg["Date"].datetime is None:
        fail(m, "no valid Date")
    parts = list(msg.iter_parts())
    if len(parts) != 2:
        fail(m, f"{len(parts)} parts, expected a body and the PDF")
        continue
    text, att = parts
    if text.get_content_type() != "text/plain" or text.get_content_charset() != "utf-8" \
            or text["Content-Transfer-Encoding"] != "quoted-printable":
        fail(m, "the body is not text/plain, utf-8, quoted-printable")
    if text.get_content().replace("\r\n", "\n") != body:
        fail(m, "the body differs from the .txt's body")
    if att.get_content_type() != "application/pdf" or att.get_content_disposition() != "attachment":
        fail(m, "the second part is not an application/pdf attachment")
    if att.get_content() != pdf:
        fail(m, "the attachment differs from the PDF")
    if att.get_filename() != f"{m}-email.pdf":
        fail(m, f"attachment file name {att.get_filename()!r}")
    name = att.get_param("name", header="content-type")
    name = email.utils.collapse_rfc2231_value(name) if name else None
    if not name or not name.endswith(".pdf") or any(c in name for c in "/\\"):
        fail(m, f"the content type's name {name!r} is not a safe .pdf name")
    # the second parser
    got = sorted(os.listdir(os.path.join(mp, m)))
    pdfs = [f for f in got if f.endswith(".pdf")]
    if pdfs != [name]:
        fail(m, f"ripmime found the attachments {pdfs!r}, not one named as the content type says")
    elif open(os.path.join(mp, m, name), "rb").read() != pdf:
        fail(m, "ripmime's attachment differs from the PDF")
    bodies = [open(os.path.join(mp, m, f), "rb").read() for f in got if f.startswith("textfile")]
    bodies = [b.decode("utf-8", "replace").replace("\r\n", "\n").rstrip("\n") for b in bodies if b]
    if bodies != [body.rstrip("\n")]:
        fail(m, "ripmime's body differs from the .txt's body")
    if len(failures) == before:
        print(f"ok {m}: subject {str(msg['Subject'])!r} ({len(raw)} bytes)")

for f in failures:
    print("FAIL " + f)
print(f"{checked - len({f.split(':')[0] for f in failures})} passed, "
      f"{len({f.split(':')[0] for f in failures})} failed")
sys.exit(1 if failures or not checked else 0)
