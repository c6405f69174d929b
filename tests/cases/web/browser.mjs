// SPDX-License-Identifier: MIT
// tests/cases/web/browser.mjs KINLETTER SOURCE_ROOT CHROMIUM ARTIFACTS TMP (run by browser.sh
// from the directory holding node_modules): a coordinator's day in `kinletter serve`, in
// Debian's chromium driven by puppeteer-core.
//
// With JavaScript: create a review through the forms (first with a mistake: the error summary
// and the message beside the field), upload the bundled example's family.csv, preview a
// Polish and an Arabic letter (the PDF served, the draft banner, the Arabic text right to
// left), generate the batch, download the print pack (a PDF), mark a letter sent on the
// record page and see its status change.
// Without JavaScript (page.setJavaScriptEnabled(false)): the same steps again on a second
// review, through plain form posts (progressive enhancement only).
// On every page: a full-page screenshot kept in ARTIFACTS (NN-step.png), axe-core (WCAG 2.0,
// 2.1 and 2.2, A and AA) with no violation, no Content-Security-Policy violation and no
// console error, every response carrying the security headers. Exit 0 when all hold.
import puppeteer from 'puppeteer-core';
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const [kl, src, chromium, artifacts, tmp] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const started = Date.now();
const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.log(`FAIL ${msg}`);
};
const check = (cond, msg) => {
  if (!cond) fail(msg);
  return cond;
};

// ---- the workspace and the server ------------------------------------------------------------
const ws = path.join(tmp, 'letters');
fs.mkdirSync(ws, {mode: 0o700});
const server = spawn(kl, ['serve', '-o', ws, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {...process.env, KINLETTER_PDF_DATE: '2026-11-27T12:00:00Z'},
});
process.on('exit', () => server.kill('SIGKILL')); // never left behind
let serverErr = '';
server.stderr.on('data', (d) => {
  serverErr += d;
});
const firstLine = await new Promise((resolve) => {
  let out = '';
  const timer = setTimeout(() => resolve(null), 120000);
  server.stdout.on('data', (d) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl >= 0) {
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    }
  });
  server.on('exit', () => {
    clearTimeout(timer);
    resolve(null);
  });
});
const m = firstLine &&
    /^kinletter: serving (.*) at (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)$/.exec(
        firstLine);
if (!m) {
  console.log(`FAIL serve's first line is not the URL: ${firstLine}\n${serverErr}`);
  server.kill();
  process.exit(1);
}
const base = m[2];
const loginUrl = `${base}/?token=${m[3]}`;

const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir: profile,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--lang=en-GB', '--disable-dev-shm-usage', // a container's /dev/shm is often 64 MB
  ],
  protocolTimeout: 180000,
});

let shot = 0;
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// A tab that records console errors and CSP violations for the page it shows.
async function newTab(js, context = null) {
  context = context || await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({width: 1024, height: 768});
  page.setDefaultTimeout(120000);
  page.setDefaultNavigationTimeout(120000);
  await page.setJavaScriptEnabled(js);
  page.problems = [];
  page.on('console', (msg) => {
    // "Failed to load resource" repeats a status the response listener below checks (and
    // a 400 page for a form with mistakes is right).
    if (msg.type() === 'error' && !/^Failed to load resource/.test(msg.text()))
      page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`script error: ${err.message}`));
  if (process.env.KL_WEB_DEBUG) {
    page.on('request', (r) => console.log(`${Date.now() - started} > ${r.method()} ${r.url()}`));
    page.on('requestfinished', (r) => console.log(`${Date.now() - started} < ${r.url()}`));
    page.on('requestfailed', (r) => console.log(`${Date.now() - started} ! ${r.url()}`));
  }
  page.on('response', (res) => {
    const url = res.url();
    if (!url.startsWith(base)) return;
    const h = res.headers();
    const where = url.slice(base.length);
    if (res.status() >= 400 && res.request().resourceType() !== 'document' &&
        where !== '/favicon.ico')
      page.problems.push(`${where}: HTTP ${res.status()}`);
    // Chromium's PDF viewer hands the PDF it already received to its own frame as a second
    // response without headers: nothing came from the server.
    if (Object.keys(h).length === 0) return;
    const csp = h['content-security-policy'] || '';
    if (!/frame-ancestors '(self|none)'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp))
      page.problems.push(`${where}: Content-Security-Policy '${csp}'`);
    if (h['x-content-type-options'] !== 'nosniff')
      page.problems.push(`${where}: no X-Content-Type-Options: nosniff`);
    if (!/no-store/.test(h['cache-control'] || ''))
      page.problems.push(`${where}: Cache-Control lacks no-store`);
  });
  page.js = js;
  return page;
}

