/* SPDX-License-Identifier: MIT */
/* batch/rundir.c: the batch directory's lock, the manifest of what each run wrote, the
 * temporaries of dead runs, and what --force may remove. */
#define _GNU_SOURCE
#include "batch/batch_internal.h"
#include "review/csv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME     ".kinletter.lock"
#define MANIFEST_NAME ".kinletter-manifest"
#define MANIFEST_HEAD "kinletter-manifest 1\n"

static int io_fail(kl_context *ctx, const char *display, const char *what, int err)
{
    return kl_core__error(ctx, KL_EIO, KL_AT(display, 0, 0), NULL, "%s: %s", what, strerror(err));
}

static int write_line(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

int kl_batch__lock(kl_context *ctx, kl_rundir *rd)
{
    rd->lockfd = -1;
    rd->manifest_fd = -1;
    snprintf(rd->run_id, sizeof rd->run_id, "r%lx-%ld", (unsigned long)time(NULL), (long)getpid());
    int fd = openat(rd->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_fail(ctx, rd->display, "cannot open the batch directory's lock file", errno);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e != EWOULDBLOCK && e != EINTR) {
            close(fd);
            return io_fail(ctx, rd->display, "cannot lock the batch directory", e);
        }
        char buf[64] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
        long pid = 0;
        if (sscanf(buf, "pid %ld", &pid) == 1 && pid > 0)
            return kl_core__error(ctx, KL_EBUSY, KL_AT(rd->display, 0, 0),
                                  "wait for that run to finish, or choose another output directory",
                                  "another kinletter run (process %ld) is writing this batch "
                                  "directory; nothing was changed",
                                  pid);
        return kl_core__error(ctx, KL_EBUSY, KL_AT(rd->display, 0, 0),
                              "wait for that run to finish, or choose another output directory",
                              "another kinletter run is writing this batch directory; nothing was "
                              "changed");
    }
    char who[80]; /* a pid (at most 20 digits) and a run id (under 40 bytes) */
    snprintf(who, sizeof who, "pid %ld run %s\n", (long)getpid(), rd->run_id);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, who, strlen(who), 0) < 0) {
        int e = errno;
        close(fd);
        return io_fail(ctx, rd->display, "cannot write the batch directory's lock file", e);
    }
    rd->lockfd = fd;
    return 0;
}

/* A temporary file of kinletter: ".<name>.<tag>.tmp", the tag a run id
 * ("r<hex time>-<pid>", optionally "-<n>") or, from older versions, six hex
 * digits. Anything else is not ours. */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    if (name[0] != '.' || n < 8 || strcmp(name + n - 4, ".tmp") != 0)
        return false;
    const char *end = name + n - 4, *p = end;
    while (p > name + 1 && p[-1] != '.')
        p--;
    if (p <= name + 1 || p == end)
        return false;
    size_t len = (size_t)(end - p);
    if (len == 6 && strspn(p, "0123456789abcdef") >= 6)
        return true;
    if (p[0] != 'r' || len < 4)
        return false;
    const char *q = p + 1;
    size_t hex = strspn(q, "0123456789abcdef");
    if (!hex || q[hex] != '-')
        return false;
    q += hex + 1;
    size_t rest = strspn(q, "0123456789-");
    return rest && q + rest == end;
}

/* The run id in a temporary's name, or "" (older temporaries carry none). */
static void temporary_run(const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    const char *end = name + n - 4, *p = end;
    while (p > name && p[-1] != '.')
        p--;
    size_t len = (size_t)(end - p);
    if (p[0] != 'r' || len >= cap)
        len = 0;
    memcpy(out, p, len);
    out[len] = '\0';
}

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static int names_add(names *s, const char *name, size_t len)
{
    if (KL_GROW(s->v, s->cap, s->n + 1) < 0)
        return KL_ENOMEM;
    char *c = kl_core__strndup(name, len);
    if (!c)
        return KL_ENOMEM;
    s->v[s->n++] = c;
    return 0;
}

