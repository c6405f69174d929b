#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/easyread/easyread.py: the Easy Read letters (issue 22) as a reader gets them.
# The example's m10 (English, needs@reading="easy-read") gets all four letters; each is
# read back by tools that are not kinletter: `kinletter readability` measures every
# sentence (at most 12 words), pikepdf reads the structure tree (every picture a /Figure
# with /Alt from the catalog, on the same page as the words it stands beside), MuPDF
# reads the text's sizes (the body at least 16 pt; only the letterhead, the address for
# the window, page numbers and the pictures' credit smaller) and where the words are
# (to the right of their picture). A Polish member who needs Easy Read gets no letter:
# `check` says so first, naming the member and the language, and `generate` writes
# nothing for them, never a standard or English letter.
# Usage: easyread.py KINLETTER SOURCE_ROOT
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import pikepdf

kl, src = sys.argv[1], sys.argv[2]
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def run(args, cwd=None):
    return subprocess.run([kl] + args, capture_output=True, text=True, cwd=cwd)


# The alt texts the English catalog gives its pictures (easy_read table, picture.*).
cat = open(os.path.join(src, "locales/en_GB.txt"), encoding="utf-8").read()
easy = cat[cat.index("    easy_read {"):]
alts = set(re.findall(r'"picture\.[a-z0-9-]+" \{ "([^"]+)" \}', easy))
assert len(alts) >= 15, alts

SMALL_OK = re.compile(
    r"Northshire|^Partnership$|Floor 3|Market Street|Northtown|NT1 4AB|01632 960123|reviews@|https://"
    r"|Mrs Kerry Walsh|8 Birch Close|NT2 5LW|^Page \d+ of \d+$|^Pictures: OpenMoji, CC BY-SA 4\.0$"
)

