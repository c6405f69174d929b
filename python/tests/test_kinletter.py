# SPDX-License-Identifier: MIT
"""The Python binding against the real library: load or build a review, a PDF
as bytes (read back by pdftotext), a batch, errors as exceptions with where."""
import os
import shutil
import subprocess
import tempfile
import unittest

import kinletter

SRC = os.environ.get("KL_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(SRC, "templates", "example", "review.xml")


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout


def two_members(ctx):
    b = ctx.review_builder("PY-1", "lcspr")
    for path, value in [("partnership/name", "Northshire & District <Partnership>"),
                        ("partnership/address/town", "Northtown"),
                        ("partnership/address/postcode", "NT1 4AB"),
                        ("partnership/phone", "01632 960123"),
                        ("partnership/email", "reviews@northshire-scp.example"),
                        ("subject@given", "Amelia"), ("subject@gender", "female"),
                        ("subject@outcome", "died"), ("dates@decided", "2026-11-20"),
                        ("dates@letter", "2026-11-27"), ("dates@expected-end", "2027-05-28"),
                        ("dates@period-from", "2025-01-01"), ("dates@period-to", "2026-10-31"),
                        ("contact@name", "Sam Okafor"), ("contact@phone", "01632 960456"),
                        ("contact@email", "sam.okafor@northshire-scp.example")]:
        b.set(path, value)
    b.add("partnership/address/line", "Floor 3, County Hall")
    m = b.add("family/member")
    m.set("@id", "m01").set("@relationship", "mother").set("@gender", "female")
    m.set("name@given", "Zofia").set("name@family", "Nowak").set("language@locale", "en-GB")
    c = m.add("contact").set("@channel", "post")
    c.add("address/line", "12 Elm Road")
    c.set("address/town", "Northtown").set("address/postcode", "NT2 7QP")
    m = b.add("family/member")
    m.set("@id", "m02").set("@relationship", "father").set("@gender", "male")
    m.set("name@given", "Tomasz").set("language@locale", "en-GB")
    m.add("contact").set("@channel", "sms").set("@phone", "07700 900456")
    return b


class Binding(unittest.TestCase):
    def setUp(self):
        self.ctx = kinletter.Context()
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        self.ctx.close()
        shutil.rmtree(self.tmp)

    def test_example_review_loads(self):
        review = self.ctx.load_review(EXAMPLE)
        self.assertEqual(review.id, "NSCP-2026-017")
        ids = [m for m, ok in review.members]
        self.assertIn("m01", ids)
        self.assertTrue(self.ctx.version)

    def test_member_details_through_accessors(self):
        review = self.ctx.load_review(EXAMPLE)
        m03 = review.member("m03")
        self.assertEqual((m03["given"], m03["locale"], m03["reading"]),
                         ("Kacper", "en-GB", "young-person"))
        self.assertEqual(m03["channels"], ["email", "sms"])
        m01 = review.member("m01")
        self.assertEqual((m01["print_size"], m01["relationship"]), (18.0, "mother"))
        self.assertTrue(review.member("m05")["contact_none"])
        self.assertEqual(review.member("m05")["channels"], [])
        with self.assertRaises(kinletter.KinletterError):
            review.member("nobody")

    def test_readability_letter_policy(self):
        review = self.ctx.load_review(EXAMPLE)
        self.assertEqual(review.readability_letter("m03"), ("email", "young-person", None))
        channel, variant, why = review.readability_letter("m05")
        self.assertIsNone(channel)
        self.assertIn("not contacted", why)

    def test_review_languages_and_catalog_status(self):
        langs = self.ctx.review_languages(self.ctx.load_review(EXAMPLE))
        by = {l["locale"]: l for l in langs}
        self.assertEqual(len(by), len(langs))  # each once
        self.assertEqual(by["en-GB"]["status"], "source")
        self.assertEqual(by["pl"]["members"], 2)
        self.assertTrue(all(l["status"] in ("source", "draft", "reviewed", "missing")
                            for l in langs))

    def test_catalog_fit(self):
        rows = self.ctx.catalog_fit("pl")
        self.assertEqual(len(rows), 12)  # 4 templates x 3 print profiles
        self.assertFalse(any(r["problem"] for r in rows))
        self.assertTrue(all(r["pages"] >= 1 and r["en_pages"] >= 1 for r in rows))
        longer = [r for r in self.ctx.catalog_fit("en-XA") if r["pages"] > r["en_pages"] + 1]
        self.assertTrue(longer and all(r["problem"] for r in longer))

    def test_built_review_renders_a_pdf_as_bytes(self):
        review = two_members(self.ctx).build()
        self.assertEqual(review.error_count, 0)
        pdf = self.ctx.render_pdf(review, "m01")
        self.assertTrue(pdf.startswith(b"%PDF-"))
        text = pdf_text(pdf)
        self.assertIn("12 Elm Road", text)
        self.assertIn("Northshire & District <Partnership>", text.replace("\n", " "))
        # m02's text message never carries m01's address.
        self.assertNotIn("Elm Road", self.ctx.render_text(review, "m01", channel="post")
                         .replace("12 Elm Road", ""))

    def test_braille_member_renders_a_brf(self):
        review = self.ctx.load_review(EXAMPLE)
        brf, pages = self.ctx.render_brf(review, "m11")
        # North American Braille ASCII, CR LF lines, a form feed between pages.
        self.assertTrue(all(0x20 <= b <= 0x5F or b in (0x0A, 0x0C, 0x0D) for b in brf))
        self.assertGreaterEqual(pages, 1)
        self.assertEqual(brf.count(b"\f") + 1, pages)
        for page in brf.split(b"\f"):
            lines = page.split(b"\r\n")
            self.assertLessEqual(len([l for l in lines if l]), 25)
            self.assertTrue(all(len(l) <= 40 for l in lines))
        # liblouis reads the braille back as the letter's words; the address block is left out.
        body = b"\n".join(l for p in brf.split(b"\f") for l in p.split(b"\r\n")[1:] if l)
        back = subprocess.run(["lou_translate", "--backward", "en-us-brf.dis,en-ueb-g2.ctb"],
                              input=body.decode("ascii"), capture_output=True, text=True,
                              check=True).stdout.casefold()
        self.assertIn("dear mr barnes", back)
        self.assertIn("amelia", back)
        self.assertNotIn("orchard", back)

    def test_built_review_round_trips_through_xml(self):
        b = two_members(self.ctx)
        xml = b.xml()
        self.assertIn("&amp; District &lt;Partnership&gt;", xml)
        again = self.ctx.load_review_text(xml, "built.xml")
        self.assertEqual([m for m, _ in again.members], ["m01", "m02"])

    def test_errors_are_exceptions_with_where(self):
        bad = os.path.join(self.tmp, "bad.xml")
        with open(bad, "w") as f:
            f.write("<review xmlns='urn:kinletter:review:1' id='X' type='lcspr'>\n  <oops/>\n")
        with self.assertRaises(kinletter.KinletterError) as cm:
            self.ctx.load_review(bad)
        e = cm.exception
        self.assertTrue(e.source.endswith("bad.xml"))
        self.assertGreater(e.line, 0)
        self.assertLess(e.code, 0)

    def test_builder_errors_name_the_field(self):
        b = two_members(self.ctx)
        b.set("dates@decided", "2026-02-30")
        with self.assertRaises(kinletter.KinletterError) as cm:
            b.build()
        self.assertIn("dates@decided", cm.exception.message)
        self.assertEqual(cm.exception.source, "(built review)")

    def test_a_leak_is_refused(self):
        b = two_members(self.ctx)
        b.set("contact@hours", "weekdays, or 07700 900456 after six")
        review = b.build()  # loads, with an error for the field
        self.assertTrue(any("phone number of member m02" in d.message
                            for d in self.ctx.diagnostics))
        with self.assertRaises(kinletter.KinletterError) as cm:
            self.ctx.render_pdf(review, "m01")
        self.assertIn("member m02", cm.exception.message)
        self.assertNotIn("900456", cm.exception.message)

    def test_generate_a_batch(self):
        review = two_members(self.ctx).build()
        result = self.ctx.generate(review, os.path.join(self.tmp, "letters"))
        files = {r["file"] for r in result["rows"] if r["status"] == "written"}
        self.assertIn("m01-post.pdf", files)
        self.assertIn("m02-sms.txt", files)
        self.assertEqual({r["format"] for r in result["rows"]}, {"print"})
        for f in files:
            self.assertTrue(os.path.exists(os.path.join(result["dir"], f)))

    def test_generate_in_memory_writes_nothing(self):
        review = two_members(self.ctx).build()
        cwd = os.getcwd()
        os.chdir(self.tmp)  # the default output directory would be ./letters
        try:
            result = self.ctx.generate_in_memory(review)
        finally:
            os.chdir(cwd)
        self.assertEqual(os.listdir(self.tmp), [])
        by_name = {o["name"]: o for o in result["outputs"]}
        self.assertEqual(by_name["m01-post.pdf"]["kind"], "letter")
        self.assertEqual(by_name["m01-post.pdf"]["member_id"], "m01")
        self.assertTrue(by_name["m01-post.pdf"]["data"].startswith(b"%PDF-"))
        self.assertEqual(by_name["m02-sms.txt"]["kind"], "sms")
        self.assertEqual(result["outputs"][-1]["name"], "record.csv")
        self.assertIn(b"m02-sms.txt", result["outputs"][-1]["data"])
        written = {r["file"] for r in result["rows"] if r["status"] == "written"}
        self.assertLessEqual(written, set(by_name))

    def test_in_memory_print_pack_is_the_file_written(self):
        # The print pack is written as its letters arrive: to its file, or (in memory) into
        # the buffer handed over at the end; the two are the same bytes.
        review = two_members(self.ctx).build()
        out = os.path.join(self.tmp, "disk")
        on_disk = self.ctx.generate(review, out, jobs=1, date="2026-11-27")
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            result = self.ctx.generate_in_memory(review, jobs=1, date="2026-11-27")
        finally:
            os.chdir(cwd)
        pack = {o["name"]: o for o in result["outputs"]}["print-pack.pdf"]
        with open(os.path.join(on_disk["dir"], "print-pack.pdf"), "rb") as f:
            self.assertEqual(pack["data"], f.read())

    def test_progress_reports_phases_and_stops(self):
        review = two_members(self.ctx).build()
        seen = []
        self.ctx.generate(review, os.path.join(self.tmp, "a"), jobs=1,
                          progress=lambda *a: seen.append(a) and False)
        phases = [p for p, *_ in seen]
        self.assertEqual(phases[0], "loading")
        self.assertEqual(phases[-1], "record")
        self.assertEqual([a[3] for a in seen if a[0] == "member-done"], ["m01", "m02"])
        for p in ("composing", "rendering", "writing", "print-pack"):
            self.assertIn(p, phases)
        # A true answer stops the batch: KL_EINTR, the second member never started.
        seen.clear()
        with self.assertRaises(kinletter.KinletterError) as e:
            self.ctx.generate(review, os.path.join(self.tmp, "b"), jobs=1,
                              progress=lambda *a: seen.append(a) or a[0] == "member-done")
        self.assertEqual(e.exception.code, -12)
        self.assertNotIn("m02", [a[3] for a in seen if a[0] == "composing"])
        batch = os.path.join(self.tmp, "b", review.id, "notification")
        self.assertTrue(os.path.exists(os.path.join(batch, "record.csv")))
        self.assertFalse(os.path.exists(os.path.join(batch, "m02-sms.txt")))


if __name__ == "__main__":
    unittest.main()
