#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/pdfua_selftest.py: the PDF/UA checker must catch each broken
# rule. Takes a good letter, breaks one rule at a time with pikepdf, and
# asserts the checker reports exactly that kind of problem.
#
# Usage: pdfua_selftest.py REVIEW.xml WORKDIR PLAIN.pdf BILINGUAL.pdf BILINGUAL_SCRIPT.pdf RTL.pdf
#                          RTL_TABLE.pdf
#   PLAIN: a one-language letter; BILINGUAL: two languages in one script (cy + en-GB);
#   BILINGUAL_SCRIPT: two scripts (pa + en-GB); RTL: a right-to-left letter (ar, ur);
#   RTL_TABLE: a right-to-left letter whose contact table has label and value side by side
#   (standard print).
#   Letters are named mNN-<channel>.pdf, as `kinletter generate` writes them.
import os
import sys

import pikepdf
from pikepdf import Name

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfua_check import LETTER_NAME, Checker, review_langs  # noqa: E402


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

    if visit(pdf.Root.StructTreeRoot):
        return
    # A letter whose logo is an artifact (its alt text is the name printed beside it) has
    # no Figure: make its first paragraph a Figure without /Alt instead.
    for e in elems(pdf):
        if str(e.S) == "/P":
            e.S = Name("/Figure")
            return
    raise AssertionError("no Figure or P to break")


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


def elems(pdf):
    """Every structure element, depth first."""
    out = []

    def visit(e):
        if isinstance(e, pikepdf.Dictionary) and "/S" in e:
            out.append(e)
            k = e.get("/K")
            for x in k if isinstance(k, pikepdf.Array) else [k]:
                visit(x)

    visit(pdf.Root.StructTreeRoot.K)
    return out


def untag_second_language(pdf):
    """Drop /Lang from every element in the second language (en-GB)."""
    hit = [e for e in elems(pdf) if str(e.get("/Lang", "")).startswith("en")]
    assert hit, "no element tagged en-GB"
    for e in hit:
        del e["/Lang"]


def link_as_span(pdf):
    """Retag the Link of an address in running text (a list item) as a Span."""
    for e in elems(pdf):
        if str(e.S) == "/Link" and str(e.P.get("/S")) in ("/LBody", "/P"):
            if any(isinstance(k, pikepdf.Dictionary) and str(k.get("/Type")) == "/OBJR"
                   and "http" in str(k.Obj.get("/Contents", "")) for k in e.K):
                e.S = Name("/Span")
                e.K = pikepdf.Array([k for k in e.K if not isinstance(k, pikepdf.Dictionary)])
                return
    raise AssertionError("no Link in running text")


def link_without_objr(pdf):
    for e in elems(pdf):
        if str(e.S) == "/Link":
            e.K = pikepdf.Array([k for k in e.K if not isinstance(k, pikepdf.Dictionary)])
            return
    raise AssertionError("no Link")


def link_contents_vague(pdf):
    for e in elems(pdf):
        if str(e.S) == "/Link":
            for k in e.K:
                if isinstance(k, pikepdf.Dictionary) and "/Obj" in k:
                    k.Obj.Contents = pikepdf.String("click here")
                    return
    raise AssertionError("no Link annotation")


def annot_untagged(pdf):
    for a in pdf.pages[0].obj.get("/Annots", []):
        if "/StructParent" in a:
            del a["/StructParent"]
            return
    raise AssertionError("no tagged annotation on page 1")


def bookmark_without_dest(pdf):
    del pdf.Root.Outlines.First.First.Dest


def page_number_tagged(pdf):
    """Move page 1's page number out of its artifact into the last tagged line."""
    page = pdf.pages[0]
    ops = list(pikepdf.parse_content_stream(page))
    start = next(i for i, (o, op) in enumerate(ops)
                 if str(op) == "BDC" and str(o[0]) == "/Artifact"
                 and str(o[1].get("/Type")) == "/Pagination")
    end = next(i for i in range(start, len(ops)) if str(ops[i][1]) == "EMC")
    inner = ops[start + 1:end]
    rest = ops[:start] + ops[end + 1:]
    last_emc = max(i for i in range(start) if str(rest[i][1]) == "EMC")
    out = rest[:last_emc] + inner + rest[last_emc:]
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def drop_content_actual_text(pdf):
    """Unwrap every marked-content /ActualText span (keep the glyphs): what is left is
    the structure elements' /ActualText."""
    for page in pdf.pages:
        ops = list(pikepdf.parse_content_stream(page))
        drop, stack = set(), []
        for i, (o, op) in enumerate(ops):
            op = str(op)
            if op in ("BDC", "BMC"):
                span = (op == "BDC" and isinstance(o[1], pikepdf.Dictionary)
                        and "/ActualText" in o[1] and "/MCID" not in o[1])
                stack.append(i if span else None)
                if span:
                    drop.add(i)
            elif op == "EMC" and stack and stack.pop() is not None:
                drop.add(i)
        out = [x for k, x in enumerate(ops) if k not in drop]
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def span_elems(pdf):
    return [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
            and o.get("/Type") == Name.StructElem and o.get("/S") == Name.Span
            and "/ActualText" in o]


