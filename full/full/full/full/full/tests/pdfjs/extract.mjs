// SPDX-License-Identifier: MIT
// tests/pdfjs/extract.mjs: the text pdf.js (Firefox's PDF viewer) gets from PDFs, through
// the same getTextContent its text layer, find, copy and accessibility tree use. It does not
// read marked-content /ActualText: it has only the fonts' ToUnicode maps.
// Usage: node extract.mjs OUTDIR A.pdf [B.pdf ...]: writes OUTDIR/<basename of A>.txt ...
// (a PDF's text items joined as pdf.js gives them, a new line where it says hasEOL).
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";

// Text extraction draws nothing: pdf.js only needs these names to exist (its optional
// canvas package, which would provide them, is not installed).
for (const name of ["DOMMatrix", "ImageData", "Path2D"])
  globalThis[name] ??= class {
    constructor() {
      Object.assign(this, { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
    }
  };
const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");

const [outdir, ...files] = process.argv.slice(2);
let failed = 0;
for (const f of files) {
  try {
    const data = new Uint8Array(await readFile(f));
    const doc = await getDocument({ data, verbosity: 0, isEvalSupported: false }).promise;
    let text = "";
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str;
        if (item.hasEOL) text += "\n";
      }
      text += "\n\f";
    }
    await doc.destroy();
    await writeFile(join(outdir, basename(f).replace(/\.pdf$/, "") + ".txt"), text);
  } catch (e) {
    console.error(`pdf.js cannot read ${f}: ${e}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
