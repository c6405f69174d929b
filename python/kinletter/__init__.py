# SPDX-License-Identifier: MIT
"""kinletter: the letters a safeguarding partnership sends when a case review starts.

A thin binding (ctypes, no compiled extension) over libkinletter's public C
API (docs/LIBRARY.md). Everything the C library promises holds here: no
family member's details in another member's letter, every letter in the
member's language, errors that name the file, line, column (or field) and
member and never quote personal data.

    import kinletter
    with kinletter.Context() as ctx:
        review = ctx.load_review("review.xml")
        pdf = ctx.render_pdf(review, "m01")            # bytes
        result = ctx.generate(review, "letters")       # every member's files

A failing call raises KinletterError, whose attributes are those of the C
library's kl_diagnostic: code, message, hint, source, line, column,
member_id. Problems that do not stop a call (warnings, one member's bad
data) are collected in Context.diagnostics.
"""
import ctypes
import ctypes.util
import os

__all__ = ["Context", "Review", "ReviewBuilder", "Part", "KinletterError", "Diagnostic",
           "CHANNELS", "load_library"]

CHANNELS = {"post": 0, "email": 1, "sms": 2, "via-professional": 3}


class _Diag(ctypes.Structure):
    _fields_ = [("severity", ctypes.c_int), ("code", ctypes.c_int),
                ("message", ctypes.c_char_p), ("hint", ctypes.c_char_p),
                ("source", ctypes.c_char_p), ("line", ctypes.c_uint),
                ("column", ctypes.c_uint), ("member_id", ctypes.c_char_p)]


_DIAG_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Diag), ctypes.c_void_p)
class _Progress(ctypes.Structure):
    """kl_batch_progress (made by the library; fields may be added at the end)."""
    _fields_ = [("size", ctypes.c_size_t), ("phase", ctypes.c_int), ("done", ctypes.c_size_t),
                ("total", ctypes.c_size_t), ("member_id", ctypes.c_char_p),
                ("channel", ctypes.c_char_p)]


class _Output(ctypes.Structure):
    """kl_batch_output (made by the library; fields may be added at the end)."""
    _fields_ = [("size", ctypes.c_size_t), ("name", ctypes.c_char_p),
                ("member_id", ctypes.c_char_p), ("kind", ctypes.c_char_p),
                ("channel", ctypes.c_char_p), ("data", ctypes.c_void_p), ("len", ctypes.c_size_t),
                ("pages", ctypes.c_uint), ("sha256", ctypes.c_char_p)]


class _Language(ctypes.Structure):
    """kl_review_language (made by the library; fields may be added at the end)."""
    _fields_ = [("size", ctypes.c_size_t), ("locale", ctypes.c_char_p),
                ("status", ctypes.c_char_p), ("reviewer", ctypes.c_char_p),
                ("reviewed", ctypes.c_char_p), ("members", ctypes.c_size_t),
                ("catalog", ctypes.c_char_p)]


_LANGUAGE_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Language), ctypes.c_void_p)
_OUTPUT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Output), ctypes.c_void_p)
PHASES = ["loading", "composing", "rendering", "writing", "member-done", "print-pack", "record"]
_PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Progress), ctypes.c_void_p)
_FIT_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                           ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)


class _BatchOptions(ctypes.Structure):
    # kinletter/batch.h, KL_BATCH_OPTIONS_VERSION 2
    _fields_ = [("version", ctypes.c_uint), ("template_name", ctypes.c_char_p),
                ("members", ctypes.POINTER(ctypes.c_char_p)), ("n_members", ctypes.c_size_t),
                ("output_dir", ctypes.c_char_p), ("jobs", ctypes.c_uint),
                ("force", ctypes.c_int), ("allow_language_fallback", ctypes.c_int),
                ("date", ctypes.c_char_p), ("creation_date", ctypes.c_char_p),
                ("locales_dir", ctypes.c_char_p), ("progress", _PROGRESS_FN),
                ("progress_userdata", ctypes.c_void_p),
                ("interrupt", ctypes.POINTER(ctypes.c_int)), ("dry_run", ctypes.c_int)]


_BATCH_OPTIONS_VERSION = 2