def drop_all_actual_text(pdf):
    """No replacement text anywhere: neither in the content nor on the elements."""
    drop_content_actual_text(pdf)
    for e in span_elems(pdf):
        del e["/ActualText"]


def actual_text_on_parent(pdf):
    """Each line's /ActualText moved from its Span element (which owns the line's marked
    content) up to the paragraph or cell that holds the Span."""
    drop_content_actual_text(pdf)
    for e in span_elems(pdf):
        e.P.ActualText = e.ActualText
        del e["/ActualText"]


def parent_tree_elsewhere(pdf):
    """Page 1's /ParentTree entries of two MCIDs of different elements swapped."""
    nt = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    arr = nt[int(pdf.pages[0].obj.StructParents)]
    i = next(i for i in range(1, len(arr)) if arr[i].objgen != arr[0].objgen)
    a, b = arr[0], arr[i]
    arr[0], arr[i] = b, a


def swap_blocks(pdf):
    """Swap two neighbouring paragraphs in the tree: the tree no longer reads in the
    order the page shows them."""
    doc = pdf.Root.StructTreeRoot.K
    doc = doc[0] if isinstance(doc, pikepdf.Array) else doc
    k = doc.K
    i = next(i for i in range(len(k) - 1)
             if str(k[i].get("/S")) == "/P" and str(k[i + 1].get("/S")) == "/P")
    a, b = k[i], k[i + 1]
    k[i], k[i + 1] = b, a


def cell_mcids(e, pg=None):
    """[(page, mcid)] of a structure element's marked content, in tree order."""
    pg = e.get("/Pg", pg)
    k = e.get("/K")
    out = []
    for x in (k if isinstance(k, pikepdf.Array) else [] if k is None else [k]):
        if isinstance(x, pikepdf.Dictionary):
            if str(x.get("/Type")) == "/MCR":
                out.append((x.get("/Pg", pg), int(x.MCID)))
            elif str(x.get("/Type")) != "/OBJR":
                out += cell_mcids(x, pg)
        else:
            out.append((pg, int(x)))
    return out


def mc_span(ops, mcid):
    """(first, last) index of the marked-content sequence with this MCID, BDC to EMC."""
    i = next(i for i, (o, op) in enumerate(ops) if str(op) == "BDC"
             and isinstance(o[1], pikepdf.Dictionary) and int(o[1].get("/MCID", -1)) == mcid)
    depth, j = 1, i + 1
    while depth:
        o = str(ops[j][1])
        depth += o in ("BDC", "BMC")
        depth -= o == "EMC"
        j += 1
    return i, j - 1


def first_baseline(ops, span):
    return next(float(o[1]) for o, op in ops[span[0]:span[1] + 1] if str(op) == "Td")


def swap_row_cells(pdf):
    """Draw the two cells of the first table row whose cells share a line the other way
    round, the structure tree untouched: a right-to-left row (drawn value first, left to
    right) then comes label first, in the tree's order, as it was before issue 15; a
    left-to-right row comes value first."""
    pages = {p.obj.objgen: p for p in pdf.pages}
    rows = [e for e in elems(pdf) if str(e.get("/S")) == "/TR"]
    for tr in rows:
        cells = [c for c in tr.K if str(c.get("/S")) in ("/TH", "/TD")]
        keys = [cell_mcids(c) for c in cells]
        if len(cells) != 2 or not all(keys) or len({pg.objgen for k in keys for pg, _ in k}) != 1:
            continue
        page = pages[keys[0][0][0].objgen]
        ops = list(pikepdf.parse_content_stream(page))
        spans = []
        for k in keys:
            ss = [mc_span(ops, m) for _, m in k]
            spans.append((min(a for a, _ in ss), max(b for _, b in ss)))
        a, b = sorted(spans)
        if a[1] + 1 != b[0] or abs(first_baseline(ops, a) - first_baseline(ops, b)) > 1:
            continue  # not drawn one after the other, or not on one line (stacked)
        out = ops[:a[0]] + ops[b[0]:b[1] + 1] + ops[a[0]:a[1] + 1] + ops[b[1] + 1:]
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
        return
    raise AssertionError("no table row with its cells on one line")


def unmap_glyphs(pdf):
    """Empty every font's ToUnicode map."""
    empty = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
             b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\nendcmap\nend\nend\n")
    for _, f in pdf.pages[0].obj.Resources.Font.items():
        f.ToUnicode = pdf.make_stream(empty)


