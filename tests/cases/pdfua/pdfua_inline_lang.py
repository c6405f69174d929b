# SPDX-License-Identifier: MIT
"""tests/cases/pdfua/pdfua_inline_lang.py: review free text inside a translated sentence is
English in the PDF's structure tree (issue 14, item 4).

The example review with free-text roles ("independent social worker", "family liaison for the
review") instead of role keywords: the Polish letter (m02) says "Przegląd poprowadzi Dr Helen
Price (independent social worker)." The structure tree, read back with pikepdf, must hold a
Span with /Lang en-GB whose text is exactly the role (between its invisible FSI..PDI), inside that Polish paragraph, once; an
English letter (m03) has no such Span; every letter, the Arabic one (m06) too, still passes the
PDF/UA checks of pdfua_check.py. In the Arabic letter a right-to-left line is not split: each
English value in it (an agency's or service's name) is drawn inside a marked-content
/Span <</Lang (en-GB)>> within the line's tagged content, and its glyphs read back (ToUnicode)
as exactly a value the plain-text letter isolates (FSI..PDI), with no Arabic letter.

Usage: pdfua_inline_lang.py KINLETTER EXAMPLE_DIR TMPDIR
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfua_check import Checker  # noqa: E402

ROLE = "independent social worker"
ISOLATES = re.compile("[\u2066-\u2069]")


def lang_spans(path):
    """Marked-content sequences with a /Lang in path's pages: (lang, their glyphs' text by
    the fonts' ToUnicode maps, whether they sit inside MCID content)."""
    import pikepdf
    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            maps = {}
            for name, f in page.Resources.Font.items():
                cmap = f.ToUnicode.read_bytes().decode("latin-1")
                m = maps[str(name)] = {}
                for blk in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                    for a, b in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", blk):
                        m[int(a, 16)] = bytes.fromhex(b).decode("utf-16-be")
            font, stack, cur = None, [], None
            for operands, op in pikepdf.parse_content_stream(page):
                op = str(op)
                if op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" else None
                    is_dict = isinstance(props, pikepdf.Dictionary)
                    stack.append((is_dict and "/MCID" in props,
                                  str(props.Lang) if is_dict and "/Lang" in props else None))
                    if stack[-1][1]:
                        cur = [stack[-1][1], "", any(s[0] for s in stack[:-1])]
                        out.append(cur)
                elif op == "EMC" and stack:
                    if stack.pop()[1]:
                        cur = None
                elif op == "Tf":
                    font = maps.get(str(operands[0]), {})
                elif op in ("TJ", "Tj") and cur is not None:
                    for item in operands[0] if op == "TJ" else [operands[0]]:
                        if isinstance(item, pikepdf.String):
                            b = bytes(item)
                            cur[1] += "".join(font.get(b[i] << 8 | b[i + 1], "")
                                              for i in range(0, len(b) - 1, 2))
    return out


def main(argv):
    kl, example, tmp = argv[1:4]
    review = os.path.join(tmp, "inline-review.xml")
    with open(os.path.join(example, "review.xml"), encoding="utf-8") as f:
        text = f.read()
    text = text.replace('role="independent-reviewer"', f'role="{ROLE}"')
    text = text.replace('role="family-contact"', 'role="family liaison for the review"')
    if ROLE not in text:
        print("FAIL: the example review has no reviewer role keyword to replace")
        return 1
    with open(review, "w", encoding="utf-8") as f:
        f.write(text)
    for name in os.listdir(example):
        if name.endswith(".png"):
            shutil.copy(os.path.join(example, name), tmp)
    out = os.path.join(tmp, "inline-out")
    r = subprocess.run([kl, "generate", "-m", "m02", "-m", "m03", "-m", "m06", "-o", out,
                        "--quiet", review], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL: generate exited {r.returncode}: {r.stderr}")
        return 1
    pdfs = {}
    for d, _, files in os.walk(out):
        for n in files:
            m = re.match(r"^(m0[236])-(post|email|via-professional)\.pdf$", n)
            if m:
                pdfs[m.group(1)] = os.path.join(d, n)
    problems = []
    if sorted(pdfs) != ["m02", "m03", "m06"]:
        problems.append(f"letters missing: got {sorted(pdfs)}")
    checked = {}
    for member, path in sorted(pdfs.items()):
        c = Checker(path)
        problems += c.run()
        checked[member] = c

    if "m02" in checked:
        c = checked["m02"]
        spans = [e for e in c.all if e.role == "Span" and "/Lang" in e.dic]
        # The Span holds the value with its invisible isolation marks (FSI..PDI): shaping
        # may join a mark to the letter next to it, so the marks go with the value.
        roles = [e for e in spans if ISOLATES.sub("", e.text(c.mctext)) == ROLE]
        if len(roles) != 1:
            problems.append(f"m02 (pl): {len(roles)} Span elements with /Lang whose text is the "
                            f"free-text role (want 1); Spans with /Lang: "
                            f"{[(e.lang, e.text(c.mctext)) for e in spans]}")
        for e in roles:
            p = e.parent
            ptext = ISOLATES.sub("", p.text(c.mctext)) if p else ""
            if e.lang != "en-GB":
                problems.append(f"m02 (pl): the role's Span has /Lang {e.lang}, not en-GB")
            if p is None or p.role != "P" or not (p.lang or "").startswith("pl"):
                problems.append(f"m02 (pl): the role's Span is not inside a Polish P "
                                f"({p.role if p else None}, {p.lang if p else None})")
            elif f"Helen Price ({ROLE})." not in " ".join(ptext.split()):
                problems.append(f"m02 (pl): the paragraph around the Span reads {ptext!r}")
        for e in spans:
            t = e.text(c.mctext)
            if ISOLATES.sub("", t) != t[1:-1] or not t.startswith("\u2068"):
                problems.append(f"m02 (pl): an English Span is not one isolated value: {t!r}")
    if "m06" in checked:
        spans = lang_spans(pdfs["m06"])
        r = subprocess.run([kl, "render", review, "-m", "m06", "-f", "txt"],
                           capture_output=True, text=True)
        isolated = set(re.findall("\u2068([^\u2068\u2069]*)\u2069", r.stdout))
        if not spans:
            problems.append("m06 (ar): no marked-content Span with /Lang in the letter")
        for lang, text, tagged in spans:
            value = ISOLATES.sub("", text)
            if lang != "en-GB" or not tagged or value not in isolated or \
                    re.search("[\u0600-\u06ff]", value):
                problems.append(f"m06 (ar): a /Lang Span ({lang}, inside tagged content: "
                                f"{tagged}) reads {text!r}, not one isolated English value")
    if "m03" in checked:
        c = checked["m03"]
        spans = [e.text(c.mctext) for e in c.all if e.role == "Span" and "/Lang" in e.dic]
        if spans:
            problems.append(f"m03 (en-GB): Spans with a /Lang of their own: {spans}")

    for p in problems:
        print(p)
    print(f"pdfua_inline_lang: {len(pdfs)} letters, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
