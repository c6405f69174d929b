#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/cases/record/record.py: a review's life in the correspondence record, through the
command (issue 20): generate records every member's outcome (file, SHA-256 checked against
the file, pages; not contacted with the reason); mark sent, a returned letter, a reply;
impossible dates and unknown members refused (exit 2); two questions and one answer, a
question holding another member's phone number refused without quoting it; status as text,
JSON and CSV with the next steps due; the reply wait set in the review file; the outcome
letter held back while the member's question is open, then carrying each member's own
questions and answers (PDF through pdftotext, and the email's text). The database
is read with Python's own sqlite3 module, an independent reader.

Usage: record.py KINLETTER SOURCE_ROOT"""
import csv
import hashlib
import io
import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile

kl, src = sys.argv[1], sys.argv[2]
review = os.path.join(src, "templates/example/review.xml")
fails = 0
checks = 0
# Personal data of the example family: never in a message.
PERSONAL = ["07700 900456", "07700900456", "900456", "NT2 7QP", "Elm Road", "Zofia", "Kacper",
            "kacper@mail.example", "LL1 2DE", "Bwthyn"]


def check(cond, what):
    global fails, checks
    checks += 1
    if not cond:
        fails += 1
        print("FAIL", what)


def run(*args, env=None, rc=0, what=None):
    e = dict(os.environ)
    e["KINLETTER_PDF_DATE"] = "2026-11-27T12:00:00Z"
    if env:
        e.update(env)
    p = subprocess.run([kl, *args], capture_output=True, text=True, env=e)
    name = what or " ".join(args[:4])
    check(p.returncode == rc, f"{name}: exit {p.returncode}, expected {rc}\n{p.stderr}")
    for s in PERSONAL:
        check(s not in p.stderr, f"{name}: stderr quotes personal data")
    return p


for c in ("mark", "questions", "status"):
    p = run(c, "--help", what=c + " --help")
    check(p.stdout.startswith("Usage: kinletter " + c), c + " --help shows its usage")
    p = run(c, "--version", what=c + " --version")
    check(p.stdout.startswith("kinletter "), c + " --version")
run("questions", "ask", rc=2, what="questions ask")
run("mark", "--member", "m01", rc=2, what="mark without --event")

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "letters")
    # No record yet: status says so.
    p = run("status", review, "-o", out, rc=2, what="status before generate")
    check("no record" in p.stderr and "generate" in p.stderr, "status names the missing record")

    run("generate", review, "-o", out, "-q")
    db_path = os.path.join(out, "record.db")
    check(stat.S_IMODE(os.stat(db_path).st_mode) == 0o600, "record.db is mode 0600")
    db = sqlite3.connect(db_path)
    check(db.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "the record is in WAL mode")
    for side in ("-wal", "-shm"):
        if os.path.exists(db_path + side):
            check(stat.S_IMODE(os.stat(db_path + side).st_mode) == 0o600, f"record.db{side} is 0600")
    check(db.execute("PRAGMA user_version").fetchone()[0] == 2, "schema version 2")

    batch = os.path.join(out, "NSCP-2026-017", "notification")
    rows = db.execute("SELECT member_id, outcome, file, sha256, pages, reason, letter, date"
                      " FROM letters ORDER BY id").fetchall()
    written = [r for r in rows if r[1] == "written"]
    check(len(written) >= 8, f"every file written is recorded ({len(written)})")
    for m, _, f, sha, pages, _, letter, date in written:
        data = open(os.path.join(batch, f), "rb").read()
        check(hashlib.sha256(data).hexdigest() == sha, f"{m} {f}: SHA-256 of the file")
        if f.endswith(".pdf"):
            check(pages == data.count(b"/Type /Page\n") or pages > 0, f"{m} {f}: pages")
        check(letter == "notification" and date == "2026-11-27", f"{m}: letter and its date")
    nc = [r for r in rows if r[0] == "m05"]
    check(len(nc) == 1 and nc[0][1] == "not-contacted" and nc[0][5],
          "m05 recorded as not contacted, with the reason")
    # record.csv and the record agree on the files.
    with open(os.path.join(batch, "record.csv"), newline="") as f:
        files = {r["file"] for r in csv.DictReader(f) if r.get("file")}
    check(files == {r[2] for r in written}, "the record lists the files record.csv lists")

    # mark
    run("mark", review, "-o", out, "--member", "m01", "--event", "sent", "--date", "2026-11-28")
    p = run("mark", review, "-o", out, "-m", "m03", "-e", "sent", "-d", "2026-11-28", rc=2,
            what="sent without a channel to a member with two")
    check("more than one channel" in p.stderr, "asks which channel")
    run("mark", review, "-o", out, "-m", "m03", "-e", "sent", "-c", "email", "-d", "2026-11-28",
        "-n", "from the shared inbox")
    run("mark", review, "-o", out, "-m", "m04", "-e", "sent", "-d", "2026-11-30")
    run("mark", review, "-o", out, "-m", "m06", "-e", "sent", "-d", "2026-11-28")
    run("mark", review, "-o", out, "-m", "m04", "-e", "returned", "-d", "2026-12-04")
    run("mark", review, "-o", out, "-m", "m03", "-e", "replied", "-d", "2026-12-01")
    before = db.execute("SELECT count(*) FROM event").fetchone()[0]
    p = run("mark", review, "-o", out, "-m", "m01", "-e", "replied", "-d", "2027-02-30", rc=2,
            what="an impossible date")
    check("not a day of the calendar" in p.stderr, "says the date is impossible")
    run("mark", review, "-o", out, "-m", "m01", "-e", "replied", "-d", "2026-13-01", rc=2,
        what="month 13")
    run("mark", review, "-o", out, "-m", "m01", "-e", "replied", "-d", "9999-01-01", rc=2,
        what="a date after today")
    run("mark", review, "-o", out, "-m", "m99", "-e", "replied", rc=2, what="unknown member")
    run("mark", review, "-o", out, "-m", "m01", "-e", "posted", rc=2, what="unknown event")
    run("mark", review, "-o", out, "-m", "m01", "-e", "written", rc=2, what="generate's event")
    p = run("mark", review, "-o", out, "-m", "m01", "-e", "phoned", "-n",
            "Kacper says use 07700 900456", rc=2, what="a note with m03's phone number")
    check("m03" in p.stderr, "the refusal names whose detail it is")
    check(db.execute("SELECT count(*) FROM event").fetchone()[0] == before,
          "nothing refused was recorded")
    me = pwd.getpwuid(os.geteuid()).pw_name
    actors = {r[0] for r in db.execute("SELECT DISTINCT actor FROM audit")}
    check(actors == {me}, f"the OS user is the actor of every event ({actors})")
    sent = db.execute("SELECT channel, letter, note FROM correspondence WHERE member_id = 'm03'"
                      " AND event = 'sent'").fetchall()
    check(sent == [("email", "notification", "from the shared inbox")],
          f"m03 sent by email, the letter and the note kept ({sent})")

    # questions
    p = run("questions", "add", review, "-o", out, "-m", "m01", "-t",
            "Why did nobody act on the school's concerns?", "-d", "2026-11-30")
    check("question 1" in p.stdout, "first question numbered 1")
    p = run("questions", "add", review, "-o", out, "-m", "m04", "-t",
            "Will the report name me?", "-d", "2026-12-01")
    check("question 2" in p.stdout, "second question numbered 2")
    p = run("questions", "add", review, "-o", out, "-m", "m01", "-t",
            "Why was my son on 07700 900456 not told?", rc=2,
            what="a question with another member's phone number")
    check("member m03" in p.stderr and "phone number" in p.stderr,
          "the refusal names member m03 and the kind of detail")
    run("questions", "answer", review, "-o", out, "--id", "2", "-t",
        "No. The report will not name anyone in the family.", "-d", "2026-12-03")
    run("questions", "answer", review, "-o", out, "--id", "7", "-t", "?", rc=2,
        what="no question 7")
    p = run("questions", "list", review, "-o", out, env={"KINLETTER_TODAY": "2026-12-19"})
    check("#1  member m01  asked 2026-11-30" in p.stdout and "UNANSWERED for 19 days" in p.stdout,
          "list: question 1 open for 19 days\n" + p.stdout)
    check("#2  member m04" in p.stdout and "answered 2026-12-03, after 2 days" in p.stdout,
          "list: question 2 answered")
    check("2 questions, 1 unanswered" in p.stdout, "list: the totals")
    check(db.execute("SELECT count(*) FROM questions").fetchone()[0] == 2,
          "the refused question is not in the record")

    # status: text, JSON, CSV
    today = {"KINLETTER_TODAY": "2026-12-19"}
    p = run("status", review, "-o", out, env=today)
    t = p.stdout
    check("post returned: find another channel" in t, "status: the returned letter")
    check("no reply 21 days after the notification was sent: phone, or send the invitation" in t,
          "status: m06, no reply in 21 days\n" + t)
    check("answer question 1" in t, "status: m01's open question")
    check("m05: not contacted" in t, "status: who is not informed and why")
    check("median 8" in t, "status: days from the decision to the first letter")
    p = run("status", review, "-o", out, "--json", env=today)
    j = json.loads(p.stdout)
    ms = {m["id"]: m for m in j["members"]}
    check(ms["m01"]["days_to_first_sent"] == 8 and ms["m04"]["days_to_first_sent"] == 10,
          "json: days to the first letter")
    check(ms["m04"]["state"] == "returned" and ms["m03"]["latest_reply"]["event"] == "replied",
          "json: states and replies")
    check(ms["m02"]["first_sent"] is None and ms["m02"]["not_informed"],
          "json: m02 not informed, with why")
    check(j["figures"]["informed"] == 4 and j["figures"]["by_state"]["returned"] == 1,
          "json: figures")
    check(j["questions"][0]["number"] == 1 and j["questions"][0]["answered"] is None,
          "json: questions")
    check(j["reply_wait_days"] == 14, "json: the default reply wait is 14 days")
    p = run("status", review, "-o", out, "--csv", env=today)
    table = list(csv.DictReader(io.StringIO(p.stdout)))
    check(len(table) == len(j["members"]), "csv: one row per member")
    check(table[3]["member"] == "m04" and table[3]["next_step"].startswith("post returned"),
          "csv: m04's next step")
    # A longer wait from the command line: m06 is not yet due.
    p = run("status", review, "-o", out, "--json", "--reply-wait", "30", env=today)
    m06 = {m["id"]: m for m in json.loads(p.stdout)["members"]}["m06"]
    check(m06["next_step"] == "wait for a reply" and m06["next_due"] == "2026-12-28",
          "--reply-wait 30: m06 waits until 2026-12-28")
    run("status", review, "-o", out, "--today", "2026-02-30", rc=2, what="an impossible --today")

    # The reply wait from the review file.
    text = open(review, encoding="utf-8").read()
    text = text.replace("<publication planned=\"true\"/>",
                        "<publication planned=\"true\"/>\n  <follow-up reply-wait-days=\"25\"/>")
    shutil.copy(os.path.join(src, "templates/example/northshire-logo.png"), tmp)
    r2 = os.path.join(tmp, "review.xml")
    open(r2, "w", encoding="utf-8").write(text)
    p = run("status", r2, "-o", out, "--json", env=today, what="status with reply-wait-days 25")
    j2 = json.loads(p.stdout) if p.returncode == 0 else {"reply_wait_days": None, "members": []}
    check(j2["reply_wait_days"] == 25, "the review's reply-wait-days is used")
    m06 = {m["id"]: m for m in j2["members"]}.get("m06", {})
    check(m06.get("next_step") == "wait for a reply", "m06 waits 25 days")
    bad = text.replace("reply-wait-days=\"25\"", "reply-wait-days=\"two weeks\"")
    open(r2, "w", encoding="utf-8").write(bad)
    p = run("status", r2, "-o", out, rc=2, what="a reply wait that is not a number")
    check("reply-wait-days" in p.stderr and "review.xml:" in p.stderr,
          "the bad setting is named at its file:line")

    # The outcome letter waits while a member's question is open (m01's question 1).
    p = run("generate", review, "-o", out, "-t", "outcome", "-q", rc=1,
            what="outcome letters with a question open")
    check("member m01: question 1" in p.stderr and "--allow-open-questions" in p.stderr,
          "the member held back is named with the question's number\n" + p.stderr)
    ob = os.path.join(out, "NSCP-2026-017", "outcome")
    check(not any(f.startswith("m01-") for f in os.listdir(ob)), "no outcome letter for m01")
    check(os.path.exists(os.path.join(ob, "m04-post.pdf")),
          "m04, whose question is answered, has the outcome letter")
    run("generate", review, "-o", out, "-t", "outcome", "-q", "--force", "--allow-open-questions")
    check(os.path.exists(os.path.join(ob, "m01-post.pdf")), "--allow-open-questions writes it")
    check(db.execute("SELECT count(*) FROM letters WHERE letter = 'outcome' AND member_id ="
                     " 'm01'").fetchone()[0] == 1, "the outcome letter is recorded")

    # The outcome letter carries each member's own questions and the answers (item 6), in
    # the member's letter frame; read back with pdftotext and from the email's text.
    # Words as a reader sees them: lines joined; the invisible isolation marks (FSI, PDI)
    # around a text in another language than the letter's left out.
    def words(text):
        return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())

    def pdf_text(path):
        r = subprocess.run(["pdftotext", "-q", path, "-"], capture_output=True, text=True)
        check(r.returncode == 0, f"pdftotext {path}")
        return words(r.stdout)

    def flat(path):
        return words(open(path, encoding="utf-8").read())

    q1 = "Why did nobody act on the school's concerns?"
    q2, a2 = "Will the report name me?", "No. The report will not name anyone in the family."
    t = pdf_text(os.path.join(ob, "m04-post.pdf"))  # Welsh and English
    for s in ("Gofynnoch chi i ni: " + q2, "Yr hyn a ganfu’r adolygiad: " + a2,
              "You asked us: " + q2, "What the review found: " + a2):
        check(s in t, f"m04's outcome letter (PDF) has '{s}'")
    check(q1 not in t, "m04's letter holds no other member's question")
    t = pdf_text(os.path.join(ob, "m01-post.pdf"))  # Polish, question still open
    check("Zapytała nas Pani: " + q1 in t and "Nie mogliśmy jeszcze odpowiedzieć" in t,
          "m01's outcome letter has her open question, said to be not answered yet\n" + t)
    check(q2 not in t and a2 not in t, "m01's letter holds no other member's question")
    q3, a3 = "Will I be told before the report is published?", "Yes, a week before."
    run("questions", "add", review, "-o", out, "-m", "m03", "-t", q3, "-d", "2026-12-04")
    run("questions", "answer", review, "-o", out, "--id", "3", "-t", a3, "-d", "2026-12-05")
    run("generate", review, "-o", out, "-t", "outcome", "-q", "--force", "--allow-open-questions")
    t = flat(os.path.join(ob, "m03-email.txt"))
    check("Your questions" in t and f"You asked us: {q3} What the review found: {a3}" in t,
          "m03's outcome email text has the question and the answer\n" + t)
    t = pdf_text(os.path.join(ob, "m03-email.pdf"))
    check(f"You asked us: {q3} What the review found: {a3}" in t, "m03's attached PDF too")
    check(q3 not in flat(os.path.join(ob, "m03-sms.txt")), "the text message holds no question")
    ub = os.path.join(out, "NSCP-2026-017", "update")
    run("generate", review, "-o", out, "-t", "update", "-q", "--force")
    check("You asked us" not in flat(os.path.join(ub, "m03-email.txt")),
          "the update letter has no questions unless asked")
    run("generate", review, "-o", out, "-t", "update", "-q", "--force", "--include-answers")
    t = flat(os.path.join(ub, "m03-email.txt"))
    check(f"You asked us: {q3} Our answer: {a3}" in t,
          "update --include-answers: the question and the answer so far\n" + t)
    db.close()

print(f"{checks - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
