#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/cases/layers/layers.py: the include graph follows docs/ARCHITECTURE.md.

Data flows one way through the library's modules. A module may include its
own headers, the public headers and those of modules before it, never one
after it; cli/ and web/ include only the public headers. The order is read
from lib/meson.build (the subdir() calls), so the build, the picture and
this test cannot drift apart.

Usage: layers.py SOURCE_ROOT
"""
import os
import re
import sys

src = sys.argv[1]
meson = open(os.path.join(src, "lib", "meson.build"), encoding="utf-8").read()
order = re.findall(r"^subdir\('([a-z0-9_]+)'\)", meson, re.M)
rank = {m: i for i, m in enumerate(order)}
failures = []
# Every module directory is in the order (one left out would go unchecked).
for d in sorted(os.listdir(os.path.join(src, "lib"))):
    if d != "include" and os.path.isdir(os.path.join(src, "lib", d)) and d not in rank:
        failures.append(f"lib/{d}/: a module missing from lib/meson.build's subdir() order")
edges = 0
for mod in order:
    d = os.path.join(src, "lib", mod)
    for f in sorted(os.listdir(d)):
        if not f.endswith((".c", ".h", ".cc")):
            continue
        for n, line in enumerate(open(os.path.join(d, f), encoding="utf-8"), 1):
            m = re.match(r'\s*#\s*include\s+"([a-z0-9_]+)/', line)
            if not m or m.group(1) == "kinletter":
                continue
            dep = m.group(1)
            edges += 1
            if dep not in rank:
                failures.append(f"lib/{mod}/{f}:{n}: includes {dep}/, which is not a module")
            elif rank[dep] > rank[mod]:
                failures.append(f"lib/{mod}/{f}:{n}: {mod} includes {dep}/, a module above it "
                                f"(order: {' -> '.join(order)})")
for front in ("cli", "web"):
    d = os.path.join(src, front)
    if not os.path.isdir(d):
        continue
    for root, _, files in os.walk(d):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            p = os.path.join(root, f)
            for n, line in enumerate(open(p, encoding="utf-8"), 1):
                m = re.match(r'\s*#\s*include\s+"([a-z0-9_]+)/', line)
                if m and m.group(1) in rank:
                    failures.append(f"{os.path.relpath(p, src)}:{n}: includes the library's "
                                    f"internal {m.group(1)}/ (front ends use kinletter.h only)")
for f in failures:
    print("FAIL " + f)
print(f"{len(order)} modules, {edges} includes checked")
print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
