#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/pdfua_check.py: check written PDFs against the machine-checkable
# PDF/UA-1 rules (docs/ACCESSIBILITY.md) with an independent reader (pikepdf/qpdf),
# not with kinletter's own code.
#
# Usage: pdfua_check.py FILE.pdf...   Prints one line per problem; exit 1 if any.
import re
import sys

import pikepdf
from pikepdf import Name

TEXT_OPS = {"Tj", "TJ", "'", '"'}
HEADING = re.compile(r"^H([1-6])$")


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.pdf = pikepdf.open(path)

    def fail(self, msg):
        self.problems.append(f"{self.path}: {msg}")

    # ---- document level -------------------------------------------------
    def check_catalog(self):
        root = self.pdf.Root
        mark = root.get("/MarkInfo")
        if mark is None or not bool(mark.get("/Marked", False)):
            self.fail("catalog: /MarkInfo <</Marked true>> missing")
        lang = root.get("/Lang")
        if lang is None or not str(lang):
            self.fail("catalog: /Lang missing")
        self.lang = str(lang) if lang is not None else ""
        vp = root.get("/ViewerPreferences")
        if vp is None or not bool(vp.get("/DisplayDocTitle", False)):
            self.fail("catalog: /ViewerPreferences /DisplayDocTitle true missing")
        if "/StructTreeRoot" not in root:
            self.fail("catalog: /StructTreeRoot missing")
        elif "/ParentTree" not in root.StructTreeRoot:
            self.fail("StructTreeRoot: /ParentTree missing")
        meta = root.get("/Metadata")
        if meta is None:
            self.fail("catalog: XMP /Metadata missing")
        else:
            xmp = meta.read_bytes().decode("utf-8", "replace")
            if not re.search(r"pdfuaid:part(>|=\")\s*1", xmp):
                self.fail("XMP: pdfuaid:part 1 missing")
            if "dc:title" not in xmp:
                self.fail("XMP: dc:title missing")
            if "dc:language" not in xmp:
                self.fail("XMP: dc:language missing")
        info = self.pdf.docinfo
        if not str(info.get("/Title", "")):
            self.fail("document info: /Title missing")

    # ---- structure tree -------------------------------------------------
    def walk_struct(self):
        """Collect elements, check roles, return {(page objgen, mcid): elem}."""
        self.mcid_owner = {}
        self.headings = []
        self.elements = []
        root = self.pdf.Root.get("/StructTreeRoot")
        if root is None:
            return
        kids = root.get("/K")
        if kids is None:
            self.fail("StructTreeRoot has no children")
            return
        top = kids if isinstance(kids, pikepdf.Array) else [kids]
        if len(top) != 1 or str(top[0].get("/S")) != "/Document":
            self.fail("structure tree does not start with one Document element")
        for k in top:
            self.visit(k, None, None)
        # Headings start at H1 and never skip a level.
        prev = 0
        for level in self.headings:
            if prev == 0 and level != 1:
                self.fail(f"first heading is H{level}, not H1")
            elif level > prev + 1 and prev != 0:
                self.fail(f"heading level skips from H{prev} to H{level}")
            prev = level

    def visit(self, elem, page, parent_role):
        if not isinstance(elem, pikepdf.Dictionary):
            return
        t = elem.get("/Type")
        if t is not None and str(t) == "/OBJR":
            annot = elem.get("/Obj")
            if annot is None or str(annot.get("/Subtype")) != "/Link":
                self.fail("OBJR does not point at a Link annotation")
            elif not str(annot.get("/Contents", "")):
                self.fail("Link annotation without /Contents")
            if parent_role != "Link":
                self.fail(f"annotation referenced from {parent_role}, not Link")
            return
        if t is not None and str(t) == "/MCR":
            pg = elem.get("/Pg", page)
            self.own(pg, int(elem.MCID), parent_role)
            return
        role = str(elem.get("/S", "/?"))[1:]
        self.elements.append(role)
        m = HEADING.match(role)
        if m:
            self.headings.append(int(m.group(1)))
        if role == "Figure" and not str(elem.get("/Alt", "")) and "/ActualText" not in elem:
            self.fail("Figure without /Alt")
        if role == "TH" and "/Scope" not in elem.get("/A", {}):
            self.fail("TH without /Scope")
        if role == "LI" and parent_role != "L":
            self.fail(f"LI inside {parent_role}, not L")
        if role in ("Lbl", "LBody") and parent_role != "LI":
            self.fail(f"{role} inside {parent_role}, not LI")
        if role == "TR" and parent_role not in ("Table", "THead", "TBody", "TFoot"):
            self.fail(f"TR inside {parent_role}, not Table")
        if role in ("TH", "TD") and parent_role != "TR":
            self.fail(f"{role} inside {parent_role}, not TR")
        pg = elem.get("/Pg", page)
        kids = elem.get("/K")
        if kids is None:
            return
        for k in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(k, int) or (hasattr(k, "is_integer") and k.is_integer):
                self.own(pg, int(k), role)
            else:
                self.visit(k, pg, role)

    def own(self, page, mcid, role):
        if page is None:
            self.fail(f"marked content {mcid} of {role} has no page")
            return
        key = (page.objgen, mcid)
        if key in self.mcid_owner:
            self.fail(f"MCID {mcid} is claimed by two structure elements")
        self.mcid_owner[key] = role

    # ---- pages and content ----------------------------------------------
    def check_pages(self):
        parent_tree = {}
        st = self.pdf.Root.get("/StructTreeRoot")
        if st is not None and "/ParentTree" in st:
            nt = pikepdf.NumberTree(st.ParentTree)
            parent_tree = {int(k): v for k, v in nt.items()}
        self.text_ops = 0
        for n, page in enumerate(self.pdf.pages, 1):
            po = page.obj
            if str(po.get("/Tabs", "")) != "/S":
                self.fail(f"page {n}: /Tabs /S missing")
            sp = po.get("/StructParents")
            if sp is None:
                self.fail(f"page {n}: /StructParents missing")
            for annot in po.get("/Annots", []):
                if str(annot.get("/Subtype")) == "/Link" and not str(annot.get("/Contents", "")):
                    self.fail(f"page {n}: Link annotation without /Contents")
            self.check_content(n, page, parent_tree.get(int(sp)) if sp is not None else None)
            self.check_fonts(n, po)

    def check_content(self, n, page, parents):
        stack = []  # entries: ("art"|"mc"|"other", mcid or None)
        seen = set()
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op in ("BDC", "BMC"):
                tag = str(operands[0])
                mcid = None
                if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    if "/MCID" in operands[1]:
                        mcid = int(operands[1].MCID)
                kind = "art" if tag == "/Artifact" else ("mc" if mcid is not None else "other")
                in_art = any(k == "art" for k, _ in stack)
                in_mc = any(k == "mc" for k, _ in stack)
                if kind == "mc" and in_art:
                    self.fail(f"page {n}: tagged content (MCID {mcid}) inside an artifact")
                if kind == "art" and in_mc:
                    self.fail(f"page {n}: artifact inside tagged content")
                if mcid is not None:
                    seen.add(mcid)
                    if (page.obj.objgen, mcid) not in self.mcid_owner:
                        self.fail(f"page {n}: MCID {mcid} is not referenced by the structure tree")
                    elif parents is not None and (
                        mcid >= len(parents) or parents[mcid] is None
                    ):
                        self.fail(f"page {n}: MCID {mcid} has no /ParentTree entry")
                stack.append((kind, mcid))
            elif op == "EMC":
                if not stack:
                    self.fail(f"page {n}: EMC without BDC")
                else:
                    stack.pop()
            elif op in TEXT_OPS:
                self.text_ops += 1
                if not any(k in ("art", "mc") for k, _ in stack):
                    self.fail(f"page {n}: text shown outside tagged content and artifacts")
        if stack:
            self.fail(f"page {n}: {len(stack)} marked-content sequences left open")
        for (objgen, mcid), role in self.mcid_owner.items():
            if objgen == page.obj.objgen and mcid not in seen:
                self.fail(f"page {n}: structure element {role} points at missing MCID {mcid}")

    def check_fonts(self, n, po):
        fonts = po.get("/Resources", {}).get("/Font", {})
        for name, font in fonts.items():
            if "/ToUnicode" not in font:
                self.fail(f"page {n}: font {name} has no /ToUnicode")
            desc = None
            if str(font.get("/Subtype")) == "/Type0":
                desc = font.DescendantFonts[0].get("/FontDescriptor")
            else:
                desc = font.get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self.fail(f"page {n}: font {name} is not embedded")

    def run(self):
        self.check_catalog()
        self.walk_struct()
        self.check_pages()
        if self.text_ops == 0:
            self.fail("no text at all")
        if self.headings and "/Outlines" not in self.pdf.Root:
            self.fail("headings but no outlines (bookmarks)")
        return self.problems


def main(argv):
    if len(argv) < 2:
        print("usage: pdfua_check.py FILE.pdf...", file=sys.stderr)
        return 2
    problems = []
    for path in argv[1:]:
        try:
            problems += Checker(path).run()
        except pikepdf.PdfError as e:
            problems.append(f"{path}: not a readable PDF: {e}")
    for p in problems:
        print(p)
    print(f"pdfua_check: {len(argv) - 1} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
