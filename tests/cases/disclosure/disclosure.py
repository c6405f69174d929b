#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/cases/disclosure/disclosure.py: the disclosure promise through the command.

Every leak a tester found is refused: `kinletter check` reports it at the
field's file:line:col naming whose detail it is (never the detail itself);
`generate` writes no letter that would carry it, and the detail is in no
file on disk (PDF text read by pdftotext). `render` refuses a member's name
holding another member's number and a template that selects another
member's address, and writes nothing.

Every false positive a tester found writes all its letters and the record:
members in ~200 real UK towns that are also words, months and names (Reading,
March, Sandy, Preston...), towns inside other towns' names, "Flat 14" next to
"Flat 14, Ash Court", a shared home, letters dated in March.

Usage: disclosure.py KINLETTER SOURCE_ROOT
"""
import os
import re
import subprocess
import sys
import tempfile

KL, SRC = sys.argv[1], sys.argv[2]
failures = []
tmp = tempfile.mkdtemp(prefix="kl-disclosure-")
env = dict(os.environ, KINLETTER_PDF_DATE="2026-10-09T12:00:00Z")


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def run(*args):
    p = subprocess.run([KL, *args], capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")
            .replace('"', "&quot;"))


def review(members, partnership="Northshire Safeguarding Children Partnership",
           hours="Monday to Friday, 9am to 5pm", reviewer_role="independent reviewer",
           agencies=("Northtown Hospital", "Northshire Police"),
           services=(("Northshire Bereavement Service", "01632 960789"),),
           letter_date="2026-11-27"):
    ag = "".join(f"<agency>{esc(a)}</agency>" for a in agencies)
    sv = "".join(f"<service name='{esc(n)}' phone='{p}'/>" for n, p in services)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<review xmlns="urn:kinletter:review:1" id="DISC-1" type="lcspr">
  <partnership>
    <name>{esc(partnership)}</name>
    <address><line>Floor 3, County Hall</line><town>Northtown</town><postcode>NT1 4AB</postcode></address>
    <phone>01632 960123</phone>
    <email>reviews@northshire-scp.example</email>
  </partnership>
  <subject given="Amelia" family="Nowak" gender="female" age="4" outcome="died"/>
  <dates decided="2026-11-20" letter="{letter_date}" expected-end="2027-05-28"
         period-from="2025-01-01" period-to="2026-10-31"/>
  <reviewer name="Dr Helen Price" role='{esc(reviewer_role)}'/>
  <contact name="Sam Okafor" role="family contact" phone="01632 960456"
           email="sam.okafor@northshire-scp.example" hours='{esc(hours)}'/>
  <agencies>{ag}</agencies>
  <support>{sv}</support>
  <family>
{members}
  </family>
</review>
"""


def post_member(mid, given, lines, town, postcode, family="Nowak"):
    ls = "".join(f"<line>{esc(l)}</line>" for l in lines)
    return (f"<member id='{mid}' relationship='aunt' gender='female'>"
            f"<name given='{esc(given)}' family='{esc(family)}'/><language locale='en-GB'/>"
            f"<contact channel='post'><address>{ls}<town>{esc(town)}</town>"
            f"<postcode>{postcode}</postcode></address></contact></member>")


def sms_member(mid, given, phone):
    return (f"<member id='{mid}' relationship='father' gender='male'>"
            f"<name given='{esc(given)}'/><language locale='en-GB'/>"
            f"<contact channel='sms' phone='{phone}'/></member>")


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def all_text(d):
    """Every text kinletter left under d: text files as they are, PDFs through pdftotext."""
    out = []
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if f.endswith(".pdf"):
                r = subprocess.run(["pdftotext", "-q", p, "-"], capture_output=True, text=True)
                out.append(r.stdout)
            elif f.endswith((".txt", ".csv")):
                out.append(open(p, encoding="utf-8", errors="replace").read())
    return "\n".join(out)


def digits(s):
    return re.sub(r"\D", "", s)


# A family: m01 at home (post), m02 by text message (07700 900888), m03 by email.
BASE = [post_member("m01", "Zofia", ["12 Elm Road"], "Northtown", "NT2 7QP"),
        sms_member("m02", "Tomasz", "07700 900888"),
        "<member id='m03' relationship='brother' gender='male' age='15'>"
        "<name given='Kacper'/><language locale='en-GB'/>"
        "<contact channel='email' email='kacper@mail.example'/></member>"]