# name: (which good letter, how to break it, what the checker must say)
BREAKS = {
    "MarkInfo": ("plain", lambda pdf: pdf.Root.__delattr__("MarkInfo"), "/MarkInfo"),
    "Lang": ("plain", lambda pdf: pdf.Root.__delattr__("Lang"), "/Lang missing"),
    "DisplayDocTitle": (
        "plain",
        lambda pdf: pdf.Root.ViewerPreferences.__setattr__("DisplayDocTitle", False),
        "DisplayDocTitle",
    ),
    "Tabs": ("plain", lambda pdf: pdf.pages[0].obj.__delattr__("Tabs"), "/Tabs /S missing"),
    "untagged text": ("plain", untag_first_text, "text shown outside tagged content"),
    "Figure alt": ("plain", drop_alt, "Figure without /Alt"),
    "heading skip": ("plain", skip_heading, "heading level skips"),
    "metadata": ("plain", lambda pdf: pdf.Root.__delattr__("Metadata"), "XMP /Metadata missing"),
    "second language untagged": ("bilingual", untag_second_language,
                                 "no heading and paragraphs tagged /Lang en-GB"),
    "Latin prose tagged pa": ("script", untag_second_language, "in Latin script is tagged /Lang pa"),
    "address not a Link": ("plain", link_as_span, "is not in a Link element"),
    "Link without annotation": ("plain", link_without_objr, "has no Link annotation (OBJR)"),
    "Link Contents vague": ("plain", link_contents_vague, "does not name"),
    "annotation untagged": ("plain", annot_untagged, "without /StructParent"),
    "bookmark without destination": ("plain", bookmark_without_dest,
                                     "has no destination on a page"),
    "page number tagged": ("plain", page_number_tagged, "is inside tagged content"),
    "page number missing": ("plain", page_number_tagged, "page 1: no page number artifact"),
    # Right-to-left lines carry /ActualText on their Span elements only; Indic ones there
    # and in the content. Neither: caught; only on the element: fine (PASSES).
    "no ActualText anywhere (right to left)": ("rtl", drop_all_actual_text,
                                               "without /ActualText"),
    "no ActualText anywhere (Gurmukhi)": ("script", drop_all_actual_text, "without /ActualText"),
    "ActualText on the parent, not the owner": ("rtl", actual_text_on_parent,
                                                "without /ActualText"),
    "ParentTree names another element": ("plain", parent_tree_elsewhere,
                                         "is not the structure element that claims it"),
    "reading order": ("plain", swap_blocks, "structure order differs from content order"),
    # A table row's cells: in a left-to-right row the tree's order (TH, TD); in a
    # right-to-left row whose cells share a line, visual order, left to right (TD, TH).
    "table row shuffled": ("script", swap_row_cells, "in a table row"),
    "right-to-left row in tree order": ("rtl-table", swap_row_cells,
                                        "in a right-to-left table row (cells expected left"),
    "unmapped glyphs": ("plain", unmap_glyphs, "no Unicode mapping"),
}


# Changes that must leave a letter passing.
PASSES = {
    "ActualText on the elements only (Gurmukhi)": ("script", drop_content_actual_text),
}


def expect_for(path, langs):
    m = LETTER_NAME.match(os.path.basename(path))
    return langs.get(m.group(1)) if m else None


def main(review, workdir, files):
    langs = review_langs(review)
    failures = 0
    for kind, good in files.items():
        base = Checker(good, expect_for(good, langs)).run()
        if base:
            print(f"the good {kind} letter already has problems:", *base, sep="\n  ")
            return 1
    for name, (kind, breaker, expect) in BREAKS.items():
        good = files[kind]
        pdf = pikepdf.open(good)
        breaker(pdf)
        path = os.path.join(workdir, os.path.basename(good).replace(".pdf", "")
                            + "-broken-" + name.replace(" ", "-") + ".pdf")
        pdf.save(path)
        # The broken copy keeps the member's name, so the member's languages apply.
        problems = Checker(path, expect_for(good, langs)).run()
        if not any(expect in p for p in problems):
            print(f"FAIL: breaking {name} was not caught (got: {problems})")
            failures += 1
        else:
            print(f"ok: breaking {name} is caught")
    for name, (kind, change) in PASSES.items():
        good = files[kind]
        pdf = pikepdf.open(good)
        change(pdf)
        path = os.path.join(workdir, os.path.basename(good).replace(".pdf", "")
                            + "-changed-" + name.replace(" ", "-") + ".pdf")
        pdf.save(path)
        problems = Checker(path, expect_for(good, langs)).run()
        if problems:
            print(f"FAIL: {name} is reported: {problems}")
            failures += 1
        else:
            print(f"ok: {name} passes")
    print(f"{len(BREAKS) + len(PASSES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 8:
        print(__doc__ or "usage: pdfua_selftest.py REVIEW WORKDIR PLAIN BILINGUAL SCRIPT RTL "
              "RTL_TABLE", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], dict(zip(
        ("plain", "bilingual", "script", "rtl", "rtl-table"), sys.argv[3:8]))))
