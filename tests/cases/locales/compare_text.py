#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/locales/compare_text.py: a PDF letter's extracted text (pdftotext) against the
# same letter as plain text (kinletter render --format txt), word for word.
#
# "Exactly" means: the same words in the same order, where a word is a run of characters
# between white space, after taking out what one format draws and the other does not:
#   - the plain text's heading underlines (lines of only = or -), its list marks ("- " and
#     "1. " at the start of an item) and its contact rows' "Label: value" colon (for Chinese,
#     "姓名：value": every full-width colon is left out on both sides);
#   - the PDF's page numbers ("Tudalen 1 o 5", "第1页，共6页": the last line of each page, an
#     artifact; it must hold exactly the numbers n and N, in any script's digits) and its list
#     marks (bullet, or the item's number);
#   - invisible direction marks (U+200E, U+200F, U+061C, U+2066-U+2069);
#   - for Chinese, which has no spaces between words, all white space (a line break in either
#     format falls at a different place; the characters must still be the same, in order).
# Everything else must match: no word lost, split, joined ("hasstarted") or changed.
# Usage: compare_text.py LETTER.txt LETTER.pdf LOCALE
import os
import re
import subprocess
import sys
import unicodedata


def plain_words(path, cjk):
    out = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        s = line.strip()
        if s and set(s) <= {"="} or s and set(s) <= {"-"}:
            continue
        s = re.sub(r"^(- |\d+\. )", "", s)
        if cjk:
            s = s.replace(": ", " ")  # a contact row's "Label: value"
        out.append(s)
    return normalise(" ".join(out), cjk)


def numbers(s):
    """The numbers in s, whatever the script of their digits ("٣" is 3)."""
    out, cur = [], ""
    for ch in s + " ":
        d = unicodedata.digit(ch, None)
        if d is not None:
            cur += str(d)
        elif cur:
            out.append(int(cur))
            cur = ""
    return out


def pdf_pages(path, rtl):
    """Each page's lines of text, the page number last.

    Left to right: pdftotext's text output (it follows /ActualText, so Indic conjuncts
    come back as their characters). Right to left: pdftotext reorders lines that
    /ActualText already gives in logical order, and loses some, so read the tagged
    content with pikepdf instead: each marked-content sequence's /ActualText (a
    right-to-left line has it on the structure element that owns its MCID, the element
    its page's /ParentTree entry names, not in the content), or its glyphs through the
    font's ToUnicode map, in the structure tree's order (what a screen reader follows; a
    right-to-left table row is drawn in visual order, value first); the page number is
    the /Pagination artifact."""
    if not rtl:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], check=True,
                              capture_output=True, text=True).stdout
        pages = [p.split("\n") for p in text.split("\f")]
        if pages and not "".join(pages[-1]).strip():
            pages.pop()
        return pages
    import pikepdf
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pdfua"))
    from pdfua_check import Checker, Font
    tree = Checker(path)
    tree.walk_struct()
    pages = []
    st = tree.pdf.Root.StructTreeRoot
    parent_tree = {int(k): v for k, v in pikepdf.NumberTree(st.ParentTree).items()}
    with pikepdf.open(path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            # The same page as the checker's (its objects), for the owner lookup.
            tpage = tree.pdf.pages[n - 1]
            parents = parent_tree.get(int(tpage.obj.StructParents))
            fonts, font = {}, None
            lines, footer, stack = [""], "", []
            of_mcid = {}  # MCID -> index in lines
            for operands, op in pikepdf.parse_content_stream(page):
                op = str(op)
                if op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" else None
                    d = props if isinstance(props, pikepdf.Dictionary) else {}
                    actual = str(d["/ActualText"]) if "/ActualText" in d else None
                    kind = ("art" if str(operands[0]) == "/Artifact" else
                            "mc" if "/MCID" in d else "span")
                    pagination = kind == "art" and str(d.get("/Type", "")) == "/Pagination"
                    outer = any(k[1] is not None for k in stack)  # text given around it
                    if kind == "mc" and actual is None:
                        actual = tree.owner_actual_text(n, tpage, parents, int(d["/MCID"]))
                    if kind == "mc":
                        lines.append("")  # a new marked-content sequence: a new line
                        of_mcid[int(d["/MCID"])] = len(lines) - 1
                    stack.append((kind, actual, pagination))
                    if actual is not None and not outer and not any(k[0] == "art"
                                                                    for k in stack):
                        lines[-1] += actual
                elif op == "EMC":
                    stack.pop()
                elif op == "Tf":
                    f = page.obj.Resources.Font[operands[0]]
                    font = fonts.setdefault(f.objgen, Font(f))
                elif op in ("Tj", "TJ"):
                    raw = b"".join(bytes(x) for x in operands[0] if isinstance(x, pikepdf.String)) \
                        if op == "TJ" else bytes(operands[0])
                    text = font.decode(raw)[0]
                    if any(k[2] for k in stack):
                        footer += text
                    elif not any(k[0] == "art" or k[1] is not None for k in stack):
                        lines[-1] += text
            og = page.obj.objgen
            order = [of_mcid[m] for g, m in tree.tree_order if g == og and m in of_mcid]
            order += [i for i in range(len(lines)) if i not in set(order)]
            pages.append([lines[i] for i in order] + [footer])
    return pages


def pdf_words(path, cjk, rtl):
    pages = pdf_pages(path, rtl)
    out = []
    for i, page in enumerate(pages):
        lines = [ln for ln in page if ln.strip()]
        # A right-to-left footer is an artifact drawn without /ActualText: pdftotext may
        # give its numbers in either order.
        nums = numbers(lines[-1]) if lines else []
        want = [i + 1, len(pages)]
        if (nums != want and not (rtl and nums == want[::-1])) or "Page" in lines[-1]:
            sys.exit(f"FAIL: {path}: page {i + 1} does not end with its page number in the "
                     f"letter's language: '{lines[-1] if lines else ''}'")
        for ln in lines[:-1]:
            s = ln.strip()
            s = re.sub(r"^(• ?|\d+\.\s)", "", s)
            if s == "•":
                continue
            out.append(s)
    return normalise(" ".join(out), cjk)


def normalise(s, cjk):
    # Invisible direction marks (isolates around a phone number in a right-to-left line):
    # the plain text carries them for its readers; the PDF draws the line in order.
    s = re.sub("[\u200e\u200f\u061c\u2066-\u2069]", "", s)
    if cjk:
        # A Chinese contact row is "姓名：value" in plain text (a full-width colon), two cells in
        # the PDF: full-width colons are left out on both sides.
        return list(re.sub(r"[\s\uff1a]+", "", s))
    # A contact row is "Label: value" in plain text, two cells in the PDF.
    return [w.rstrip(":") if w.endswith(":") else w for w in s.split()]


def main():
    txt, pdf, locale = sys.argv[1:4]
    cjk = locale.startswith("zh")
    rtl = locale.split("-")[0] in ("ar", "fa", "ur")
    a = plain_words(txt, cjk)
    b = pdf_words(pdf, cjk, rtl)
    if a == b:
        print(f"ok {locale}: {len(a)} {'characters' if cjk else 'words'} match")
        return 0
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    sep = "" if cjk else " "
    print(f"FAIL {locale}: {pdf}: the text differs from the plain-text letter at "
          f"{'character' if cjk else 'word'} {i + 1}:")
    print("  text: ..." + sep.join(a[max(0, i - 8):i + 8]))
    print("  PDF:  ..." + sep.join(b[max(0, i - 8):i + 8]))
    return 1


sys.exit(main())
