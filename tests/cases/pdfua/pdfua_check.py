#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/pdfua_check.py: check written PDFs against the machine-checkable
# PDF/UA-1 rules (docs/ACCESSIBILITY.md) with an independent reader (pikepdf/qpdf),
# not with kinletter's own code. Text is read back through each font's ToUnicode map
# (or /ActualText: a marked-content span's, or that of the structure element that owns the
# marked content, ISO 32000-1 14.9.4), never from the generator's own idea of it.
#
# Usage: pdfua_check.py [--review REVIEW.xml] FILE.pdf...
#   With --review, a letter named mNN-post.pdf, mNN-email.pdf or mNN-via-professional.pdf
#   must be in member mNN's language, and a bilingual member's second language must be
#   tagged with /Lang where it is used.
# Prints one line per problem; exit 1 if any.
import math
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

import pikepdf

TEXT_OPS = {"Tj", "TJ", "'", '"'}
HEADING = re.compile(r"^H([1-6])$")
# Right-to-left fonts: glyphs are drawn in visual order, so their text always needs
# /ActualText. Fonts of scripts with conjuncts and reordered vowel signs: their text
# needs /ActualText unless each glyph stands for one character, in order. Either in the
# content (a BDC's property list around the text) or on the structure element that owns
# the text's marked content (the element the page's /ParentTree entry for its MCID names,
# which must be the one that claims the MCID): kinletter puts a right-to-left line's there
# only, since pdftotext misreads it in the content.
RTL_FONT = re.compile(r"Arabic|Nastaliq|Hebrew|Syriac|Thaana|Adlam|Nko")
COMPLEX_FONT = re.compile(
    r"Bengali|Gurmukhi|Devanagari|Gujarati|Tamil|Telugu|Kannada|Malayalam|Oriya|"
    r"Sinhala|Thai|Lao|Khmer|Myanmar|Tibetan"
)
ZWJ = "\u200d"
# Email and web addresses, as a reader would see them in the text.
ADDRESS = re.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|(?:https?://|www\.)[^\s<>\"“”‘’()]+"
)
# Languages not written in Latin script: long Latin-script prose tagged with one of
# these is a missing /Lang.
NON_LATIN_LANGS = {"ar", "fa", "ur", "ps", "he", "yi", "bn", "pa", "gu", "hi", "ta",
                   "te", "zh", "ja", "ko", "ru", "uk", "el", "th", "am", "ti", "ne"}
# Languages written right to left (primary subtag), and right-to-left script subtags.
RTL_LANGS = {"ar", "fa", "ur", "ps", "sd", "ug", "ckb", "he", "yi", "dv", "syr", "nqo"}
RTL_SCRIPTS = {"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"}
LETTER_NAME = re.compile(r"^(m[0-9A-Za-z_-]*?)-(post|email|via-professional)\.pdf$")


def primary(lang):
    return (lang or "").split("-")[0].lower()


def rtl_lang(lang):
    parts = (lang or "").lower().split("-")
    return parts[0] in RTL_LANGS or any(p in RTL_SCRIPTS for p in parts[1:])


def clean_address(a):
    return a.rstrip(".,;:!?)]}'’\u201d")


def digits(s):
    """ASCII form of every decimal digit in s (Arabic-Indic, Bengali... included)."""
    return "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None
                   else c for c in s)