class _BatchRow(ctypes.Structure):
    _fields_ = [("member_id", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("relationship", ctypes.c_char_p), ("languages", ctypes.c_char_p),
                ("translation_status", ctypes.c_char_p), ("reading_level", ctypes.c_char_p),
                ("print_size", ctypes.c_char_p), ("channel", ctypes.c_char_p),
                ("file", ctypes.c_char_p), ("pages", ctypes.c_uint),
                ("sha256", ctypes.c_char_p), ("status", ctypes.c_int),
                ("reason", ctypes.c_char_p), ("draft", ctypes.c_int),
                ("format", ctypes.c_char_p)]  # print or braille (needs@format)


_STATUS = {0: "written", 1: "failed", 2: "not-contacted", 3: "skipped"}


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else None


class Diagnostic:
    """One problem: severity ("error", "warning", "note"), code, message, hint,
    source, line, column, member_id (never the personal data itself)."""

    def __init__(self, d):
        self.severity = {0: "note", 1: "warning", 2: "error"}.get(d.severity, "error")
        self.code = d.code
        self.message = _s(d.message)
        self.hint = _s(d.hint)
        self.source = _s(d.source)
        self.line = d.line
        self.column = d.column
        self.member_id = _s(d.member_id)

    def __str__(self):
        where = self.source or "kinletter"
        if self.line:
            where += f":{self.line}:{self.column}"
        who = f" member {self.member_id}:" if self.member_id else ""
        return f"{where}: {self.severity}:{who} {self.message}"

    __repr__ = __str__


class KinletterError(Exception):
    """A call failed: the C library's last error, with where it is."""

    def __init__(self, code, diag=None, what=""):
        self.code = code
        self.message = diag.message if diag else f"{what} failed ({code})"
        self.hint = diag.hint if diag else None
        self.source = diag.source if diag else None
        self.line = diag.line if diag else 0
        self.column = diag.column if diag else 0
        self.member_id = diag.member_id if diag else None
        super().__init__(str(diag) if diag else self.message)


def load_library(path=None):
    """Open libkinletter: path, $KINLETTER_LIBRARY, or the system's."""
    path = path or os.environ.get("KINLETTER_LIBRARY") or ctypes.util.find_library("kinletter") \
        or "libkinletter.so"
    lib = ctypes.CDLL(path)
    p, i, s, sz, u = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint
    pp = ctypes.POINTER(ctypes.c_void_p)
    sigs = {
        "kl_context_new": (i, [pp]),
        "kl_context_free": (None, [p]),
        "kl_context_set_diagnostics": (None, [p, _DIAG_FN, p]),
        "kl_context_last_error": (ctypes.POINTER(_Diag), [p]),
        "kl_context_clear_error": (None, [p]),
        "kl_version": (s, []),
        "kl_free": (None, [p]),
        "kl_review_load_file": (i, [p, s, p, pp]),
        "kl_review_load_buffer": (i, [p, s, sz, s, s, p, pp]),
        "kl_review_free": (None, [p]),
        "kl_review_id": (s, [p]),
        "kl_review_member_count": (sz, [p]),
        "kl_review_member": (p, [p, sz]),
        "kl_review_find_member": (p, [p, s]),
        "kl_review_member_ok": (i, [p, p]),
        "kl_review_error_count": (sz, [p]),
        "kl_member_id": (s, [p]),
        "kl_member_relationship": (s, [p]),
        "kl_member_given": (s, [p]),
        "kl_member_family": (s, [p]),
        "kl_member_locale": (s, [p]),
        "kl_member_also": (s, [p]),
        "kl_member_reading": (i, [p]),
        "kl_member_print_size": (ctypes.c_double, [p]),
        "kl_member_contact_count": (sz, [p]),
        "kl_member_contact_at": (p, [p, sz]),
        "kl_member_contact_none": (i, [p]),
        "kl_contact_channel": (i, [p]),
        "kl_reading_name": (s, [i]),
        "kl_channel_name": (s, [i]),
        "kl_review_builder_new": (i, [p, s, s, pp]),
        "kl_review_builder_free": (None, [p]),
        "kl_review_builder_root": (p, [p]),
        "kl_review_part_set": (i, [p, s, s]),
        "kl_review_part_add": (i, [p, s, s, pp]),
        "kl_review_builder_xml": (i, [p, ctypes.POINTER(ctypes.c_void_p)]),
        "kl_review_builder_build": (i, [p, p, pp]),
        "kl_template_load_name": (i, [p, s, pp]),
        "kl_template_load_file": (i, [p, s, pp]),
        "kl_template_free": (None, [p]),
        "kl_catalog_set_open": (i, [p, s, pp]),
        "kl_catalog_set_free": (None, [p]),
        "kl_letter_compose": (i, [p, p, p, p, p, i, p, pp]),
        "kl_letter_free": (None, [p]),
        "kl_letter_render_text": (i, [p, p, pp]),
        "kl_letter_render_email": (i, [p, p, pp, pp]),
        "kl_letter_render_brf": (i, [p, p, pp, ctypes.POINTER(sz), ctypes.POINTER(u)]),
        "kl_letter_render_sms": (i, [p, p, pp, p]),
        "kl_pdf_renderer_new": (i, [p, s, pp]),
        "kl_pdf_renderer_free": (None, [p]),
        "kl_letter_render_pdf": (i, [p, p, p, p, pp, ctypes.POINTER(sz), ctypes.POINTER(u)]),
        "kl_batch_generate": (i, [p, p, ctypes.POINTER(_BatchOptions), pp]),
        "kl_review_languages": (i, [p, p, p, _LANGUAGE_FN, p]),
        "kl_catalog_fit": (i, [p, p, s, _FIT_FN, p, ctypes.POINTER(sz)]),
        "kl_readability_letter_for": (i, [p, p, ctypes.POINTER(ctypes.c_int),
                                          ctypes.POINTER(ctypes.c_int),
                                          ctypes.POINTER(ctypes.c_char_p)]),
        "kl_batch_generate_to": (i, [p, p, ctypes.POINTER(_BatchOptions), _OUTPUT_FN, p, pp]),
        "kl_batch_result_free": (None, [p]),
        "kl_batch_result_row_count": (sz, [p]),
        "kl_batch_result_row": (ctypes.POINTER(_BatchRow), [p, sz]),
        "kl_batch_result_dir": (s, [p]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


_lib = None


def _get_lib():
    global _lib
    if _lib is None:
        _lib = load_library()
    return _lib


def _enc(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def _take_string(lib, ptr):
    """A string the library allocated: copied into Python and freed."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.kl_free(ptr)


class Context:
    """A kinletter context: where data is found, and the diagnostics of every call."""

    def __init__(self, library=None):
        self._lib = load_library(library) if library else _get_lib()
        self._ptr = ctypes.c_void_p()
        rc = self._lib.kl_context_new(ctypes.byref(self._ptr))
        if rc:
            raise KinletterError(rc, None, "kl_context_new")
        self.diagnostics = []
        self._cb = _DIAG_FN(self._on_diag)
        self._lib.kl_context_set_diagnostics(self._ptr, self._cb, None)
        self._cache = {}

    def _on_diag(self, d, _userdata):
        self.diagnostics.append(Diagnostic(d.contents))

    def close(self):
        for key, (ptr, free) in list(self._cache.items()):
            free(ptr)
        self._cache.clear()
        if self._ptr:
            self._lib.kl_context_free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def version(self):
        return _s(self._lib.kl_version())

    def _check(self, rc, what):
        if rc:
            e = self._lib.kl_context_last_error(self._ptr)
            raise KinletterError(rc, Diagnostic(e.contents) if e else None, what)

    def _call(self, what, fn, *args):
        self._lib.kl_context_clear_error(self._ptr)
        self._check(fn(*args), what)

    # ---- reviews ---------------------------------------------------------------------
    def load_review(self, path):
        """Load and check a review file (and the CSV family list it names)."""
        rv = ctypes.c_void_p()
        self._call("load_review", self._lib.kl_review_load_file, self._ptr, _enc(path), None,
                   ctypes.byref(rv))
        return Review(self, rv)

    def load_review_text(self, text, name="<review>", base_dir=None):
        data = _enc(text)
        rv = ctypes.c_void_p()
        self._call("load_review_text", self._lib.kl_review_load_buffer, self._ptr, data,
                   len(data), _enc(name), _enc(base_dir), None, ctypes.byref(rv))
        return Review(self, rv)

    def review_builder(self, review_id, review_type="lcspr"):
        """A review built in code: see ReviewBuilder."""
        b = ctypes.c_void_p()
        self._call("review_builder", self._lib.kl_review_builder_new, self._ptr,
                   _enc(review_id), _enc(review_type), ctypes.byref(b))
        return ReviewBuilder(self, b)

    # ---- letters ---------------------------------------------------------------------
    def _cached(self, key, make, free):
        if key not in self._cache:
            self._cache[key] = (make(), free)
        return self._cache[key][0]

    def _template(self, name):
        def make():
            t = ctypes.c_void_p()
            fn = self._lib.kl_template_load_file if os.sep in name or name.endswith(".xml") \
                else self._lib.kl_template_load_name
            self._call("template", fn, self._ptr, _enc(name), ctypes.byref(t))
            return t
        return self._cached(("tpl", name), make, self._lib.kl_template_free)

    def _catalogs(self):
        def make():
            c = ctypes.c_void_p()
            self._call("catalogs", self._lib.kl_catalog_set_open, self._ptr, None,
                       ctypes.byref(c))
            return c
        return self._cached(("cats",), make, self._lib.kl_catalog_set_free)

    def _compose(self, review, member_id, template, channel):
        m = self._lib.kl_review_find_member(review._ptr, _enc(member_id))
        if not m:
            raise KinletterError(-4, None, f"no member {member_id!r} in the review")
        letter = ctypes.c_void_p()
        self._call("compose", self._lib.kl_letter_compose, self._ptr, self._template(template),
                   self._catalogs(), review._ptr, m, CHANNELS[channel], None,
                   ctypes.byref(letter))
        return letter

    def review_languages(self, review):
        """The languages the review's letters need, each once in member order:
        [{locale, status ("source", "draft", "reviewed" or "missing"), reviewer,
        reviewed, members, catalog}] (kl_review_languages)."""
        out = []

        def each(lang, _userdata):
            lang = lang.contents
            out.append({"locale": _s(lang.locale), "status": _s(lang.status),
                        "reviewer": _s(lang.reviewer), "reviewed": _s(lang.reviewed),
                        "members": lang.members, "catalog": _s(lang.catalog)})
        self._call("review_languages", self._lib.kl_review_languages, self._ptr, review._ptr,
                   self._catalogs(), _LANGUAGE_FN(each), None)
        return out

    def catalog_fit(self, locale):
        """Does a catalog's text fit the page (kl_catalog_fit)? One row per
        template and print profile: [{letter, print, en_pages, pages,
        long_word, problem}]; pages -1 when a letter could not be rendered."""
        rows = []

        def each(letter, print_, en, tr, word, problem, _userdata):
            rows.append({"letter": _s(letter), "print": _s(print_), "en_pages": en,
                         "pages": tr, "long_word": _s(word), "problem": bool(problem)})
        problems = ctypes.c_size_t(0)
        self._call("catalog_fit", self._lib.kl_catalog_fit, self._ptr, self._catalogs(),
                   _enc(locale), _FIT_FN(each), None, ctypes.byref(problems))
        return rows

    def render_pdf(self, review, member_id, template="notification", channel="post"):
        """One member's letter as PDF bytes."""
        letter = self._compose(review, member_id, template, channel)
        try:
            out = ctypes.c_void_p()
            n = ctypes.c_size_t()
            self._call("render_pdf", self._lib.kl_letter_render_pdf, self._ptr, None, letter,
                       None, ctypes.byref(out), ctypes.byref(n), None)
            try:
                return ctypes.string_at(out, n.value)
            finally:
                self._lib.kl_free(out)
        finally:
            self._lib.kl_letter_free(letter)

    def render_text(self, review, member_id, template="notification", channel="post"):
        """One member's letter as plain text."""
        letter = self._compose(review, member_id, template, channel)
        try:
            out = ctypes.c_void_p()
            self._call("render_text", self._lib.kl_letter_render_text, self._ptr, letter,
                       ctypes.byref(out))
            return _take_string(self._lib, out)
        finally:
            self._lib.kl_letter_free(letter)

    def render_brf(self, review, member_id, template="notification", channel="post"):
        """One member's letter as a BRF file for an embossing service
        (kl_letter_render_brf): (bytes, braille pages). North American Braille
        ASCII, 40 cells by 25 lines, CR LF, a form feed between pages."""
        letter = self._compose(review, member_id, template, channel)
        try:
            out = ctypes.c_void_p()
            n = ctypes.c_size_t()
            pages = ctypes.c_uint()
            self._call("render_brf", self._lib.kl_letter_render_brf, self._ptr, letter,
                       ctypes.byref(out), ctypes.byref(n), ctypes.byref(pages))
            try:
                return ctypes.string_at(out, n.value), pages.value
            finally:
                self._lib.kl_free(out)
        finally:
            self._lib.kl_letter_free(letter)

    def render_email(self, review, member_id, template="notification"):
        """(subject, body) of one member's email."""
        letter = self._compose(review, member_id, template, "email")
        try:
            subj, body = ctypes.c_void_p(), ctypes.c_void_p()
            self._call("render_email", self._lib.kl_letter_render_email, self._ptr, letter,
                       ctypes.byref(subj), ctypes.byref(body))
            return _take_string(self._lib, subj), _take_string(self._lib, body)
        finally:
            self._lib.kl_letter_free(letter)

    def generate_in_memory(self, review, template="notification", members=None, jobs=0,
                           date=None, progress=None):
        """generate() without touching the disk: as generate()'s dict, plus
        outputs: one dict per file it would have written (name, member_id,
        kind, channel, data as bytes, pages, sha256), the record last."""
        return self.generate(review, None, template, members, False, jobs, date, progress,
                             _in_memory=True)

    def generate(self, review, output_dir, template="notification", members=None, force=False,
                 jobs=0, date=None, progress=None, _in_memory=False):
        """Every member's correspondence into output_dir/<review id>/<template>/.

        progress: called as progress(phase, done, total, member_id) with phase
        one of PHASES, from the batch's threads one call at a time; a true
        return value stops the batch (KinletterError with code -12, KL_EINTR,
        the record complete).

        Returns a dict: dir (the batch directory) and rows (one dict per member
        and file: member_id, channel, file, pages, status, reason, draft...)."""
        o = _BatchOptions()
        o.version = _BATCH_OPTIONS_VERSION
        o.template_name = _enc(template)
        o.output_dir = _enc(output_dir)
        o.force = 1 if force else 0
        o.jobs = jobs
        o.date = _enc(date)
        if members:
            arr = (ctypes.c_char_p * len(members))(*[_enc(m) for m in members])
            o.members = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p))
            o.n_members = len(members)
        if progress is not None:
            def on_progress(p, _userdata):
                p = p.contents
                try:
                    return 1 if progress(PHASES[p.phase] if p.phase < len(PHASES) else str(p.phase),
                                         p.done, p.total, _s(p.member_id)) else 0
                except Exception:
                    return 1  # an exception in the callback stops the batch
            o.progress = _PROGRESS_FN(on_progress)  # kept alive by o for the call
        res = ctypes.c_void_p()
        self._lib.kl_context_clear_error(self._ptr)
        outputs = []
        if _in_memory:
            def on_output(out, _userdata):
                out = out.contents
                outputs.append({"name": _s(out.name), "member_id": _s(out.member_id),
                                "kind": _s(out.kind), "channel": _s(out.channel),
                                "data": ctypes.string_at(out.data, out.len),
                                "pages": out.pages, "sha256": _s(out.sha256)})
                return 0
            fn = _OUTPUT_FN(on_output)
            rc = self._lib.kl_batch_generate_to(self._ptr, review._ptr, ctypes.byref(o), fn, None,
                                                ctypes.byref(res))
        else:
            rc = self._lib.kl_batch_generate(self._ptr, review._ptr, ctypes.byref(o),
                                             ctypes.byref(res))
        try:
            self._check(rc, "generate")
            rows = []
            for k in range(self._lib.kl_batch_result_row_count(res)):
                r = self._lib.kl_batch_result_row(res, k).contents
                rows.append({f: (_s(getattr(r, f)) if isinstance(getattr(r, f), bytes)
                                 or getattr(r, f) is None else getattr(r, f))
                             for f, _ in _BatchRow._fields_})
                rows[-1]["status"] = _STATUS.get(r.status, str(r.status))
            result = {"dir": _s(self._lib.kl_batch_result_dir(res)), "rows": rows}
            if _in_memory:
                result["outputs"] = outputs
            return result
        finally:
            if res:
                self._lib.kl_batch_result_free(res)


class Review:
    """A loaded, checked review. Members with errors are still listed (ok False)."""

    def __init__(self, ctx, ptr):
        self._ctx = ctx
        self._ptr = ptr

    def close(self):
        if self._ptr:
            self._ctx._lib.kl_review_free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def id(self):
        return _s(self._ctx._lib.kl_review_id(self._ptr))

    @property
    def error_count(self):
        return self._ctx._lib.kl_review_error_count(self._ptr)

    @property
    def members(self):
        """[(member id, ready)] in the review's order."""
        lib = self._ctx._lib
        out = []
        for i in range(lib.kl_review_member_count(self._ptr)):
            m = lib.kl_review_member(self._ptr, i)
            out.append((_s(lib.kl_member_id(m)), bool(lib.kl_review_member_ok(self._ptr, m))))
        return out

    def readability_letter(self, member_id):
        """(channel, reading variant, None) of the letter readability is measured
        on for a member, or (None, None, why) when there is none
        (kl_readability_letter_for)."""
        lib = self._ctx._lib
        m = lib.kl_review_find_member(self._ptr, _enc(member_id))
        if not m:
            raise KinletterError(-4, None, f"no member {member_id!r} in the review")
        ch, v, why = ctypes.c_int(), ctypes.c_int(), ctypes.c_char_p()
        lib.kl_readability_letter_for(self._ptr, m, ctypes.byref(ch), ctypes.byref(v),
                                      ctypes.byref(why))
        if why.value:
            return None, None, _s(why.value)
        return _s(lib.kl_channel_name(ch.value)), _s(lib.kl_reading_name(v.value)), None

    def member(self, member_id):
        """One member's details as a dict (id, relationship, given, family,
        locale, also, reading, print_size, channels, contact_none), read with
        the kl_member_*() accessors; KinletterError if there is no such member."""
        lib = self._ctx._lib
        m = lib.kl_review_find_member(self._ptr, _enc(member_id))
        if not m:
            raise KinletterError(-4, None, f"no member {member_id!r} in the review")
        channels = [_s(lib.kl_channel_name(lib.kl_contact_channel(lib.kl_member_contact_at(m, k))))
                    for k in range(lib.kl_member_contact_count(m))]
        return {"id": _s(lib.kl_member_id(m)), "relationship": _s(lib.kl_member_relationship(m)),
                "given": _s(lib.kl_member_given(m)), "family": _s(lib.kl_member_family(m)),
                "locale": _s(lib.kl_member_locale(m)), "also": _s(lib.kl_member_also(m)),
                "reading": _s(lib.kl_reading_name(lib.kl_member_reading(m))),
                "print_size": lib.kl_member_print_size(m), "channels": channels,
                "contact_none": bool(lib.kl_member_contact_none(m))}


class Part:
    """An element of a review being built (the review, a member, a contact)."""

    def __init__(self, builder, ptr):
        self._b = builder
        self._ptr = ptr

    def set(self, path, value):
        """Set a field by its review-format name: "partnership/name", "subject@given"."""
        c = self._b._ctx
        c._call("set", c._lib.kl_review_part_set, self._ptr, _enc(path), _enc(value))
        return self

    def add(self, path, text=None):
        """Add a repeatable element ("family/member", "contact", "address/line")."""
        c = self._b._ctx
        out = ctypes.c_void_p()
        c._call("add", c._lib.kl_review_part_add, self._ptr, _enc(path), _enc(text),
                ctypes.byref(out))
        return Part(self._b, out)


class ReviewBuilder(Part):
    """A review built in code, with no XML to write; build() checks it as a file is."""

    def __init__(self, ctx, ptr):
        self._ctx = ctx
        self._bptr = ptr
        super().__init__(self, ctx._lib.kl_review_builder_root(ptr))

    def xml(self):
        out = ctypes.c_void_p()
        self._ctx._call("xml", self._ctx._lib.kl_review_builder_xml, self._bptr,
                        ctypes.byref(out))
        return _take_string(self._ctx._lib, out)

    def build(self):
        rv = ctypes.c_void_p()
        self._ctx._call("build", self._ctx._lib.kl_review_builder_build, self._bptr, None,
                        ctypes.byref(rv))
        return Review(self._ctx, rv)

    def close(self):
        if self._bptr:
            self._ctx._lib.kl_review_builder_free(self._bptr)
            self._bptr = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