// After each navigation: the status, a screenshot, axe-core, the problems the tab saw.
async function visited(page, name, response, wantStatus = 200) {
  const tag = `${page.js ? '' : 'nojs '}${name}`;
  if (response && !check(response.status() === wantStatus,
      `${tag}: HTTP ${response.status()} at ${page.url()}, expected ${wantStatus}`))
    console.log((await text(page)).slice(0, 600).replace(/^/gm, '  | '));
  await checkPage(page, name, tag);
}

async function checkPage(page, name, tag) {
  shot += 1;
  const file = path.join(artifacts,
      `${String(shot).padStart(2, '0')}-${page.js ? '' : 'nojs-'}${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  // axe runs in the page even when the page's own JavaScript is off (it is injected
  // through the DevTools protocol, which the page's CSP does not govern).
  if (!page.js) await page.setJavaScriptEnabled(true);
  try {
    await page.evaluate(axeSource);
    const r = await page.evaluate(
        (tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes:
          ['violations']}),
        axeTags);
    for (const v of r.violations) {
      const nodes = v.nodes.map((n) => `      ${n.target.join(' ')}: ${n.failureSummary}`
          .replace(/\n/g, ' ')).join('\n');
      fail(`${tag}: axe ${v.id} (${v.impact}): ${v.help}\n${nodes}`);
    }
  } finally {
    if (!page.js) await page.setJavaScriptEnabled(false);
  }
  for (const p of page.problems) fail(`${tag}: ${p}`);
  page.problems = [];
  check((await page.$eval('html', (e) => e.getAttribute('lang'))) === 'en-GB' ||
      (await page.$eval('html', (e) => e.getAttribute('lang'))) === 'en',
      `${tag}: <html> has no lang`);
}

// Navigation caused by an action (a click, a submit).
async function act(page, action) {
  const [response] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}), action()]);
  return response;
}
const text = (page) => page.evaluate(() => document.body.innerText);

// Headless chromium with JavaScript off sometimes never finishes leaving a page whose
// iframe holds its PDF viewer: the iframe is taken out first (it has been checked).
const leavePreview = (page) => page.$$eval('iframe, object', (fs) => fs.forEach((f) => f.remove()));

// page.goto, tried a second time when the navigation never finishes: headless chromium
// has once been seen to stall leaving a page whose iframe holds its PDF viewer (JavaScript
// off). A server that hangs fails the second try too.
async function go(page, url) {
  try {
    return await page.goto(url, {waitUntil: 'load', timeout: 60000});
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
    console.log(`NOTE: loading ${url} did not finish in 60 s; trying again`);
    return page.goto(url, {waitUntil: 'load'});
  }
}

async function run() {
  // ---- with JavaScript ------------------------------------------------------------------
  const page = await newTab(true);
  let res = await go(page, loginUrl);
  check(new URL(page.url()).pathname === '/reviews', `the token URL led to ${page.url()}`);
  await visited(page, 'reviews-empty', res);
  await flow(page, 'NSCP-2026-017');

  // The pages the flow does not pass through: editing the review (its values back in the
  // form), a page that does not exist (404) and the page a stranger sees (403).
  res = await go(page, `${base}/reviews/NSCP-2026-017/edit`);
  await visited(page, 'review-edit', res);
  check(await page.$eval('[name="hours-2-to"]', (e) => e.value).catch(() => null) === '12:30',
      'the edit form does not show the second row of hours as saved');
  res = await go(page, `${base}/reviews/NSCP-2026-017/no-such-page`);
  await visited(page, 'not-found', res, 404);
  const stranger = await newTab(true);
  res = await go(stranger, `${base}/reviews`);
  await visited(stranger, 'forbidden', res, 403);
  check(!/Nowak|Zofia|NSCP-2026-017/.test(await text(stranger)),
      'the 403 page shows something of the reviews');
  await stranger.browserContext().close();

  // ---- without JavaScript ---------------------------------------------------------------
  const nojs = await newTab(false);
  res = await go(nojs, loginUrl);
  await visited(nojs, 'reviews', res);
  await flow(nojs, 'NSCP-2026-018');
}

// The bundled example review (templates/example/review-csv.xml), as a coordinator types it.
const example = {
  'type': 'lcspr',
  'partnership-name': 'Northshire Safeguarding Children Partnership',
  'partnership-address': 'Floor 3, County Hall\nMarket Street',
  'partnership-town': 'Northtown',
  'partnership-postcode': 'NT1 4AB',
  'partnership-phone': '01632 960123',
  'partnership-email': 'reviews@northshire-scp.example',
  'partnership-web': 'https://northshire-scp.example',
  'child-given': 'Amelia',
  'child-family': 'Nowak',
  'child-gender': 'female',
  'child-age': '4',
  'child-outcome': 'died',
  'dates-decided': '2026-11-20',
  'dates-letter': '2026-11-27',
  'dates-expected-end': '2027-05-28',
  'dates-period-from': '2025-01-01',
  'dates-period-to': '2026-10-31',
  'reviewer-name': 'Dr Helen Price',
  'reviewer-role': 'independent-reviewer',
  'contact-name': 'Sam Okafor',
  'contact-role': 'family-contact',
  'contact-phone': '01632 960456',
  'contact-mobile': '07700 900123',
  'contact-email': 'sam.okafor@northshire-scp.example',
  'hours-1-days': 'mon-thu',
  'hours-1-from': '09:00',
  'hours-1-to': '16:00',
  'hours-2-days': 'fri',
  'hours-2-from': '09:00',
  'hours-2-to': '12:30',
  'agencies': 'Northshire Children\'s Social Care\nNorthtown Hospital\nNorthshire Police\n' +
      'Northtown Primary Care Network',
  'service-1-name': 'Northshire Bereavement Service',
  'service-1-phone': '01632 960789',
  'service-2-name': 'Family Advocacy North',
  'service-2-phone': '01632 960321',
  'service-2-web': 'https://advocacy-north.example',
  'publication-planned': 'true',
};

// Fill a form as a person does: type into text fields (after clearing them), click radios,
// choose in selects. Dates are set as the date picker would (typing into a date input
// follows the browser's locale).
async function fill(page, values) {
  for (const [name, value] of Object.entries(values)) {
    const sel = `[name="${name}"]`;
    const kind = await page.$eval(sel, (e) => e.type || e.tagName.toLowerCase())
        .catch(() => null);
    if (!check(kind !== null, `the form has no field named ${name}`)) continue;
    if (kind === 'radio') {
      await page.click(`input[name="${name}"][value="${value}"]`);
    } else if (kind === 'select-one') {
      await page.select(sel, value);
    } else if (kind === 'date' || kind === 'time') {
      await page.$eval(sel, (e, v) => {
        e.value = v;
      }, value);
    } else {
      await page.$eval(sel, (e) => {
        e.value = '';
      });
      await page.type(sel, value);
    }
  }
}
const submit = (page, form = 'main form') =>
  act(page, () => page.click(`${form} button[type="submit"], ${form} input[type="submit"]`));

async function flow(page, rid) {
  // The list, then the form.
  let res = await act(page, () => page.click('a[href="/reviews/new"]'));
  await visited(page, 'review-new', res);

  // A mistake first: no reference, a contact email that is not one. The page comes back
  // (400) with the error summary at the top linking to the fields, and each message beside
  // its field; what was typed is kept.
  await fill(page, {...example, 'contact-email': 'sam.okafor at northshire'});
  res = await submit(page);
  await visited(page, 'review-new-errors', res, 400);
  const summary = await page.$('.error-summary[role="alert"]');
  if (check(summary, `${page.js ? '' : 'nojs '}the form with mistakes shows no .error-summary ` +
      `with role=alert`)) {
    const links = await page.$$eval('.error-summary a', (as) => as.map((a) => a.hash));
    check(links.includes('#review-id'), `the error summary does not link to #review-id: ${links}`);
    if (page.js) {
      check(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')),
          'with JavaScript, the error summary does not have the focus');
    }
  }
  check(await page.$eval('#review-id', (e) => e.getAttribute('aria-invalid')) === 'true',
      'the empty reference is not aria-invalid');
  const described = await page.$eval('#review-id', (e) => (e.getAttribute('aria-describedby') ||
      '').split(' ').map((id) => document.getElementById(id)?.textContent || '').join(' '));
  check(/reference/i.test(described),
      `the reference's error is not beside it (aria-describedby: '${described}')`);
  check(await page.$eval('[name="partnership-name"]', (e) => e.value) === example[
    'partnership-name'], 'the form with mistakes lost what was typed');

  // With the reference given, the library's own check (the one `kinletter check` runs)
  // finds the email address, and the page puts its message beside that field.
  await fill(page, {'review-id': rid});
  res = await submit(page);
  await visited(page, 'review-new-check-error', res, 400);
  check(await page.$eval('#contact-email', (e) => e.getAttribute('aria-invalid'))
      .catch(() => null) === 'true', 'the contact email the check refused is not aria-invalid');
  const links2 = await page.$$eval('.error-summary a', (as) => as.map((a) => a.hash))
      .catch(() => []);
  check(links2.includes('#contact-email'),
      `the error summary does not link to #contact-email: ${links2}`);
  await fill(page, {'contact-email': example['contact-email']});
  res = await submit(page);
  check(new URL(page.url()).pathname === `/reviews/${rid}`,
      `saving the review led to ${page.url()}, not /reviews/${rid}`);
  await visited(page, 'review', res);
  check(fs.existsSync(path.join(ws, rid, 'review.xml')), `${rid}/review.xml was not written`);
  if (fs.existsSync(path.join(ws, rid, 'review.xml')))
    check((fs.statSync(path.join(ws, rid, 'review.xml')).mode & 0o777) === 0o600,
        `${rid}/review.xml is not 0600`);

  // The family: the bundled example's spreadsheet, uploaded through the form.
  res = await act(page, () => page.click(`a[href="/reviews/${rid}/family/upload"]`));
  await visited(page, 'family-upload', res);
  const input = await page.$('input[type="file"][name="family"]');
  if (check(input, 'the upload page has no file input named family')) {
    await input.uploadFile(path.join(src, 'templates/example/family.csv'));
    res = await submit(page);
    check(new URL(page.url()).pathname === `/reviews/${rid}`,
        `uploading family.csv led to ${page.url()}`);
    await visited(page, 'review-family', res);
  }
  const rows = await page.$$eval('table tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].map((c) => c.innerText.trim())));
  const ids = rows.map((r) => r[0]);
  const csvIds = fs.readFileSync(path.join(src, 'templates/example/family.csv'), 'utf8')
      .split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split(',')[0]);
  check(JSON.stringify(ids) === JSON.stringify(csvIds),
      `the family table lists ${ids}, not the spreadsheet's ${csvIds}`);
  const heads = await page.$$eval('table thead th', (ths) => ths.map((th) => th.innerText.trim()));
  const column = (rs, head) => Object.fromEntries(rs.map((r) => [r[0], r[heads.indexOf(head)]]));
  const status = column(rows, 'Status');
  check(/Ready/.test(status.m01 || '') && /Ready/.test(status.m06 || ''),
      `m01 and m06 are not Ready: ${status.m01} / ${status.m06}`);
  check(/Not contacted/.test(status.m05 || ''), `m05 (contact none) is '${status.m05}'`);
  // Names a coordinator reads, not keywords: the type of review, each language, the format.
  check((await text(page)).includes('Local child safeguarding practice review'),
      'the review page does not name the type of review (lcspr)');
  const lang = column(rows, 'Language');
  check(lang.m06 === 'Arabic' && lang.m04 === 'Welsh and English',
      `the family table shows the languages '${lang.m06}' (ar) and '${lang.m04}' (cy and en-GB)`);
  const format = column(rows, 'Format');
  check(format.m11 === 'Braille' && format.m01 === 'Print',
      `the family table shows the formats '${format.m11}' (m11, braille) and '${format.m01}'`);

  // One member's form (the Arabic-speaking grandfather), and adding a member with nothing
  // filled in: the errors page.
  res = await act(page, () => page.click(`a[href="/reviews/${rid}/members/m06/edit"]`));
  await visited(page, 'member-edit', res);
  check(await page.$eval('[name="locale"]', (e) => e.value) === 'ar',
      `m06's form shows language '${await page.$eval('[name="locale"]', (e) => e.value)}'`);
  check(/Arabic/.test(await text(page)), 'm06\'s form does not name the language (Arabic)');
  // Braille chosen in a member's form (m02) shows in the family table.
  res = await go(page, `${base}/reviews/${rid}/members/m02/edit`);
  await fill(page, {format: 'braille'});
  res = await submit(page, 'main form');
  check(new URL(page.url()).pathname === `/reviews/${rid}`,
      `saving m02 in braille led to ${page.url()}`);
  const rows2 = await page.$$eval('table tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].map((c) => c.innerText.trim())));
  check(column(rows2, 'Format').m02 === 'Braille',
      `m02 set to braille shows '${column(rows2, 'Format').m02}' in the family table`);
  res = await go(page, `${base}/reviews/${rid}/members/new`);
  await visited(page, 'member-new', res);
  res = await submit(page, 'main form');
  await visited(page, 'member-new-errors', res, 400);
  check(await page.$('.error-summary[role="alert"]'), 'an empty member form shows no error summary');

  // Preview: a Polish letter (m01) and an Arabic one (m06), reached from the family table.
  await go(page, `${base}/reviews/${rid}`);
  for (const [mid, lang, name] of [['m01', 'pl', 'Polish'], ['m06', 'ar', 'Arabic']]) {
    const href = `/reviews/${rid}/preview/${mid}/notification`;
    res = await act(page, () => page.click(`a[href="${href}"]`));
    await visited(page, `preview-${lang}`, res);
    const banner = await page.$eval('.banner-draft', (e) => e.innerText).catch(() => null);
    check(banner && (banner.includes(name) || new RegExp(`\\b${lang}\\b`).test(banner)),
        `the ${name} preview has no draft banner naming the language: ${banner}`);
    const frame = await page.$eval('iframe, object', (e) => e.getAttribute('src') ||
        e.getAttribute('data')).catch(() => null);
    check(frame === `${href}.pdf`, `the ${name} preview's iframe or object shows ${frame}`);
    check(await page.$(`object a[href="${href}.pdf"]`),
        `the ${name} preview's object has no link to the PDF for a browser without a viewer`);
    const pdf = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = new Uint8Array(await r.arrayBuffer());
      return {type: r.headers.get('content-type'), head: String.fromCharCode(...b.slice(0, 5)),
        len: b.length};
    }, `${href}.pdf`);
    check(pdf.type === 'application/pdf' && pdf.head === '%PDF-' && pdf.len > 1000,
        `the ${name} letter is not a PDF: ${JSON.stringify(pdf)}`);
    await leavePreview(page);
    await go(page, `${base}/reviews/${rid}`);
  }
  // The young person's preview (m03) shows the email and the text message with its segments.
  res = await go(page, `${base}/reviews/${rid}/preview/m03/notification`);
  await visited(page, 'preview-email-sms', res);
  check(/\d+ segments?/.test(await text(page)), 'the text message preview gives no segment count');
  // A braille member's preview (m11) is the BRF text with its page count, not a PDF.
  await leavePreview(page);
  res = await go(page, `${base}/reviews/${rid}/preview/m11/notification`);
  await visited(page, 'preview-braille', res);
  check(/in braille \(\d+ pages?\)/.test(await text(page)) &&
      /,NOR\?%IRE/.test(await page.$eval('pre.braille', (e) => e.innerText).catch(() => '')),
      'the braille preview shows no BRF text (,NOR?%IRE for Northshire) with its page count');
  await leavePreview(page);

  // Generate: the form, then the progress page until the batch is made. With JavaScript
  // the page updates itself; without, the coordinator follows "Check progress". No meta
  // refresh: axe-core's meta-refresh rule (WCAG 2.2.1) would fail it.
  await go(page, `${base}/reviews/${rid}`);
  res = await act(page, () => page.click(`a[href="/reviews/${rid}/generate"]`));
  await visited(page, 'generate', res);
  await page.select('select[name="template"]', 'notification');
  res = await submit(page);
  let progressSeen = false;
  for (let i = 0; i < 600; i++) {
    const state = await page.evaluate(() => ({
      progress: !!document.getElementById('progress'),
      done: document.querySelector('p.notice')?.innerText || '',
    }));
    // axe checks the progress page in the pass without JavaScript: with it, kinletter.js
    // may replace the page's content while axe reads it.
    if (state.progress && !progressSeen && !page.js) {
      progressSeen = true;
      await visited(page, 'generate-progress', null);
    }
    if (!state.progress && state.done) break;
    if (page.js || !state.progress) {
      await new Promise((r) => setTimeout(r, 500));
    } else {
      await new Promise((r) => setTimeout(r, 1000));
      res = await act(page, () => page.click('#check-progress'));
      check(res.status() === 200, `Check progress: HTTP ${res.status()}`);
    }
  }
  if (!page.js && !progressSeen) console.log('NOTE: the batch was made before its progress page was seen');
  const done = await page.$eval('p.notice', (e) => e.innerText).catch(() => '');
  await visited(page, 'generate-done', null);
  check(/letters are made/.test(done), `the batch did not finish: '${done}'`);
  check(!(await page.$('.error-summary')), `the batch has errors: ${
    await page.$eval('.error-summary', (e) => e.innerText).catch(() => '')}`);
  const packPages = Number((/\((\d+) pages?\)/.exec(done) || [])[1]);

  // The print pack, downloaded through its link (the session's cookie, as a click would).
  const packHref = await page.$eval('a[download^="print-pack"]', (a) => a.getAttribute('href'))
      .catch(() => null);
  if (check(packHref, 'the generate page offers no print pack to download')) {
    const pack = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = new Uint8Array(await r.arrayBuffer());
      return {type: r.headers.get('content-type'), disposition:
        r.headers.get('content-disposition'), bytes: Array.from(b)};
    }, packHref);
    check(pack.type === 'application/pdf' && /^attachment/.test(pack.disposition || ''),
        `the print pack is served as ${pack.type}, ${pack.disposition}`);
    const file = path.join(artifacts, `${page.js ? '' : 'nojs-'}print-pack.pdf`);
    fs.writeFileSync(file, Buffer.from(pack.bytes));
    // pdfinfo (poppler) as the oracle: a PDF with the pages the page announced.
    const info = spawnSync('pdfinfo', [file], {encoding: 'utf8'});
    const pages = Number((/^Pages:\s+(\d+)/m.exec(info.stdout || '') || [])[1]);
    check(info.status === 0 && pages > 0 && (!packPages || pages === packPages),
        `pdfinfo reads the print pack as ${pages} pages (the page said ${packPages}): ${
          info.stderr}`);
  }
  const recorded = fs.existsSync(path.join(ws, rid, 'notification', 'record.csv'));
  check(recorded, `${rid}/notification/record.csv was not written`);

  // The record: mark m01's letter sent; the page and `kinletter status --json` (the
  // command reading the same record) agree.
  res = await act(page, () => page.click(`a[href="/reviews/${rid}/record"]`));
  await visited(page, 'record', res);
  // Channels are named as in the family table, never by their keywords: m03 has an email
  // address and a mobile, m02's letter is handed over by a professional.
  const m03Channels = await page.$$eval('#member-m03 select option', (os) =>
    os.map((o) => o.textContent.trim())).catch(() => []);
  check(JSON.stringify(m03Channels) === JSON.stringify(['Email', 'Text message']),
      `the record page names m03's channels ${JSON.stringify(m03Channels)}, not Email and ` +
      'Text message');
  const recordText = await page.evaluate(() => document.body.innerText);
  check(recordText.includes('Handed over by a professional') &&
      !/\b(via-professional|sms)\b/.test(recordText),
      'the record page shows a channel keyword (via-professional, sms) or lacks ' +
      '"Handed over by a professional"');
  const row = async () => page.$$eval('#member-m01 > *', (cells) =>
    cells.map((c) => c.innerText.trim())).catch(() => []);
  const before = await row();
  const mark = await page.$('#member-m01 form button[type="submit"]');
  if (check(mark, `the record page has no Mark as sent for m01 (row: ${before})`)) {
    res = await act(page, () => mark.click());
    await visited(page, 'record-marked', res);
    const after = await row();
    check(after[2] === String(Number(before[2]) + 1),
        `after Mark as sent, m01's letters sent went from ${before[2]} to ${after[2]}`);
    check(after[1] !== before[1], `after Mark as sent, m01's status stayed '${after[1]}'`);
    const st = spawnSync(kl, ['status', '--json', '-o', ws, path.join(ws, rid, 'review.xml')],
        {encoding: 'utf8'});
    let m01 = null;
    try {
      const json = JSON.parse(st.stdout);
      m01 = (json.members || []).find((x) => x.id === 'm01');
    } catch (e) {
      fail(`kinletter status --json: ${e.message}\n${st.stderr}`);
    }
    check(m01 && m01.state === 'sent' && m01.letters_sent === 1,
        `kinletter status does not show m01 as sent: ${JSON.stringify(m01)}`);
  }
}

try {
  await run();
} catch (e) {
  fail(`the test stopped: ${e.stack}`);
} finally {
  await browser.close();
  fs.rmSync(profile, {recursive: true, force: true});
}
// The server stops on SIGTERM; under ASan/UBSan any report it wrote is a failure here.
if (server.exitCode === null && server.signalCode === null) {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 60000).unref())]);
}
if (/Sanitizer|runtime error:/.test(serverErr))
  fail(`the server's sanitizer report:\n${serverErr.slice(0, 6000)}`);
console.log(`${shot} pages, ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${
  artifacts}`);
if (failures.length) {
  console.log(`${failures.length} failures`);
  process.exit(1);
}
console.log('ok: kinletter serve in chromium, axe-core clean');