# ---- leaks: review-wide fields ------------------------------------------------------------
LEAKS = [
    ("mobile in the contact's hours", dict(hours="weekdays, or 07700 900888 after six"),
     "m02", "phone number"),
    ("0044 form", dict(hours="or 0044 7700 900888"), "m02", "phone number"),
    ("no-break spaces", dict(hours="or 07700\u00a0900\u00a0888"), "m02", "phone number"),
    ("en dashes", dict(hours="or 07700\u2013900\u2013888"), "m02", "phone number"),
    ("slashes", dict(hours="or 07700/900/888"), "m02", "phone number"),
    ("zero-width", dict(hours="or 0770\u200b0 900\u200c888"), "m02", "phone number"),
    ("after other digits", dict(agencies=("Room 12 07700 900888",)), "m02", "phone number"),
    ("a wrapped sentence",
     dict(hours="Monday to Friday from nine in the morning until five in the afternoon, and on "
                "Saturdays you can also try my colleague on 07700 900888 who covers weekends"),
     "m02", "phone number"),
    ("address in an agency", dict(agencies=("Northtown Hospital, 12 Elm Road",)), "m01",
     "address line"),
    ("address in a support service",
     dict(services=(("Refuge at 12 Elm Road, NT2 7QP", "01632 960111"),)), "m01", "address line"),
    ("email in the reviewer's role", dict(reviewer_role="reviewer (kacper@mail.example)"), "m03",
     "email address"),
    ("street line in the partnership name",
     dict(partnership="Northshire Partnership, 12 Elm Road"), "m01", "address line"),
]

for name, kw, owner, kind in LEAKS:
    path = write("leak.xml", review("\n".join(BASE), **kw))
    code, out, err = run("check", path)
    if code != 1:
        fail(f"{name}: check exit {code}, expected 1\n{err}")
    hits = [l for l in err.splitlines() if f"member {owner}" in l and kind in l]
    if not hits:
        fail(f"{name}: check does not say it holds a {kind} of member {owner}:\n{err}")
    elif not re.search(r"leak\.xml:\d+:\d+: error:", hits[0]):
        fail(f"{name}: no file:line:col in: {hits[0]}")
    if "900888" in digits(err.replace("\n", " ")) or "Elm Road" in err or "kacper@" in err:
        fail(f"{name}: check quotes the detail:\n{err}")
    outdir = os.path.join(tmp, "out-" + re.sub(r"\W", "-", name))
    code, out, err = run("generate", path, "-o", outdir, "-q")
    if code not in (1, 2):
        fail(f"{name}: generate exit {code}, expected 1 or 2\n{err}")
    text = all_text(outdir)
    leaked = {"m02": "7700900888", "m01": None, "m03": None}[owner]
    if leaked and leaked in digits(text):
        fail(f"{name}: the number is on disk")
    if owner == "m01" and re.search(r"12\s+Elm\s+Road", text):
        # m01's own letter holds it legitimately (and the print pack, which is
        # every postal letter in order, holds m01's letter): no other file may.
        for root, _, files in os.walk(outdir):
            for f in files:
                if f.startswith(("m01", "print-pack")):
                    continue
                p = os.path.join(root, f)
                t = (subprocess.run(["pdftotext", "-q", p, "-"],
                                                   capture_output=True, text=True).stdout
                                    if f.endswith(".pdf") else open(p, errors="replace").read())
                if re.search(r"12\s+Elm\s+Road", t):
                    fail(f"{name}: {f} holds m01's address")
    if owner == "m03" and "kacper@mail.example" in text.replace("\n", ""):
        for root, _, files in os.walk(outdir):
            for f in files:
                if not f.startswith("m03") and "kacper@" in open(os.path.join(root, f),
                                                                 errors="replace").read():
                    fail(f"{name}: {f} holds m03's email")

# ---- leaks through render --------------------------------------------------------------------
fam = BASE[:]
fam[0] = post_member("m01", "Call 07700 900888", ["12 Elm Road"], "Northtown", "NT2 7QP")
path = write("name.xml", review("\n".join(fam)))
for fmt in ("pdf", "txt"):
    target = os.path.join(tmp, f"name.{fmt}")
    code, out, err = run("render", path, "-m", "m01", "-f", fmt, "-o", target)
    if code not in (1, 2):
        fail(f"render {fmt}: a name holding m02's number: exit {code}\n{err}")
    if os.path.exists(target):
        fail(f"render {fmt}: {target} was written")
    if "900888" in digits(err):
        fail(f"render {fmt}: the message quotes the number")