static void names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++)
        kl_free(s->v[i]);
    kl_free(s->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool names_has(const names *s, const char *name)
{
    return s->n && bsearch(&name, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

/* A manifest or an old record, read whole up to LISTING_MAX. These list the
 * files kinletter may remove; reading stops there, and a file listed after it
 * then counts as not kinletter's: --force refuses to run (naming it) rather
 * than remove it. A batch's listing is a line of under 320 bytes a file, a
 * few files a member: 64 MiB is hundreds of thousands of members. Closes fd. */
#define LISTING_MAX (64u << 20)
static void read_listing(int fd, kl_buf *b)
{
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0 && b->len < LISTING_MAX)
        kl_core__buf_append(b, chunk, (size_t)n);
    close(fd);
}

/* The files earlier runs listed ("file NAME" lines). A missing manifest is
 * an empty one. */
static int read_manifest(kl_context *ctx, kl_rundir *rd, names *listed)
{
    int fd = openat(rd->dirfd, MANIFEST_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : io_fail(ctx, rd->display, "cannot read the manifest", errno);
    kl_buf b = KL_BUF_INIT;
    read_listing(fd, &b);
    if (b.oom)
        return kl_core__oom(ctx);
    int rc = 0;
    for (size_t i = 0; i < b.len && !rc;) {
        const char *line = b.data + i, *nl = memchr(line, '\n', b.len - i);
        size_t len = nl ? (size_t)(nl - line) : b.len - i;
        if (len > 5 && memcmp(line, "file ", 5) == 0 && !memchr(line + 5, '/', len - 5))
            rc = names_add(listed, line + 5, len - 5);
        i += len + 1;
    }
    kl_core__buf_free(&b);
    if (rc)
        return kl_core__oom(ctx);
    if (listed->n) /* qsort and bsearch want a real array */
        qsort(listed->v, listed->n, sizeof *listed->v, cmp_str);
    return 0;
}

/* A batch written before manifests existed: its record.csv names its files;
 * with the record itself and the print packs, those are kinletter's. A
 * record that cannot be read lists nothing (every file is then foreign). */
static int read_legacy_record(kl_context *ctx, kl_rundir *rd, names *listed)
{
    int fd = openat(rd->dirfd, "record.csv", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    kl_buf b = KL_BUF_INIT;
    read_listing(fd, &b);
    if (b.oom)
        return kl_core__oom(ctx);
    kl_context *quiet = NULL;
    kl_csv *csv = NULL;
    size_t col = SIZE_MAX;
    int rc = 0;
    if (kl_context_new(&quiet)) {
        rc = KL_ENOMEM;
        goto done;
    }
    /* A record of more than a million rows lists nothing, as one that
     * cannot be read. */
    if (!b.len || kl_csv__parse(quiet, "record.csv", b.data, b.len, 1000000, &csv) != 0)
        goto done;
    for (size_t i = 0; csv->n_rows && i < csv->rows[0].n_fields; i++)
        if (strcmp(csv->rows[0].fields[i], "file") == 0)
            col = i;
    if (col == SIZE_MAX)
        goto done;
    if ((rc = names_add(listed, "record.csv", 10)) < 0)
        goto done;
    for (size_t r = 1; r < csv->n_rows; r++) {
        const char *f = col < csv->rows[r].n_fields ? csv->rows[r].fields[col] : "";
        if (*f && !strchr(f, '/') && f[0] != '.' && (rc = names_add(listed, f, strlen(f))) < 0)
            goto done;
    }
    /* Its print packs: print-pack.pdf, print-pack-001.pdf to -999.pdf (a
     * later one counts as not kinletter's: --force refuses, never removes). */
    for (int k = 0; k <= 999; k++) {
        char pack[40];
        if (k == 0)
            snprintf(pack, sizeof pack, "print-pack.pdf");
        else
            snprintf(pack, sizeof pack, "print-pack-%03d.pdf", k);
        if ((rc = names_add(listed, pack, strlen(pack))) < 0)
            goto done;
    }
done:
    kl_csv__free(csv);
    kl_context_free(quiet);
    kl_core__buf_free(&b);
    if (rc)
        return kl_core__oom(ctx);
    if (listed->n) /* qsort and bsearch want a real array */
        qsort(listed->v, listed->n, sizeof *listed->v, cmp_str);
    return 0;
}

/* What the batch directory holds, sorted by what may be done with it. */
typedef struct dir_scan {
    names temps;   /* temporaries (of dead runs: we hold the lock) */
    names old;     /* files earlier runs listed */
    char *foreign; /* the first other entry in name order, or NULL */
    bool has_files;
} dir_scan;

static int scan_dir(kl_context *ctx, kl_rundir *rd, const names *listed, dir_scan *s)
{
    int fd = dup(rd->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return io_fail(ctx, rd->display, "cannot read the batch directory", errno);
    }
    rewinddir(d);
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, LOCK_NAME) ||
            !strcmp(n, MANIFEST_NAME))
            continue;
        struct stat st;
        bool got = fstatat(rd->dirfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0;
        bool regular = got && S_ISREG(st.st_mode);
        /* A link planted under one of our names is removed, never followed. */
        bool link = got && S_ISLNK(st.st_mode);
        if (regular && is_temporary(n)) {
            rc = names_add(&s->temps, n, strlen(n));
            continue;
        }
        if (n[0] != '.')
            s->has_files = true;
        if ((regular || link) && names_has(listed, n)) {
            rc = names_add(&s->old, n, strlen(n));
            continue;
        }
        /* The first foreign entry in name order, for a stable message. */
        if (!s->foreign || strcmp(n, s->foreign) < 0) {
            kl_free(s->foreign);
            if (!(s->foreign = kl_core__strdup(n)))
                rc = KL_ENOMEM;
        }
    }
    closedir(d);
    return rc == KL_ENOMEM ? kl_core__oom(ctx) : rc;
}

/* Without force, any file refuses the run; with force, a file no earlier run
 * listed. Nothing is changed then. */
static int check_replace(kl_context *ctx, const kl_rundir *rd, bool force, const dir_scan *s)
{
    if (s->has_files && !force)
        return kl_core__error(
            ctx, KL_EEXISTS, KL_AT(rd->display, 0, 0),
            "replace them with the force option, or choose another output directory",
            "the batch directory already holds files from an earlier run; nothing was changed");
    if (force && s->foreign)
        /* A file name is the coordinator's, not a family member's detail. */
        return kl_core__error(
            ctx, KL_EEXISTS, KL_AT(rd->display, 0, 0),
            "move it out of the batch directory (kinletter removes only the files its own runs "
            "listed in the manifest), then run again",
            "the batch directory holds '%s', which kinletter did not write; nothing was changed",
            s->foreign);
    return 0;
}

/* Remove the temporaries of dead runs (a warning names the runs) and the
 * files earlier runs listed. */
static int remove_earlier(kl_context *ctx, kl_rundir *rd, const dir_scan *s)
{
    /* We hold the lock: every temporary here belongs to a run that died. */
    kl_buf runs = KL_BUF_INIT;
    for (size_t i = 0; i < s->temps.n; i++) {
        char r[NAME_MAX + 1]; /* a part of a directory entry's name */
        temporary_run(s->temps.v[i], r, sizeof r);
        if (*r && !(runs.data && strstr(runs.data, r)))
            kl_core__buf_printf(&runs, "%s%s", runs.len ? ", " : "", r);
        unlinkat(rd->dirfd, s->temps.v[i], 0);
    }
    rd->stale_temporaries = s->temps.n;
    rd->removed = s->old.n;
    if (runs.oom) {
        kl_core__buf_free(&runs);
        return kl_core__oom(ctx);
    }
    if (s->temps.n)
        kl_core__warn(ctx, KL_SEVERITY_WARNING, KL_AT(rd->display, 0, 0), NULL,
                      "removed %zu temporary file%s left by an interrupted run%s%s%s", s->temps.n,
                      s->temps.n == 1 ? "" : "s", runs.len ? " (run " : "",
                      runs.len ? runs.data : "", runs.len ? ")" : "");
    kl_core__buf_free(&runs);
    for (size_t i = 0; i < s->old.n; i++)
        if (unlinkat(rd->dirfd, s->old.v[i], 0) != 0 && errno != ENOENT)
            return io_fail(ctx, rd->display, "cannot remove a file of an earlier run", errno);
    return 0;
}

/* A new manifest, listing this run's files as they are made. */
static int start_manifest(kl_context *ctx, kl_rundir *rd)
{
    int mfd = openat(rd->dirfd, MANIFEST_NAME,
                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (mfd < 0)
        return io_fail(ctx, rd->display, "cannot write the manifest", errno);
    char head[128]; /* MANIFEST_HEAD, a run id (under 40 bytes) and a pid */
    snprintf(head, sizeof head, MANIFEST_HEAD "run %s pid %ld\n", rd->run_id, (long)getpid());
    int e = fchmod(mfd, 0600) ? errno : write_line(mfd, head);
    if (e) {
        close(mfd);
        return io_fail(ctx, rd->display, "cannot write the manifest", e);
    }
    rd->manifest_fd = mfd;
    return 0;
}

int kl_batch__prepare(kl_context *ctx, kl_rundir *rd, bool force)
{
    names listed = {0};
    dir_scan s = {{0}, {0}, NULL, false};
    struct stat mst;
    bool has_manifest = fstatat(rd->dirfd, MANIFEST_NAME, &mst, AT_SYMLINK_NOFOLLOW) == 0;
    int rc = has_manifest ? read_manifest(ctx, rd, &listed) : read_legacy_record(ctx, rd, &listed);
    if (rc < 0 || (rc = scan_dir(ctx, rd, &listed, &s)) < 0 ||
        (rc = check_replace(ctx, rd, force, &s)) < 0 || (rc = remove_earlier(ctx, rd, &s)) < 0)
        goto done;
    rc = start_manifest(ctx, rd);
done:
    kl_free(s.foreign);
    names_free(&listed);
    names_free(&s.temps);
    names_free(&s.old);
    return rc;
}

int kl_batch__manifest_add(kl_rundir *rd, const char *name)
{
    if (rd->manifest_fd < 0)
        return KL_EIO;
    char line[320];
    int n = snprintf(line, sizeof line, "file %s\n", name);
    if (n < 0 || (size_t)n >= sizeof line)
        return KL_EINVAL;
    /* One write with O_APPEND: lines from several threads never interleave. */
    return write_line(rd->manifest_fd, line) ? KL_EIO : 0;
}

void kl_batch__rundir_close(kl_rundir *rd, const char *how)
{
    if (rd->manifest_fd >= 0) {
        if (how) {
            char line[96]; /* "end", a run id (under 40 bytes) and how it ended (a word) */
            snprintf(line, sizeof line, "end %s %s\n", rd->run_id, how);
            write_line(rd->manifest_fd, line);
        }
        fdatasync(rd->manifest_fd);
        close(rd->manifest_fd);
        rd->manifest_fd = -1;
    }
    if (rd->lockfd >= 0) {
        close(rd->lockfd); /* releases the lock; the file stays, so no run races its removal */
        rd->lockfd = -1;
    }
}
