/* SPDX-License-Identifier: MIT */
/* l10n/compile.c: catalog sources compiled by ICU's genrb (a process spawn, and the only
 * environment reads of the catalogs: KINLETTER_GENRB, TMPDIR), and kl_catalog_set_open(),
 * which compiles a translator's working copy privately before opening it. */
#include "l10n/l10n_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- genrb ------------------------------------------------------------------ */

int kl_l10n__mkdtemp(kl_context *ctx, char **out)
{
    const char *tmp = getenv("TMPDIR");
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_printf(&b, "%s/" KL_COMPILED_PREFIX "XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (b.oom)
        return kl_core__oom(ctx);
    if (!mkdtemp(b.data)) {
        int e = errno;
        kl_core__buf_free(&b);
        return kl_core__error(ctx, KL_EIO, KL_NOWHERE, NULL,
                              "cannot make a temporary directory: %s", strerror(e));
    }
    /* The mark kl_catalog_remove_compiled() looks for before removing anything. */
    int fd = open(b.data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    int mark = fd < 0 ? -1 : openat(fd, KL_COMPILED_MARK, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (mark >= 0)
        close(mark);
    if (fd >= 0)
        close(fd);
    if (mark < 0) {
        int e = errno;
        rmdir(b.data);
        kl_core__buf_free(&b);
        return kl_core__error(ctx, KL_EIO, KL_NOWHERE, NULL,
                              "cannot write in a temporary directory: %s", strerror(e));
    }
    *out = kl_core__buf_detach(&b);
    return 0;
}

/* Run genrb (KINLETTER_GENRB, else genrb on PATH) on txt into outdir; its output (stdout and
 * stderr, the first MiB) into o and its wait status into *status. */
static int run_genrb(kl_context *ctx, const char *txt, const char *outdir, kl_buf *o, int *status)
{
    const char *prog = getenv("KINLETTER_GENRB");
    if (!prog || !*prog)
        prog = "genrb";
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "cannot make a pipe: %s",
                              strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    char *argv[] = {(char *)prog, "-q", "-e", "UTF-8", "-d", (char *)outdir, (char *)txt, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (err) {
        close(pipefd[0]);
        return kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE,
                              "install ICU's genrb (Debian: icu-devtools) or set KINLETTER_GENRB",
                              "cannot run %s: %s", prog, strerror(err));
    }
    char chunk[4096];
    ssize_t got;
    while ((got = read(pipefd[0], chunk, sizeof chunk)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && o->len < (1u << 20))
            kl_core__buf_append(o, chunk, (size_t)got);
    close(pipefd[0]);
    *status = 0;
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return o->oom ? kl_core__oom(ctx) : 0;
}

/* genrb failed: pass each "FILE:LINE: message" it wrote about txt to fn (or report it on
 * ctx), or one message when it wrote none. It then writes "couldn't parse the file FILE.
 * Error:U_...", which says nothing more. */
static void genrb_failed(kl_context *ctx, const char *txt, kl_buf *o, int status, kl_genrb_fn fn,
                         void *ud)
{
    size_t reported = 0;
    size_t tl = strlen(txt);
    const char *base = strrchr(txt, '/');
    base = base ? base + 1 : txt;
    char *save = NULL;
    for (char *line = o->data ? strtok_r(o->data, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        const char *rest = NULL;
        if (strncmp(line, txt, tl) == 0 && line[tl] == ':')
            rest = line + tl + 1;
        else if (strncmp(line, base, strlen(base)) == 0 && line[strlen(base)] == ':')
            rest = line + strlen(base) + 1;
        if (!rest)
            continue;
        char *endp = NULL;
        unsigned long ln = strtoul(rest, &endp, 10);
        if (endp == rest || *endp != ':')
            continue;
        const char *msg = endp + 1;
        while (*msg == ' ')
            msg++;
        reported++;
        if (fn)
            fn(txt, (unsigned)ln, msg, ud);
        else
            kl_core__report(ctx, KL_EPARSE, KL_AT(txt, (unsigned)ln, 0), NULL, "genrb: %s", msg);
    }
    if (reported)
        return;
    char msg[300];
    snprintf(msg, sizeof msg, "genrb could not compile the catalog (%s)",
             o->data ? o->data : (WIFEXITED(status) ? "no output" : "killed"));
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    if (fn)
        fn(txt, 0, msg, ud);
    else
        kl_core__report(ctx, KL_EPARSE, KL_AT(txt, 0, 0), NULL, "%s", msg);
}

int kl_l10n__genrb(kl_context *ctx, const char *txt, const char *outdir, kl_genrb_fn fn, void *ud)
{
    kl_buf o = KL_BUF_INIT;
    int status = 0;
    int rc = run_genrb(ctx, txt, outdir, &o, &status);
    if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        genrb_failed(ctx, txt, &o, status, fn, ud);
        rc = KL_EPARSE;
    }
    kl_core__buf_free(&o);
    return rc;
}

static void collect_genrb(const char *file, unsigned line, const char *message, void *ud)
{
    (void)file;
    kl_core__buf_printf(ud, "%u\t%s\n", line, message);
}

static void report_genrb(kl_context *ctx, const char *path, const kl_buf *said)
{
    for (const char *p = said->data; p && *p;) {
        const char *nl = strchr(p, '\n');
        unsigned line = (unsigned)strtoul(p, NULL, 10);
        const char *msg = strchr(p, '\t');
        if (!nl || !msg)
            break;
        msg++;
        if (!strstr(msg, "Stopped parsing resource")) /* a follow-on of the first */
            kl_core__report(ctx, KL_EPARSE, KL_AT(path, line, 0), NULL,
                            "ICU's compiler (genrb) cannot read this line: %.*s", (int)(nl - msg),
                            msg);
        p = nl + 1;
    }
}

/* Compile one source (name in src_dir) into tmp; a catalog genrb refuses is counted in *bad
 * and reported (where our reader finds the problem, its line, column and words; genrb's own
 * messages only when it finds nothing). Returns 0 or the failure that stops compiling. */
static int compile_one(kl_context *ctx, const char *src_dir, const char *name, const char *tmp,
                       size_t *bad)
{
    char *path = kl_core__path_join(src_dir, name);
    if (!path)
        return kl_core__oom(ctx);
    kl_buf said = KL_BUF_INIT;
    int rc = kl_l10n__genrb(ctx, path, tmp, collect_genrb, &said);
    if (rc == KL_EPARSE) {
        (*bad)++;
        kl_csrc *src = NULL;
        rc = kl_l10n__src_load(ctx, path, &src);
        kl_l10n__src_free(src);
        if (rc == 0)
            report_genrb(ctx, path, &said);
        rc = rc == KL_ENOMEM ? rc : 0;
    }
    kl_core__buf_free(&said);
    kl_free(path);
    return rc;
}

KL_API int kl_catalog_compile(kl_context *ctx, const char *src_dir, char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !src_dir || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    DIR *d = opendir(src_dir);
    if (!d)
        return kl_core__error(ctx, errno == ENOENT ? KL_ENOTFOUND : KL_EIO, KL_AT(src_dir, 0, 0),
                              NULL, "cannot open the catalog directory: %s", strerror(errno));
    char *tmp = NULL;
    size_t n = 0, bad = 0;
    int rc;
    if ((rc = kl_l10n__mkdtemp(ctx, &tmp)) < 0)
        goto done;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if ((rc = compile_one(ctx, src_dir, e->d_name, tmp, &bad)) < 0)
            goto done;
        n++;
    }
    if (bad) {
        rc = kl_core__error(ctx, KL_EPARSE, KL_AT(src_dir, 0, 0), "fix the catalogs named above",
                            "%zu catalog%s could not be compiled", bad, bad == 1 ? "" : "s");
        goto done;
    }
    if (n == 0) {
        rc = kl_core__error(ctx, KL_ENOTFOUND, KL_AT(src_dir, 0, 0), NULL,
                            "no catalog text sources (*.txt) in the directory");
        goto done;
    }
    *out = tmp;
    tmp = NULL;
done:
    closedir(d);
    kl_catalog_remove_compiled(tmp);
    kl_free(tmp);
    return rc;
}

/* ---- opening a set ----------------------------------------------------------- */

/* Does dir hold a file ending in ext? */
static bool has_ext(const char *dir, const char *ext)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    size_t el = strlen(ext);
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        found = len > el && e->d_name[0] != '.' && strcmp(e->d_name + len - el, ext) == 0;
    }
    closedir(d);
    return found;
}

/* Here rather than in lib/catalog, which only ever opens compiled catalogs:
 * a directory of text sources (a translator's working copy) is compiled
 * first, so it can be previewed without installing. */
KL_API int kl_catalog_set_open(kl_context *ctx, const char *dir, kl_catalog_set **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    char *found = NULL, *compiled = NULL;
    int rc = 0;
    if (!dir) {
        if ((rc = kl_context_find_data(ctx, "locales", &found)) < 0)
            goto done;
        dir = found;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = kl_core__error(ctx, KL_ENOTFOUND, KL_AT(dir, 0, 0),
                            "give the directory that holds the compiled catalogs (*.res)",
                            "catalog directory not found");
        goto done;
    }
    if (!has_ext(dir, ".res") && has_ext(dir, ".txt")) {
        if ((rc = kl_catalog_compile(ctx, dir, &compiled)) < 0)
            goto done;
        rc = kl_catalog__set_new(ctx, compiled, dir, out); /* the set owns `compiled` now */
    } else {
        rc = kl_catalog__set_new(ctx, dir, NULL, out);
    }
done:
    kl_free(compiled);
    kl_free(found);
    return rc;
}