hostile = write("hostile.xml",
                "<letter xmlns='urn:kinletter:template:1' name='hostile' title='notification.title'>"
                "<letterhead/><address/><heading level='1' msg='notification.title'/>"
                "<list kind='bullet'><item msg='common.agency'><arg name='agency' "
                "select=\"string(/r:review/r:family/r:member[@id='m01']/r:contact/r:address/r:line)\"/>"
                "</item></list></letter>")
path = write("plain.xml", review("\n".join(BASE + [
    post_member("m04", "Siân", ["Bwthyn y Nant"], "Llanfair", "LL1 2DE")])))
# A template sees the review with only its own member in it: selecting m01's
# address in m04's letter gives an empty string (it printed m01's address, and
# the disclosure check refused the letter, while templates saw every member).
for fmt in ("pdf", "txt"):
    target = os.path.join(tmp, f"hostile.{fmt}")
    code, out, err = run("render", path, "-m", "m04", "-f", fmt, "-t", hostile, "-o", target)
    if code != 0 or not os.path.exists(target):
        fail(f"render {fmt} with a hostile template: exit {code}\n{err}")
        continue
    if fmt == "pdf":
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", target, "-"], capture_output=True,
                              text=True).stdout
    else:
        text = open(target, encoding="utf-8").read()
    if "Elm Road" in text or "Siân" not in text:
        fail(f"render {fmt} with a hostile template: m01's address, or not m04's letter:\n{text}")
# The same template for m01 itself prints m01's own address: written.
target = os.path.join(tmp, "own.txt")
code, out, err = run("render", path, "-m", "m01", "-f", "txt", "-t", hostile, "-o", target)
if code != 0 or not os.path.exists(target):
    fail(f"render with m01's own address: exit {code}\n{err}")
elif "12 Elm Road" not in open(target, encoding="utf-8").read():
    fail("render with m01's own address: the template's select found nothing")

# ---- false positives: every letter and the record are written ---------------------------------
towns = [l.strip() for l in open(os.path.join(os.path.dirname(__file__), "uk-towns.txt"),
                                 encoding="utf-8") if l.strip() and not l.startswith("#")]
members = []
outward = ["NT", "RG", "PE", "SG", "PR", "BA", "LL", "CF", "YO", "EX"]
for i, town in enumerate(towns):
    pc = f"{outward[i % 10]}{1 + i % 9} {1 + i % 8}{'ABDEFGHJ'[i % 8]}{'LNPQRSTU'[(i // 8) % 8]}"
    given = towns[(i + 7) % len(towns)].split()[0]  # named like another member's town
    members.append(post_member(f"t{i:03d}", given, [f"{1 + i % 40} {town} Road"], town, pc,
                               family=towns[(i + 3) % len(towns)].split()[-1]))
# A bare flat number and a line that holds it; towns inside other towns' names; a shared home.
members.append(post_member("f01", "Ann", ["Flat 14"], "Northbridge", "NB1 1AA"))
members.append(post_member("f02", "Bea", ["Flat 14, Ash Court"], "Llanfair Northbridge",
                           "LL2 2AA"))
members.append(post_member("f03", "Cal", ["Flat 3", "12 Elm Road"], "Reading", "RG1 1AA"))
members.append(post_member("f04", "Dee", ["12 Elm Road"], "Reading", "RG1 1AB"))
members.append(post_member("f05", "Eve", ["5 Mill Lane"], "Preston", "PR1 1AA"))
members.append(post_member("f06", "Fay", ["5 Mill Lane"], "Preston", "PR1 1AA"))
path = write("towns.xml", review("\n".join(members), letter_date="2027-03-03",
                                 partnership="Reading and March Safeguarding Partnership",
                                 agencies=("Sandy Lane Surgery", "Preston Police",
                                           "Street Health Centre")))
code, out, err = run("check", path, "-q")
if code != 0:
    fail(f"false positives: check exit {code}\n{err[:3000]}")
outdir = os.path.join(tmp, "towns-out")
code, out, err = run("generate", path, "-o", outdir, "-q", "-j", "2")
if code != 0:
    fail(f"false positives: generate exit {code}\n{err[:3000]}")
batch = os.path.join(outdir, "DISC-1", "notification")
written = [f for f in os.listdir(batch)] if os.path.isdir(batch) else []
want = len(members)
pdfs = [f for f in written if f.endswith("-post.pdf")]
if len(pdfs) != want:
    fail(f"false positives: {len(pdfs)} letters written, expected {want}")
if "record.csv" not in written:
    fail("false positives: no record.csv")

print(f"{len(LEAKS)} review-wide leaks and 5 render leaks refused; {len(members)} members "
      f"in {len(towns)} towns written")
subprocess.run(["rm", "-rf", tmp])
print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
