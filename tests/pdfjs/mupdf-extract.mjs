// SPDX-License-Identifier: MIT
// tests/pdfjs/mupdf-extract.mjs: the text current MuPDF (MuPDF.js, the official WebAssembly
// build, pinned in package.json) gets from PDFs: each page's structured text with MuPDF's
// default options (the ones its viewers' copy and search use), as plain text. Since MuPDF 1.24
// its text device reads marked-content /ActualText (unless told "ignore-actualtext").
// MuPDF.js is AGPL-3.0: a test-only tool, installed into the build directory, never shipped.
// Usage: node mupdf-extract.mjs OUTDIR A.pdf [B.pdf ...]: writes OUTDIR/<basename of A>.txt ...
// (each page's text, a form feed after it). KL_MUPDF_STEXT_OPTIONS, if set, replaces the
// default options (e.g. "ignore-actualtext", to measure; the test never sets it).
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as mupdf from "mupdf";

const [outdir, ...files] = process.argv.slice(2);
const options = process.env.KL_MUPDF_STEXT_OPTIONS ?? "";
let failed = 0;
for (const f of files) {
  try {
    const doc = mupdf.Document.openDocument(await readFile(f), "application/pdf");
    let text = "";
    for (let p = 0; p < doc.countPages(); p++) {
      const page = doc.loadPage(p);
      const st = page.toStructuredText(options);
      text += st.asText() + "\n\f";
      st.destroy();
      page.destroy();
    }
    doc.destroy();
    await writeFile(join(outdir, basename(f).replace(/\.pdf$/, "") + ".txt"), text);
  } catch (e) {
    console.error(`MuPDF cannot read ${f}: ${e}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
