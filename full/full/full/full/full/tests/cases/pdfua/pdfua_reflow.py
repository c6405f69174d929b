#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/pdfua_reflow.py: large print and reflow. A reader that reflows a
# page (or a screen reader) follows the structure tree, so the tree must not depend on
# the print size: for each member, the letter at 18, 20 and 24 pt has the same
# structure elements, in the same order, with the same languages and the same text
# as at 14 pt. Each letter must also pass the PDF/UA checker.
#
# Usage: pdfua_reflow.py KINLETTER EXAMPLE_DIR WORKDIR MEMBER...
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfua_check import Checker, review_langs  # noqa: E402

SIZES = (14, 18, 20, 24)


def with_size(xml, member, size):
    """The review with member's print size set to size points (needs@size)."""
    m = re.search(r'<member id="%s"[^>]*>.*?</member>' % re.escape(member), xml, re.S)
    assert m, f"no member {member}"
    block = m.group(0)
    if "<needs" in block:
        new = re.sub(r"<needs\b([^>]*?)/>",
                     lambda n: "<needs" + re.sub(r'\s(print|size)="[^"]*"', "", n.group(1))
                     + f' size="{size}"/>', block, count=1)
    else:
        new = re.sub(r"(</language>|<language[^>]*/>)", r'\1<needs size="%d"/>' % size, block,
                     count=1)
    return xml[:m.start()] + new + xml[m.end():]


def main(kl, example, work, members):
    xml = open(os.path.join(example, "review.xml"), encoding="utf-8").read()
    langs = review_langs(os.path.join(example, "review.xml"))
    d = os.path.join(work, "reflow")
    shutil.copytree(example, d, dirs_exist_ok=True)
    failures = 0
    for member in members:
        base = None
        for size in SIZES:
            review = os.path.join(d, "review.xml")
            with open(review, "w", encoding="utf-8") as f:
                f.write(with_size(xml, member, size))
            out = os.path.join(d, f"{member}-{size}pt.pdf")
            r = subprocess.run([kl, "render", review, "--member", member, "--format", "pdf",
                                "-o", out, "--force"], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL: {member} at {size} pt: render failed: {r.stderr.strip()}")
                failures += 1
                break
            c = Checker(out, langs.get(member))
            tree = c.logical()
            for p in c.problems:
                print(f"FAIL: {member} at {size} pt: {p}")
                failures += 1
            if base is None:
                base, pages = tree, len(c.pdf.pages)
                continue
            # Reflowed, not enlarged: bigger type takes more pages (at 24 pt, more than
            # at 14 pt), never fewer.
            if len(c.pdf.pages) < pages or (size == SIZES[-1] and len(c.pdf.pages) <= pages):
                print(f"FAIL: {member} at {size} pt has {len(c.pdf.pages)} pages, "
                      f"against {pages} at 14 pt: was the text reflowed?")
                failures += 1
            if tree != base:
                i = next((i for i, (a, b) in enumerate(zip(base, tree)) if a != b),
                         min(len(base), len(tree)))
                print(f"FAIL: {member} at {size} pt: the structure differs from 14 pt at "
                      f"element {i}: {base[i] if i < len(base) else None} != "
                      f"{tree[i] if i < len(tree) else None}")
                failures += 1
            else:
                print(f"ok: {member} at {size} pt: {len(tree)} elements, {len(c.pdf.pages)} "
                      f"pages, same structure and text as at 14 pt")
    print(f"reflow: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print("usage: pdfua_reflow.py KINLETTER EXAMPLE_DIR WORKDIR MEMBER...", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
