#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Glyph widths consistent with the embedded font programs (PDF/UA-1, ISO 14289-1
7.21.5; PDF/A-2 6.2.11.5): for every code a CIDFont's /W declares, the advance of
the glyph it draws in the embedded font program (FontFile2 or FontFile3, read with
fontTools: hmtx through the CIDToGIDMap, or the CFF charset for a CID-keyed font),
scaled to 1000/unitsPerEm, must equal the /W width within 1 unit (veraPDF's
tolerance). Simple fonts: /Widths against the same hmtx through FirstChar.

Usage: pdfua_widths.py PDF...   (prints one line per PDF with a problem and a
summary; exit 1 when any width disagrees, 2 when a font cannot be read).
       pdfua_widths.py --self-test PDF   (PDF passes; with one /W width 2/1000 em
       off it fails, naming that code)."""
import io
import sys

import pikepdf
from fontTools.ttLib import TTFont

TOLERANCE = 1.0


def w_entries(warr):
    """(cid, width) for every entry of a /W array."""
    out = []
    items = list(warr)
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1]
        if isinstance(nxt, pikepdf.Array):
            for k, w in enumerate(nxt):
                out.append((first + k, float(w)))
            i += 2
        else:
            last = int(nxt)
            w = float(items[i + 2])
            for c in range(first, last + 1):
                out.append((c, w))
            i += 3
    return out


def font_program(desc):
    for key in ("/FontFile2", "/FontFile3"):
        if key in desc:
            return key, bytes(desc[key].read_bytes())
    return None, None


def check_cidfont(name, cidfont, problems):
    desc = cidfont.get("/FontDescriptor")
    if desc is None:
        return 0
    key, data = font_program(desc)
    if data is None:
        return 0
    tt = TTFont(io.BytesIO(data), lazy=True)
    upem = tt["head"].unitsPerEm
    hmtx = tt["hmtx"].metrics
    order = tt.getGlyphOrder()
    cidmap = None
    m = cidfont.get("/CIDToGIDMap")
    if isinstance(m, pikepdf.Stream):
        cidmap = bytes(m.read_bytes())
    cff_cid = False
    if "CFF " in tt:
        top = tt["CFF "].cff.topDictIndex[0]
        cff_cid = hasattr(top, "ROS")
    entries = w_entries(cidfont.get("/W", pikepdf.Array()))
    n = 0
    for cid, w in entries:
        if cidmap is not None:
            if 2 * cid + 1 >= len(cidmap):
                problems.append(f"{name}: CID {cid} is beyond the CIDToGIDMap")
                continue
            gid = cidmap[2 * cid] << 8 | cidmap[2 * cid + 1]
            gname = order[gid] if gid < len(order) else None
        elif cff_cid:
            gname = "cid%05d" % cid
            if gname not in hmtx:
                gname = None
        else:
            gname = order[cid] if cid < len(order) else None
        if gname is None or gname not in hmtx:
            problems.append(f"{name}: CID {cid} draws no glyph of the font program")
            continue
        adv = hmtx[gname][0] * 1000.0 / upem
        n += 1
        if abs(adv - w) > TOLERANCE:
            problems.append(
                f"{name}: CID {cid} (glyph {gname}) /W {w:g} but the font program's "
                f"advance is {adv:.2f} (/1000 em)")
    return n


def check_simple(name, font, problems):
    desc = font.get("/FontDescriptor")
    if desc is None or "/Widths" not in font:
        return 0
    key, data = font_program(desc)
    if data is None or key != "/FontFile2":
        return 0
    tt = TTFont(io.BytesIO(data), lazy=True)
    upem = tt["head"].unitsPerEm
    hmtx = tt["hmtx"].metrics
    cmap = tt.getBestCmap() if "cmap" in tt else None
    first = int(font.get("/FirstChar", 0))
    n = 0
    for k, w in enumerate(font["/Widths"]):
        code = first + k
        gname = None
        if "cmap" in tt:
            for t in tt["cmap"].tables:
                if t.platformID == 3 and t.platEncID == 0 and (0xF000 + code) in t.cmap:
                    gname = t.cmap[0xF000 + code]
            if gname is None and cmap and code in cmap:
                gname = cmap[code]
        if gname is None or gname not in hmtx:
            continue
        adv = hmtx[gname][0] * 1000.0 / upem
        n += 1
        if abs(adv - float(w)) > TOLERANCE:
            problems.append(f"{name}: code {code} /Widths {float(w):g}, font program {adv:.2f}")
    return n


def fonts_of(pdf):
    seen = set()
    for page in pdf.pages:
        res = page.obj.get("/Resources", {})
        for fname, font in dict(res.get("/Font", {})).items():
            og = font.objgen
            if og in seen:
                continue
            seen.add(og)
            yield fname, font


def check_pdf(path):
    problems = []
    glyphs = 0
    with pikepdf.open(path) as pdf:
        for fname, font in fonts_of(pdf):
            base = str(font.get("/BaseFont", fname))
            if font.get("/Subtype") == "/Type0":
                for d in font["/DescendantFonts"]:
                    glyphs += check_cidfont(base, d, problems)
            else:
                glyphs += check_simple(base, font, problems)
    return glyphs, problems


def self_test(path):
    """The check must see a width 2/1000 em off: a good letter passes, the same
    letter with one /W width changed fails, naming that code."""
    import tempfile
    n, problems = check_pdf(path)
    if not n or problems:
        print(f"FAIL: self-test: {path} should pass ({n} codes, {len(problems)} problems)")
        return 1
    with pikepdf.open(path) as pdf, tempfile.TemporaryDirectory() as tmp:
        for _, font in fonts_of(pdf):
            if font.get("/Subtype") != "/Type0":
                continue
            warr = font["/DescendantFonts"][0]["/W"]
            cid = int(warr[0])
            warr[1][0] = float(warr[1][0]) + 2
            break
        bad = tmp + "/bad.pdf"
        pdf.save(bad)
        n, problems = check_pdf(bad)
    if not any(f"CID {cid} " in p for p in problems):
        print(f"FAIL: self-test: a /W width 2/1000 em off (CID {cid}) was not found")
        return 1
    print(f"self-test: a /W width 2/1000 em off is found (CID {cid})")
    return 0


def main(paths):
    if paths[:1] == ["--self-test"]:
        return self_test(paths[1])
    bad = 0
    total = 0
    for p in paths:
        try:
            n, problems = check_pdf(p)
        except Exception as e:  # a font that cannot be read is a failure too
            print(f"FAIL: {p}: cannot read its fonts: {e}")
            return 2
        total += n
        if problems:
            bad += 1
            print(f"FAIL: {p}: {len(problems)} glyph widths differ from the font program")
            for line in problems[:5]:
                print("  " + line)
    print(f"{len(paths) - bad} of {len(paths)} PDFs have /W widths equal to their font programs' "
          f"advances ({total} codes checked, tolerance {TOLERANCE:g}/1000 em)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
