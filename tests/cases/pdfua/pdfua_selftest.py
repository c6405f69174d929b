#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/pdfua_selftest.py: the PDF/UA checker must catch each broken
# rule. Takes a good letter, breaks one rule at a time with pikepdf, and
# asserts the checker reports exactly that kind of problem.
#
# Usage: pdfua_selftest.py GOOD.pdf WORKDIR
import os
import sys

import pikepdf
from pikepdf import Name

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfua_check import Checker  # noqa: E402


def untag_first_text(pdf):
    """Take the first tagged text out of its marked content (drop BDC/EMC)."""
    page = pdf.pages[0]
    ops = list(pikepdf.parse_content_stream(page))
    drop = None
    for i, (operands, op) in enumerate(ops):
        if str(op) == "BDC" and "/MCID" in str(operands):
            depth, j, has_text = 1, i + 1, False
            while depth:
                o = str(ops[j][1])
                depth += o in ("BDC", "BMC")
                depth -= o == "EMC"
                has_text |= o in ("Tj", "TJ")
                j += 1
            if has_text:
                drop = (i, j - 1)
                break
    assert drop, "no tagged text to break"
    out = [x for k, x in enumerate(ops) if k not in drop]
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def drop_alt(pdf):
    def visit(e):
        if isinstance(e, pikepdf.Dictionary):
            if str(e.get("/S")) == "/Figure" and "/Alt" in e:
                del e["/Alt"]
                return True
            k = e.get("/K")
            if isinstance(k, pikepdf.Array):
                return any(visit(x) for x in k)
            if isinstance(k, pikepdf.Dictionary):
                return visit(k)
        return False

    assert visit(pdf.Root.StructTreeRoot), "no Figure to break"


def skip_heading(pdf):
    def visit(e):
        if isinstance(e, pikepdf.Dictionary):
            if str(e.get("/S")) == "/H2":
                e.S = Name("/H4")
                return True
            k = e.get("/K")
            if isinstance(k, pikepdf.Array):
                return any(visit(x) for x in k)
            if isinstance(k, pikepdf.Dictionary):
                return visit(k)
        return False

    assert visit(pdf.Root.StructTreeRoot), "no H2 to break"


BREAKS = {
    "MarkInfo": (lambda pdf: pdf.Root.__delattr__("MarkInfo"), "/MarkInfo"),
    "Lang": (lambda pdf: pdf.Root.__delattr__("Lang"), "/Lang missing"),
    "DisplayDocTitle": (
        lambda pdf: pdf.Root.ViewerPreferences.__setattr__("DisplayDocTitle", False),
        "DisplayDocTitle",
    ),
    "Tabs": (lambda pdf: pdf.pages[0].obj.__delattr__("Tabs"), "/Tabs /S missing"),
    "untagged text": (untag_first_text, "text shown outside tagged content"),
    "Figure alt": (drop_alt, "Figure without /Alt"),
    "heading skip": (skip_heading, "heading level skips"),
    "metadata": (lambda pdf: pdf.Root.__delattr__("Metadata"), "XMP /Metadata missing"),
}


def main(good, workdir):
    failures = 0
    base = Checker(good).run()
    if base:
        print("the good letter already has problems:", *base, sep="\n  ")
        return 1
    for name, (breaker, expect) in BREAKS.items():
        pdf = pikepdf.open(good)
        breaker(pdf)
        path = os.path.join(workdir, "broken-" + name.replace(" ", "-") + ".pdf")
        pdf.save(path)
        problems = Checker(path).run()
        if not any(expect in p for p in problems):
            print(f"FAIL: breaking {name} was not caught (got: {problems})")
            failures += 1
        else:
            print(f"ok: breaking {name} is caught")
    print(f"{len(BREAKS) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
