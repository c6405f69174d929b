#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/cases/braille/brf_check.py: a BRF file is what an embossing service takes, and it
reads back, through liblouis, as the letter's words.

Usage: brf_check.py BRF_BACK TABLE FILE.brf LETTER.txt MIN_PERCENT [SKIP_WORD...]

Checks: only North American Braille ASCII (0x20-0x5F) with CR LF line ends and a form
feed between pages; every line at most 40 cells; every page at most 25 lines; line 1 of
page N holds only its braille page number at the right margin. Then every line but the
page numbers is back-translated by brf_back (lou_backTranslateString) and its words are
compared, in order, with the plain-text letter's (case and punctuation aside; the address
block, which braille leaves out, is dropped with SKIP_WORDs): the share of the letter's
words found in order must be at least MIN_PERCENT, and is printed.
"""
import difflib
import re
import subprocess
import sys

back_exe, table, brf_path, txt_path, min_pct = sys.argv[1:6]
skip = {w.casefold() for w in sys.argv[6:]}
data = open(brf_path, "rb").read()
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


bad = sorted({b for b in data if not (0x20 <= b <= 0x5F or b in (0x0A, 0x0D, 0x0C))})
if bad:
    fail(f"{brf_path}: bytes outside North American Braille ASCII: {[hex(b) for b in bad]}")
if re.search(rb"[^\r]\n|^\n", data):
    fail(f"{brf_path}: a line does not end CR LF")
pages = data.decode("ascii", "replace").split("\f")
for p, page in enumerate(pages, 1):
    lines = page.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > 25:
        fail(f"{brf_path}: page {p} has {len(lines)} lines (at most 25)")
    for n, line in enumerate(lines, 1):
        if len(line) > 40:
            fail(f"{brf_path}: page {p} line {n} has {len(line)} cells (at most 40)")
    # The braille page number: number sign, digits as a-j, at the right margin.
    want = "#" + "".join("JABCDEFGHI"[int(d)] for d in str(p))
    if not lines or lines[0] != want.rjust(40):
        fail(f"{brf_path}: page {p} does not start with its number {want} at cell 40")
# Back-translate the text lines.
text_lines = []
for page in pages:
    text_lines += page.split("\r\n")[1:]
out = subprocess.run([back_exe, table], input="\r\n".join(text_lines).encode("ascii"),
                     capture_output=True, check=True).stdout.decode("utf-8")


def words(s):
    return [w for w in re.findall(r"\w+", s.casefold()) if w not in skip]


letter = words(open(txt_path, encoding="utf-8").read())
got = words(out)
sm = difflib.SequenceMatcher(None, letter, got, autojunk=False)
same = sum(b.size for b in sm.get_matching_blocks())
pct = 100.0 * same / max(len(letter), 1)
print(f"{brf_path.rsplit('/', 1)[-1]} ({table}): {len(pages)} braille pages; {same} of the "
      f"letter's {len(letter)} words read back the same, in order ({pct:.1f}%); "
      f"{len(got)} words back-translated")
if pct < float(min_pct):
    missing = [letter[i1:i2] for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"][:15]
    fail(f"{brf_path}: only {pct:.1f}% of the letter's words read back (at least {min_pct}%); "
         f"first differences: {missing}")
sys.exit(1 if fails else 0)
