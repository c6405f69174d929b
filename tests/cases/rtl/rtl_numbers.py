#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Numbers inside right-to-left PDF lines read left to right, in order.

Reads the glyph positions MuPDF gives each character of a PDF (`mutool draw
-F stext`), puts each line's characters in visual order (by x) and checks
that every expected number's digits appear left to right in the order
written: Samaritans "116 123" must not show as "123 116", a phone number's
groups must not swap. Usage: rtl_numbers.py FILE.pdf NUMBER...
"""
import subprocess
import sys
import xml.etree.ElementTree as ET


def lines(pdf):
    xml = subprocess.run(["mutool", "draw", "-q", "-F", "stext", "-o", "-", pdf],
                         check=True, capture_output=True).stdout
    root = ET.fromstring(xml)
    for line in root.iter("line"):
        chars = [(float(c.get("x")), c.get("c")) for c in line.iter("char")]
        yield "".join(c for _, c in sorted(chars) if c.isdigit() and c.isascii())


def main():
    pdf, numbers = sys.argv[1], sys.argv[2:]
    digit_lines = list(lines(pdf))
    failed = 0
    for number in numbers:
        want = "".join(ch for ch in number if ch.isdigit())
        if not any(want in l for l in digit_lines):
            groups = number.split()
            swapped = "".join(reversed(groups))
            seen = [l for l in digit_lines if swapped in l]
            print(f"FAIL {pdf}: {number!r} does not read left to right in order"
                  + (f" (shown as {' '.join(reversed(groups))!r})" if seen else " (not found)"))
            failed += 1
        else:
            print(f"ok {pdf}: {number!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