def mat_mul(a, b):
    """The PDF matrix product a x b of [a b c d e f] matrices."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def parse_tounicode(data):
    """{code: str} from a ToUnicode CMap (bfchar and bfrange)."""
    text = data.decode("latin-1")
    out = {}

    def u16(h):
        b = bytes.fromhex(h)
        return b.decode("utf-16-be", "replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = u16(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, rest in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block
        ):
            lo, hi = int(lo, 16), int(hi, 16)
            if rest.startswith("["):
                for i, d in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", rest)):
                    out[lo + i] = u16(d)
            else:
                start = int(rest[1:-1], 16)
                width = (len(rest) - 2) // 2
                for c in range(lo, hi + 1):
                    out[c] = u16(format(start + c - lo, f"0{width * 2}x"))
    return out


class Font:
    def __init__(self, font):
        self.name = str(font.get("/BaseFont", ""))
        self.two_byte = str(font.get("/Subtype")) == "/Type0"
        tu = font.get("/ToUnicode")
        self.map = parse_tounicode(tu.read_bytes()) if tu is not None else {}
        self.rtl = bool(RTL_FONT.search(self.name))
        self.complex = self.rtl or bool(COMPLEX_FONT.search(self.name))

    def decode(self, raw):
        """(text, codes without a Unicode mapping, whether it reads right without
        /ActualText: left to right, one character a glyph, no vowel sign first)."""
        step = 2 if self.two_byte else 1
        text, missing, simple = [], [], not self.rtl
        for i in range(0, len(raw) - step + 1, step):
            code = int.from_bytes(raw[i:i + step], "big")
            if code in self.map:
                u = self.map[code]
                text.append(u)
                if len(u) != 1 or u == ZWJ:
                    simple = False
                elif unicodedata.category(u).startswith("M") and (
                    len(text) == 1 or not text[-2].strip()
                ):
                    simple = False  # a vowel sign or mark before its letter
            else:
                missing.append(code)
        return "".join(text), missing, simple


class Elem:
    """A structure element as read back: role, language, direct content in order."""

    def __init__(self, role, lang, parent, dic):
        self.role, self.lang, self.parent, self.dic = role, lang, parent, dic
        self.items = []  # ("mc", (page objgen, mcid)) | ("elem", Elem) | ("annot", dict)

    def text(self, mctext, hide_links=False):
        out = []
        for kind, v in self.items:
            if kind == "mc":
                out.append(mctext.get(v, ""))
            elif kind == "elem":
                out.append("\x00" if hide_links and v.role == "Link" else v.text(mctext, hide_links))
        return "".join(out)


class Checker:
    def __init__(self, path, expect_langs=None):
        self.path = path
        self.problems = []
        self.pdf = pikepdf.open(path)
        self.expect_langs = expect_langs  # [main, second...] or None
        self.lang = ""

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
        """Collect elements, check roles and nesting; remember MCIDs in tree order."""
        self.mcid_owner = {}
        self.mcid_elem = {}
        self.tree_order = []  # (page objgen, mcid) in depth-first (reading) order
        self.headings = []
        self.elements = []
        self.all = []  # Elem, depth first
        self.top = None
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
            e = self.visit(k, None, None, self.lang, None)
            if self.top is None:
                self.top = e
        # Headings start at H1 and never skip a level.
        prev = 0
        for level in self.headings:
            if prev == 0 and level != 1:
                self.fail(f"first heading is H{level}, not H1")
            elif level > prev + 1 and prev != 0:
                self.fail(f"heading level skips from H{prev} to H{level}")
            prev = level

    def visit(self, elem, page, parent_role, lang, parent):
        if not isinstance(elem, pikepdf.Dictionary):
            return None
        t = elem.get("/Type")
        if t is not None and str(t) == "/OBJR":
            annot = elem.get("/Obj")
            if annot is None or str(annot.get("/Subtype")) != "/Link":
                self.fail("OBJR does not point at a Link annotation")
            elif not str(annot.get("/Contents", "")):
                self.fail("Link annotation without /Contents")
            if parent_role != "Link":
                self.fail(f"annotation referenced from {parent_role}, not Link")
            if parent is not None and annot is not None:
                parent.items.append(("annot", annot))
            return None
        if t is not None and str(t) == "/MCR":
            pg = elem.get("/Pg", page)
            self.own(pg, int(elem.MCID), parent_role, parent)
            return None
        role = str(elem.get("/S", "/?"))[1:]
        if "/Lang" in elem:
            lang = str(elem.Lang)
        e = Elem(role, lang, parent, elem)
        if parent is not None:
            parent.items.append(("elem", e))
        self.all.append(e)
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
            return e
        for k in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(k, int) or (hasattr(k, "is_integer") and k.is_integer):
                self.own(pg, int(k), role, e)
            else:
                self.visit(k, pg, role, lang, e)
        return e

    def own(self, page, mcid, role, elem):
        if page is None:
            self.fail(f"marked content {mcid} of {role} has no page")
            return
        key = (page.objgen, mcid)
        if key in self.mcid_owner:
            self.fail(f"MCID {mcid} is claimed by two structure elements")
        self.mcid_owner[key] = role
        self.mcid_elem[key] = elem
        self.tree_order.append(key)
        if elem is not None:
            elem.items.append(("mc", key))

    # ---- pages and content ----------------------------------------------
    def check_pages(self):
        parent_tree = {}
        st = self.pdf.Root.get("/StructTreeRoot")
        if st is not None and "/ParentTree" in st:
            nt = pikepdf.NumberTree(st.ParentTree)
            parent_tree = {int(k): v for k, v in nt.items()}
        self.text_ops = 0
        self.mctext = {}  # (page objgen, mcid) -> text read back
        self.page_labels = []  # (page number, artifact text of the page's pagination)
        self.fonts = {}
        self.annots = []
        for n, page in enumerate(self.pdf.pages, 1):
            po = page.obj
            if str(po.get("/Tabs", "")) != "/S":
                self.fail(f"page {n}: /Tabs /S missing")
            sp = po.get("/StructParents")
            if sp is None:
                self.fail(f"page {n}: /StructParents missing")
            for annot in po.get("/Annots", []):
                if str(annot.get("/Subtype")) == "/Link":
                    self.annots.append(annot)
                    if not str(annot.get("/Contents", "")):
                        self.fail(f"page {n}: Link annotation without /Contents")
                    if "/StructParent" not in annot:
                        self.fail(f"page {n}: Link annotation without /StructParent (untagged)")
            self.check_content(n, page, parent_tree.get(int(sp)) if sp is not None else None)
            self.check_fonts(n, po)
        self.check_reading_order()

    def font(self, po, name):
        fonts = po.get("/Resources", {}).get("/Font", {})
        f = fonts.get(name)
        if f is None:
            return None
        key = f.objgen
        if key not in self.fonts:
            self.fonts[key] = Font(f)
        return self.fonts[key]

    def check_content(self, n, page, parents):
        # stack entries: [kind "art"|"mc"|"span"|"other", mcid or None, actual text or None,
        #                 artifact type, artifact text]
        stack = []
        seen = set()
        self.content_order = getattr(self, "content_order", {})
        order = self.content_order.setdefault(page.obj.objgen, [])
        # Where each MCID's first text is drawn: (x, baseline y, font size) on the page,
        # from the text and graphics matrices (for the reading-order rule of table rows).
        self.mc_pos = getattr(self, "mc_pos", {})
        ctm, saved, line, size = (1, 0, 0, 1, 0, 0), [], (1, 0, 0, 1, 0, 0), 0.0
        font = None
        missing_reported = False
        labels = []
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op in ("BDC", "BMC"):
                tag = str(operands[0])
                mcid, actual, atype = None, None, None
                props = operands[1] if op == "BDC" else None
                if isinstance(props, pikepdf.Dictionary):
                    if "/MCID" in props:
                        mcid = int(props.MCID)
                    if "/ActualText" in props:
                        actual = str(props.ActualText)
                    atype = str(props.get("/Type", ""))
                if mcid is not None and actual is None:
                    actual = self.owner_actual_text(n, page, parents, mcid)
                if tag == "/Artifact":
                    kind = "art"
                elif mcid is not None:
                    kind = "mc"
                elif actual is not None:
                    kind = "span"
                else:
                    kind = "other"
                in_art = any(k[0] == "art" for k in stack)
                in_mc = any(k[0] == "mc" for k in stack)
                if kind == "mc" and in_art:
                    self.fail(f"page {n}: tagged content (MCID {mcid}) inside an artifact")
                if kind == "art" and in_mc:
                    self.fail(f"page {n}: artifact inside tagged content")
                if mcid is not None:
                    if mcid in seen:
                        self.fail(f"page {n}: MCID {mcid} used twice")
                    seen.add(mcid)
                    order.append(mcid)
                    if (page.obj.objgen, mcid) not in self.mcid_owner:
                        self.fail(f"page {n}: MCID {mcid} is not referenced by the structure tree")
                    elif parents is not None and (
                        mcid >= len(parents) or parents[mcid] is None
                    ):
                        self.fail(f"page {n}: MCID {mcid} has no /ParentTree entry")
                # Replacement text already given around this sequence (its element's,
                # or an outer span's) covers it: the inner one must say the same.
                outer = next((k[2] for k in reversed(stack)
                              if k[2] is not None and k[0] != "art"), None)
                stack.append([kind, mcid, actual, atype, ""])
                if actual is not None:
                    if not actual.strip():
                        self.fail(f"page {n}: empty /ActualText")
                    if outer is None:  # to this MCID, or the one this span is in
                        self.emit_text(n, page, stack, actual)
                    elif outer != actual:
                        self.fail(f"page {n}: marked-content /ActualText differs from the "
                                  f"replacement text around it (MCID {mcid})")
            elif op == "EMC":
                if not stack:
                    self.fail(f"page {n}: EMC without BDC")
                else:
                    top = stack.pop()
                    if top[0] == "art" and top[3] == "/Pagination":
                        labels.append(top[4])
            elif op == "Tf":
                font = self.font(page.obj, operands[0])
                size = float(operands[1])
            elif op == "q":
                saved.append(ctm)
            elif op == "Q":
                ctm = saved.pop() if saved else ctm
            elif op == "cm":
                ctm = mat_mul([float(x) for x in operands], ctm)
            elif op == "BT":
                line = (1, 0, 0, 1, 0, 0)
            elif op in ("Td", "TD"):
                line = mat_mul((1, 0, 0, 1, float(operands[0]), float(operands[1])), line)
            elif op == "Tm":
                line = tuple(float(x) for x in operands)
            if op in TEXT_OPS:
                m = mat_mul(line, ctm)
                mc = next((k[1] for k in reversed(stack) if k[0] == "mc"), None)
                if mc is not None:
                    self.mc_pos.setdefault((page.obj.objgen, mc),
                                           (m[4], m[5], size * math.hypot(m[2], m[3])))
                self.text_ops += 1
                if not any(k[0] in ("art", "mc") for k in stack):
                    self.fail(f"page {n}: text shown outside tagged content and artifacts")
                raw = b""
                if op == "TJ":
                    for x in operands[0]:
                        if isinstance(x, pikepdf.String):
                            raw += bytes(x)
                else:
                    raw = bytes(operands[-1])
                if font is None:
                    self.fail(f"page {n}: text shown with no font")
                    continue
                text, missing, simple = font.decode(raw)
                if missing and not missing_reported:
                    self.fail(f"page {n}: font {font.name} draws glyph codes with no "
                              f"Unicode mapping: {missing[:5]}")
                    missing_reported = True
                in_actual = any(k[2] is not None and k[0] != "art" for k in stack)
                if (font.complex and not simple and not in_actual
                        and any(k[0] == "mc" for k in stack)):
                    self.fail(f"page {n}: text in {font.name} (glyphs not one-to-one) "
                              f"without /ActualText: {text!r}")
                if not any(k[2] is not None and k[0] != "art" for k in stack):
                    self.emit_text(n, page, stack, text)
        if stack:
            self.fail(f"page {n}: {len(stack)} marked-content sequences left open")
        for (objgen, mcid), role in self.mcid_owner.items():
            if objgen == page.obj.objgen and mcid not in seen:
                self.fail(f"page {n}: structure element {role} points at missing MCID {mcid}")
        self.page_labels.append((n, "".join(labels)))

    def owner_actual_text(self, n, page, parents, mcid):
        """The /ActualText of the structure element that owns MCID mcid of page n (the
        /ParentTree's entry, which must be the element whose /K claims the MCID), or None."""
        owner = self.mcid_elem.get((page.obj.objgen, mcid))
        if owner is None or parents is None or mcid >= len(parents) or parents[mcid] is None:
            return None  # reported with the MCID's other checks
        elem = parents[mcid]
        if elem.objgen != owner.dic.objgen:
            self.fail(f"page {n}: the /ParentTree entry of MCID {mcid} is not the structure "
                      f"element that claims it ({owner.role})")
            return None
        at = elem.get("/ActualText")
        return None if at is None else str(at)

    def emit_text(self, n, page, stack, text):
        """Text goes to the innermost MCID, or to the page's pagination artifact."""
        for k in reversed(stack):
            if k[0] == "mc":
                key = (page.obj.objgen, k[1])
                self.mctext[key] = self.mctext.get(key, "") + text
                return
            if k[0] == "art":
                if k[3] == "/Pagination":
                    k[4] += text
                return

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

    # ---- reading order ----------------------------------------------------
    def check_reading_order(self):
        """On each page, the marked content comes in the order the tree reads it, except
        in a right-to-left table row whose cells share a line: there the cells come in
        visual order, left to right (the tree's TH, TD reversed), as the glyphs of every
        right-to-left line are drawn. Any other order fails."""
        expected, rows = [], {}
        if self.top is not None:
            self.content_sequence(self.top, expected, rows)
        for n, page in enumerate(self.pdf.pages, 1):
            og = page.obj.objgen
            tree = [m for (g, m) in expected if g == og]
            content = [m for m in self.content_order.get(og, []) if (og, m) in self.mcid_owner]
            if tree != content:
                i = next((i for i, (a, b) in enumerate(zip(tree, content)) if a != b),
                         min(len(tree), len(content)))
                where = rows.get((og, tree[i])) if i < len(tree) else None
                self.fail(f"page {n}: structure order differs from content order at "
                          f"position {i} (expected MCIDs {tree[i:i + 3]}, "
                          f"content {content[i:i + 3]})" + (f" in {where}" if where else ""))

    def content_sequence(self, e, out, rows):
        """The MCIDs under e in the order the content must draw them (see
        check_reading_order); rows: MCID -> which kind of table row it is in."""
        items = e.items
        if e.role == "TR":
            cells = [v for k, v in items if k == "elem"]
            visual = self.visual_cells(e, cells)
            what = ("a right-to-left table row (cells expected left to right)"
                    if visual is not cells else "a table row")
            items = [("elem", c) for c in visual] + [(k, v) for k, v in items if k != "elem"]
            for c in cells:
                for key in self.keys_under(c):
                    rows[key] = what
        for kind, v in items:
            if kind == "mc":
                out.append(v)
            elif kind == "elem":
                self.content_sequence(v, out, rows)

    def keys_under(self, e):
        for kind, v in e.items:
            if kind == "mc":
                yield v
            elif kind == "elem":
                yield from self.keys_under(v)

    def visual_cells(self, tr, cells):
        """A right-to-left row's cells that share a line (first baselines less than half
        the type size apart, as pdf.js judges a line), sorted left to right; else cells."""
        if len(cells) < 2 or not rtl_lang(tr.lang):
            return cells
        pos = [self.mc_pos.get(next(self.keys_under(c), None)) for c in cells]
        if None in pos:
            return cells
        ys = [p[1] for p in pos]
        if max(ys) - min(ys) >= 0.5 * min(p[2] for p in pos):
            return cells  # stacked: each cell on lines of its own, top to bottom
        order = sorted(range(len(cells)), key=lambda i: pos[i][0])
        return [cells[i] for i in order]

    # ---- page numbers ------------------------------------------------------
    def check_page_numbers(self):
        """Every page's number is a pagination artifact ("Page n of N" in the letter's
        language), and no tagged text reads like a page number. A print pack numbers
        each letter's pages on its own, with a blank page between letters."""
        patterns = set()
        expect, of = 1, None  # the number the next page must show, and its letter's N
        for n, label in self.page_labels:
            if not label.strip():
                if of is None or expect != of + 1:
                    self.fail(f"page {n}: no page number artifact")
                continue  # a print pack's blank page between letters
            nums = [int(x) for x in re.findall(r"\d+", digits(label))]
            if of is not None and expect == of + 1:
                expect = 1  # the next letter of a print pack
            if len(nums) < 2 or nums[0] != expect or (expect > 1 and nums[-1] != of):
                self.fail(f"page {n}: page number artifact {label!r} does not say "
                          f"{expect} of {of if expect > 1 else 'N'}")
            elif expect == 1:
                of = nums[-1]
            expect += 1
            patterns.add(re.sub(r"\d+", r"\\d+", re.escape(digits(label).strip())))
        if of is not None and expect != of + 1:
            self.fail(f"page numbers stop at {expect - 1} of {of}")
        for key, text in self.mctext.items():
            t = digits(text)
            for pat in patterns:
                if re.search(pat, t):
                    self.fail(f"page number text {text.strip()!r} is inside tagged content "
                              f"({self.mcid_owner.get(key)}), not an artifact")

    # ---- links -------------------------------------------------------------
    def check_links(self):
        """Every email and web address in the text is a Link element with a Link
        annotation (OBJR) whose /Contents names it."""
        for e in self.all:
            if e.role == "Link":
                text = e.text(self.mctext)
                annots = [v for k, v in e.items if k == "annot"]
                if not annots:
                    self.fail(f"Link element {text.strip()!r} has no Link annotation (OBJR)")
                for a in annots:
                    contents = str(a.get("/Contents", ""))
                    addrs = ADDRESS.findall(re.sub(r"\s+", "", text))
                    for addr in addrs:
                        if clean_address(addr) not in contents:
                            self.fail(f"Link annotation /Contents {contents!r} does not name "
                                      f"{clean_address(addr)!r}")
                    # A phone number: its digits are the link's.
                    num = re.sub(r"\D", "", digits(text))
                    if not addrs and len(num) >= 3 and num not in re.sub(r"\D", "", contents):
                        self.fail(f"Link annotation /Contents {contents!r} does not name "
                                  f"{text.strip()!r}")
                continue
            if any(k == "mc" for k, _ in e.items):
                # The element's own text, links hidden; a line break inside an address
                # ("https://" + "example.org") must not hide it.
                own = e.text(self.mctext, hide_links=True)
                joined = re.sub(r"(?<=[/.@-])\s+(?=\S)", "", own)
                for addr in ADDRESS.findall(joined):
                    self.fail(f"{e.role}: address {clean_address(addr)!r} is not in a Link "
                              f"element with a Link annotation")
        for a in self.annots:
            if "/StructParent" in a and not any(
                v.objgen == a.objgen for e in self.all for k, v in e.items if k == "annot"
            ):
                self.fail(f"Link annotation {str(a.get('/Contents', ''))!r} is not "
                          f"referenced from a Link element")

    # ---- languages ---------------------------------------------------------
    def check_langs(self):
        """Long Latin-script prose tagged with a language written in another script
        lacks its /Lang; with --review, the letter's languages are the member's."""
        for e in self.all:
            if not (HEADING.match(e.role) or e.role == "P"):
                continue
            if not (HEADING.match(e.role) or self.in_prose(e)):
                continue  # letterhead, address: names and places, fine untagged
            if primary(e.lang) not in NON_LATIN_LANGS:
                continue
            t = e.text(self.mctext)
            letters = [c for c in t if c.isalpha()]
            latin = [c for c in letters if "LATIN" in unicodedata.name(c, "")]
            if len(latin) >= 60 and len(latin) >= 0.9 * len(letters):
                self.fail(f"{e.role} in Latin script is tagged /Lang {e.lang}: {t[:60]!r}")
        if not self.expect_langs:
            return
        main, *others = self.expect_langs
        if primary(self.lang) != primary(main):
            self.fail(f"catalog /Lang is {self.lang}, the member's language is {main}")
        for other in others:
            heads = [e for e in self.all if HEADING.match(e.role)
                     and primary(e.lang) == primary(other)]
            paras = [e for e in self.all if e.role == "P" and primary(e.lang) == primary(other)
                     and self.in_prose(e)]
            if not heads or len(paras) < 2:
                self.fail(f"bilingual letter: no heading and paragraphs tagged /Lang {other}")

    def in_prose(self, e):
        """Is e part of the letter's text: after a heading of its own section (not the
        letterhead, address, date and reference at the top)?"""
        if e.parent is None:
            return False
        for k, v in e.parent.items:
            if v is e:
                return False
            if k == "elem" and HEADING.match(v.role):
                return True
        return False

    def check_outlines(self):
        """The bookmarks a reader lists (ISO 32000-1, 12.3.3): one a heading, each with a
        title and a destination on a page of this document, linked both ways (/First, /Last,
        /Prev, /Next, /Parent) and counted (/Count: the open items below)."""
        root = self.pdf.Root.get("/Outlines")
        if root is None:
            return
        pages = {p.obj.objgen for p in self.pdf.pages}
        items = 0

        def walk(parent):
            nonlocal items
            kid, prev, below = parent.get("/First"), None, 0
            while kid is not None:
                items += 1
                below += 1
                me = items
                if not str(kid.get("/Title", "")).strip():
                    self.fail(f"bookmark {me} has no /Title")
                dest = kid.get("/Dest")
                if dest is None or len(dest) < 2 or dest[0].objgen not in pages:
                    self.fail(f"bookmark {me} has no destination on a page")
                if kid.get("/Parent") is None or kid.Parent.objgen != parent.objgen:
                    self.fail(f"bookmark {me}: /Parent is not its parent")
                if (kid.get("/Prev") is None) != (prev is None) or (
                        prev is not None and kid.Prev.objgen != prev.objgen):
                    self.fail(f"bookmark {me}: /Prev is not the item before it")
                n = walk(kid)
                if n and int(kid.get("/Count", 0)) != n:
                    self.fail(f"bookmark {me}: /Count {kid.get('/Count')}, {n} items below")
                below += n
                prev, kid = kid, kid.get("/Next")
            if prev is not None and (parent.get("/Last") is None
                                     or parent.Last.objgen != prev.objgen):
                self.fail("bookmarks: /Last is not the last item")
            return below

        total = walk(root)
        if int(root.get("/Count", 0)) != total:
            self.fail(f"bookmarks: /Count {root.get('/Count')}, {total} items")
        if total != len(self.headings):
            self.fail(f"{total} bookmarks for {len(self.headings)} headings")
        if str(self.pdf.Root.get("/PageMode", "")) != "/UseOutlines":
            self.fail("bookmarks, but the catalog's /PageMode is not /UseOutlines")

    def ancestors(self, e):
        p = e.parent
        while p is not None:
            yield p
            p = p.parent

    def run(self):
        self.check_catalog()
        self.walk_struct()
        self.check_pages()
        if self.text_ops == 0:
            self.fail("no text at all")
        if self.headings and "/Outlines" not in self.pdf.Root:
            self.fail("headings but no outlines (bookmarks)")
        self.check_outlines()
        self.check_page_numbers()
        self.check_links()
        self.check_langs()
        return self.problems

    # ---- for the reflow test -------------------------------------------------
    def logical(self):
        """[(role, lang, text)] in tree order: what a reflowing reader gets."""
        self.run()
        out = []

        def line_span(v):
            """A Span holding one line with its /ActualText: layout, not structure (the
            lines, and so the Spans, change with the print size)."""
            return v.role == "Span" and "/ActualText" in v.dic

        for e in self.all:
            if line_span(e):
                continue
            own = []
            for k, v in e.items:
                if k == "mc":
                    own.append(self.mctext.get(v, ""))
                elif k == "elem" and line_span(v):
                    own.extend(self.mctext.get(x, "") for kk, x in v.items if kk == "mc")
            out.append((e.role, e.lang, " ".join("".join(own).split())))
        return out


def review_langs(review):
    """{member id: [locale, also...]} from a review file."""
    out = {}
    root = ET.parse(review).getroot()
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    for m in root.iter(ns + "member"):
        lang = m.find(ns + "language")
        if lang is None:
            continue
        langs = [lang.get("locale", "en-GB")]
        if lang.get("also"):
            langs.append(lang.get("also"))
        out[m.get("id")] = langs
    return out


def main(argv):
    args = argv[1:]
    langs = {}
    if len(args) >= 2 and args[0] == "--review":
        langs = review_langs(args[1])
        args = args[2:]
    if not args:
        print("usage: pdfua_check.py [--review REVIEW.xml] FILE.pdf...", file=sys.stderr)
        return 2
    problems = []
    for path in args:
        m = LETTER_NAME.match(os.path.basename(path))
        expect = langs.get(m.group(1)) if m else None
        try:
            problems += Checker(path, expect).run()
        except pikepdf.PdfError as e:
            problems.append(f"{path}: not a readable PDF: {e}")
    for p in problems:
        print(p)
    print(f"pdfua_check: {len(args)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