tmp = tempfile.mkdtemp()
try:
    letters = {}
    for t in ("notification", "invitation", "update", "outcome"):
        r = run(["generate", "--template", t, "--member", "m10", "-o", tmp, "--quiet"])
        pdf = os.path.join(tmp, "NSCP-2026-017", t, "m10-post.pdf")
        if r.returncode != 0 or not os.path.exists(pdf):
            fail(f"{t}: generate did not write m10-post.pdf: {r.stderr}")
            continue
        letters[t] = pdf
        rec = open(os.path.join(tmp, "NSCP-2026-017", t, "record.csv"), encoding="utf-8").read()
        if not re.search(r"^m10,.*,easy-read,easy-read \(16 pt\),post,m10-post\.pdf", rec, re.M):
            fail(f"{t}: the record does not show m10's reading level and size")

    # Every sentence within 12 words, by the same measure the coordinator sees.
    r = run(["readability", "--member", "m10", "--json"])
    doc = json.loads(r.stdout)
    if r.returncode != 0 or not doc["ok"] or doc["measured"] != 4:
        fail(f"readability: not every Easy Read letter is within its limits: {r.stdout}")
    for letter in doc["letters"]:
        if letter["variant"] != "easy-read":
            fail(f"readability: {letter['template']} measured as {letter['variant']}")
        for s in letter["sections"]:
            if s["limit"] != 12 or s["longest"] > 12 or s["over_limit"] != 0:
                fail(f"readability: {letter['template']}: a sentence over 12 words: {s}")

    for t, pdf in letters.items():
        # Structure: each picture a Figure with alt text, then its words, on one page.
        with pikepdf.open(pdf) as p:
            pages = {pg.objgen: i for i, pg in enumerate(p.pages)}

            def pages_of(e, inherited=None):
                pg = e.get("/Pg", inherited)
                k = e.get("/K")
                kids = list(k) if isinstance(k, pikepdf.Array) else ([] if k is None else [k])
                out = set()
                for c in kids:
                    if isinstance(c, pikepdf.Dictionary):
                        if c.get("/Type") == "/MCR" or "/MCID" in c:
                            out.add(pages[c.get("/Pg", pg).objgen])
                        elif "/S" in c:
                            out |= pages_of(c, pg)
                    elif pg is not None:
                        out.add(pages[pg.objgen])
                return out

            figures = 0

            def walk(e):
                global figures
                k = e.get("/K")
                kids = list(k) if isinstance(k, pikepdf.Array) else ([] if k is None else [k])
                elems = [c for c in kids if isinstance(c, pikepdf.Dictionary) and "/S" in c]
                for i, c in enumerate(elems):
                    if c.S == "/Figure":
                        alt = str(c.get("/Alt", ""))
                        if alt == "Northshire Safeguarding Children Partnership":
                            continue  # the logo
                        figures += 1
                        if alt not in alts:
                            fail(f"{t}: a picture's /Alt {alt!r} is not a picture.* message")
                        nxt = elems[i + 1] if i + 1 < len(elems) else None
                        if nxt is None or nxt.S != "/P":
                            fail(f"{t}: picture {alt!r} is not followed by its words (a P)")
                            continue
                        fp, tp = pages_of(c), pages_of(nxt)
                        if len(fp) != 1 or fp != tp:
                            fail(f"{t}: picture {alt!r} on page(s) {fp}, its words on {tp}")
                    walk(c)

            walk(p.Root.StructTreeRoot)
            if figures < 10:
                fail(f"{t}: only {figures} pictures")

            # Where the pictures are drawn (PDF units, y up), page by page.
            images = {}
            for i, pg in enumerate(p.pages):
                ctm_stack, ctm = [], None
                for operands, op in pikepdf.parse_content_stream(pg):
                    op = str(op)
                    if op == "q":
                        ctm_stack.append(ctm)
                    elif op == "Q":
                        ctm = ctm_stack.pop() if ctm_stack else None
                    elif op == "cm":
                        ctm = [float(x) for x in operands]
                    elif op == "Do" and ctm:
                        xo = pg.Resources.XObject[operands[0]]
                        if xo.Subtype == "/Image":
                            a, b, c, d, e, f = ctm
                            images.setdefault(i, []).append((e, f, e + a, f + d))
            if sum(len(v) for v in images.values()) < figures:
                fail(f"{t}: fewer images drawn than pictures tagged")
            height = float(p.pages[0].MediaBox[3])

        # Sizes and places of the text, as MuPDF reads it.
        st = subprocess.run(["mutool", "draw", "-F", "stext", "-o", "-", pdf],
                            capture_output=True, text=True)
        root = ET.fromstring(st.stdout)
        big = 0
        lines = {}
        for i, page in enumerate(root.iter("page")):
            for line in page.iter("line"):
                size = min(float(f.get("size")) for f in line.iter("font"))
                text = "".join(c.get("c") for c in line.iter("char")).strip()
                x0, y0, x1, y1 = (float(v) for v in line.get("bbox").split())
                lines.setdefault(i, []).append((text, size, x0, height - y1, height - y0))
                if size < 15.9 and text and not SMALL_OK.search(text):
                    fail(f"{t}: {text!r} is set at {size} pt, under 16")
                big += size >= 15.9
        if big < 20:
            fail(f"{t}: only {big} lines at 16 pt or more")
        last = [l[0] for l in lines.get(max(lines), []) if not re.match(r"^Page \d+ of \d+$", l[0])]
        if last == ["Pictures: OpenMoji, CC BY-SA 4.0"]:
            fail(f"{t}: the pictures' credit is alone on the last page")
        # Each picture has words to its right, beside it (left to right letter).
        for i, boxes in images.items():
            for (ix0, iy0, ix1, iy1) in boxes:
                if iy0 > height - 112:
                    continue  # the partnership's logo, above the address window
                beside = [l for l in lines.get(i, [])
                          if l[1] >= 15.9 and l[2] >= ix1 and l[4] > iy0 and l[3] < iy1]
                if ix0 > 120 or not beside:
                    fail(f"{t}: page {i + 1}: no words to the right of the picture at "
                         f"({ix0:.0f}, {iy0:.0f})")

    # A language without an easy_read table fails closed: check says so first.
    ex = os.path.join(src, "templates/example")
    work = os.path.join(tmp, "pl")
    os.makedirs(work)
    shutil.copy(os.path.join(ex, "northshire-logo.png"), work)
    xml = open(os.path.join(ex, "review.xml"), encoding="utf-8").read()
    xml = xml.replace('<needs print="large" reading="plain"/>',
                      '<needs print="large" reading="easy-read"/>', 1)
    review = os.path.join(work, "review.xml")
    open(review, "w", encoding="utf-8").write(xml)
    r = run(["check", review])
    out = r.stdout + r.stderr
    if r.returncode != 1:
        fail(f"check: exit {r.returncode}, expected 1 for an Easy Read member in Polish")
    if not re.search(r"member m01: .*Easy Read.*language 'pl'.*no easy_read table", out):
        fail(f"check: no message naming m01, Polish and the missing easy_read table:\n{out}")
    for private in ("Zofia", "12 Elm Road", "NT2 7QP"):
        if private in r.stderr:
            fail(f"check: the message quotes personal data ({private})")
    r = run(["generate", "--member", "m01", "-o", os.path.join(work, "out"), review])
    d = os.path.join(work, "out", "NSCP-2026-017", "notification")
    if r.returncode == 0 or any(f.startswith("m01-") for f in os.listdir(d)):
        fail("generate: wrote a letter for an Easy Read member in Polish")
    rec = open(os.path.join(d, "record.csv"), encoding="utf-8").read()
    if not re.search(r"^m01,.*,easy-read,.*failed,.*easy_read", rec, re.M):
        fail("generate: the record does not say why m01 got no letter")
finally:
    shutil.rmtree(tmp)

print(f"{len(letters)} Easy Read letters checked, {len(fails)} failure(s)")
sys.exit(1 if fails else 0)
