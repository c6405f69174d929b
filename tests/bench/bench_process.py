#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/bench/bench_process.py: `kinletter generate` as a whole process (issue 24).
# Usage: bench_process.py KINLETTER BENCH_PDF MAKE_REVIEW
# A review of 200 English members by post at 16 pt (six-page letters, make_review.py) is
# generated with 1 and 2 jobs, 5 runs each: wall and CPU ms per page, KB per page, peak RSS;
# then peak RSS at 100 and 1,000 members (and 10,000 with KL_BENCH_10000=1: slow), the median
# of KL_BENCH_RSS_RUNS runs (3) and its ratio to 100 members' (issue 24: at most 1.5); then the
# PDF engine alone (bench_pdf) for comparison. Figures are medians with their spread
# (min-max); nothing is asserted: timings on a shared machine are noisy.
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

kl, bench_pdf, make_review = sys.argv[1:4]
RUNS = int(os.environ.get("KL_BENCH_RUNS", "5"))
tmp = tempfile.mkdtemp(prefix="klbench-")


def review(n):
    path = os.path.join(tmp, f"r{n}.xml")
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run([sys.executable, make_review, str(n)], stdout=f, check=True)
    return path


def generate(n, jobs):
    """One run: (wall s, cpu s, peak RSS KB, pages, letter bytes, pack bytes)."""
    out = os.path.join(tmp, "out")
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.monotonic()
    # Files, not pipes: nothing reads a pipe until the process ends, and
    # 10,000 members' listing is more than a pipe holds (the run hung).
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen([kl, "generate", "-j", str(jobs), "-o", out, review(n)],
                             stdout=fo, stderr=fe)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        fo.seek(0)
        fe.seek(0)
        so, se = fo.read().decode(), fe.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    if p.returncode:
        sys.exit(f"generate failed: {se}")
    m = re.search(r"(\d+) PDF pages", so)
    pages = int(m.group(1)) if m else 0
    letters = pack = 0
    for root, _, files in os.walk(out):
        for name in files:
            size = os.path.getsize(os.path.join(root, name))
            if name.startswith("print-pack"):
                pack += size
            elif name.endswith(".pdf"):
                letters += size
    shutil.rmtree(out, ignore_errors=True)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, pages, letters, pack


def spread(xs, fmt="%.3f"):
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(xs), min(xs), max(xs))


print(f"kinletter generate, 200 members by post, English, 16 pt; median (min-max) of {RUNS} runs")
print("%-5s %-24s %-24s %-8s %-8s %-14s" % ("jobs", "wall ms/page", "cpu ms/page", "KB/page",
                                          "pack KB/p", "peak RSS MB"))
median_wall_1 = median_cpu_1 = None
for jobs in (1, 2) if RUNS else ():  # KL_BENCH_RUNS=0: the peak RSS table only
    runs = [generate(200, jobs) for _ in range(RUNS)]
    pages = runs[0][3]
    if jobs == 1:
        median_wall_1 = statistics.median([r[0] * 1e3 / pages for r in runs])
        median_cpu_1 = statistics.median([r[1] * 1e3 / pages for r in runs])
    print("%-5d %-24s %-24s %-8.2f %-8.2f %-14s" % (
        jobs, spread([r[0] * 1e3 / pages for r in runs]), spread([r[1] * 1e3 / pages for r in runs]),
        runs[0][4] / 1024 / pages, runs[0][5] / 1024 / pages,
        spread([r[2] / 1024 for r in runs], "%.1f")))
    sys.stdout.flush()

sizes = [100, 1000] + ([10000] if os.environ.get("KL_BENCH_10000") else [])
RSS_RUNS = int(os.environ.get("KL_BENCH_RSS_RUNS", "3"))
print(f"\npeak RSS against family size (median (min-max) of {RSS_RUNS} runs, KL_BENCH_RSS_RUNS; "
      "KL_BENCH_10000=1 adds 10,000 members)")
print("%-8s %-5s %-12s %-22s %-10s" % ("members", "jobs", "seconds", "peak MB", "x 100's"))
first = {}
for n in sizes:
    for jobs in (1, 2):
        runs = [generate(n, jobs) for _ in range(RSS_RUNS)]
        peak = statistics.median([r[2] / 1024 for r in runs])
        first.setdefault(jobs, peak)
        print("%-8d %-5d %-12.2f %-22s %-10.2f" % (
            n, jobs, statistics.median([r[0] for r in runs]),
            spread([r[2] / 1024 for r in runs], "%.1f"), peak / first[jobs]))
        sys.stdout.flush()

print("\nthe PDF engine alone (bench_pdf, 200 synthetic letters, in-process):")
sys.stdout.flush()
dump = os.path.join(tmp, "engine.pdf")
engine = subprocess.run([bench_pdf, "200"], check=True, stdout=subprocess.PIPE,
                        env=dict(os.environ, BENCH_DUMP=dump)).stdout.decode()
print(engine, end="")
# Its letter's pages (the page objects are in object streams: ask qpdf or pdfinfo).
engine_pages = 0
if shutil.which("qpdf"):
    q = subprocess.run(["qpdf", "--show-npages", dump], stdout=subprocess.PIPE)
    engine_pages = int(q.stdout) if q.returncode == 0 and q.stdout.strip().isdigit() else 0
elif shutil.which("pdfinfo"):
    m = re.search(rb"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", dump], stdout=subprocess.PIPE)
                  .stdout, re.M)
    engine_pages = int(m.group(1)) if m else 0
row = re.search(r"^200\s+\d+\s+([0-9.]+)", engine, re.M)
if row and engine_pages and median_wall_1:
    per_page = float(row.group(1)) / engine_pages
    print(f"engine: {per_page:.3f} ms/page ({engine_pages} pages a letter); "
          f"kinletter -j 1 is {median_wall_1 / per_page:.1f}x that in wall time, "
          f"{median_cpu_1 / per_page:.1f}x in CPU time")
shutil.rmtree(tmp, ignore_errors=True)
