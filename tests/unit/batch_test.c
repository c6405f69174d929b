/* SPDX-License-Identifier: MIT */
/* tests/unit/batch_test.c: private atomic output files and the batch record. */
#include "support.h"
#include "batch/batch_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/klbatch-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static size_t count_entries(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fdopendir(fd);
    rewinddir(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void read_back(int dirfd, const char *name, char *buf, size_t cap)
{
    int fd = openat(dirfd, name, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, cap - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
}

static void files_are_private_and_never_silently_replaced(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    const char *sub[] = {"NSCP-2026-017", "notification"};
    mode_t old = umask(0);
    int dfd = kl_batch__open_dir(ctx, base, sub, 2);
    umask(old);
    assert_true(dfd >= 0);
    struct stat st;
    assert_int_equal(fstat(dfd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(
        kl_batch__write_file(ctx, dfd, "m01-post.pdf", "m01-post.pdf", "first", 5, false), 0);
    assert_int_equal(fstatat(dfd, "m01-post.pdf", &st, 0), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(kl_batch__dir_has_files(dfd));

    int rc = kl_batch__write_file(ctx, dfd, "m01-post.pdf", "out/m01-post.pdf", "second", 6, false);
    assert_int_equal(rc, KL_EEXISTS);
    assert_non_null(strstr(kl_context_last_error(ctx)->hint, "--force"));
    char buf[64];
    read_back(dfd, "m01-post.pdf", buf, sizeof buf);
    assert_string_equal(buf, "first");
    assert_int_equal(count_entries(dfd), 1); /* no temporary file left behind */

    assert_int_equal(
        kl_batch__write_file(ctx, dfd, "m01-post.pdf", "m01-post.pdf", "second", 6, true), 0);
    read_back(dfd, "m01-post.pdf", buf, sizeof buf);
    assert_string_equal(buf, "second");
    close(dfd);
    kl_context_free(ctx);
    free(base);
}

static void symlinked_output_directory_is_refused(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    char *elsewhere = make_tmpdir();
    char link[4200];
    snprintf(link, sizeof link, "%s/NSCP-1", base);
    assert_int_equal(symlink(elsewhere, link), 0);
    const char *sub[] = {"NSCP-1", "notification"};
    int rc = kl_batch__open_dir(ctx, base, sub, 2);
    assert_int_equal(rc, KL_EIO);
    assert_non_null(strstr(kl_context_last_error(ctx)->hint, "symbolic link"));
    /* Nothing was created in the link's target. */
    int efd = open(elsewhere, O_RDONLY | O_DIRECTORY);
    assert_int_equal(count_entries(efd), 0);
    close(efd);
    const char *bad[] = {".."};
    assert_int_equal(kl_batch__open_dir(ctx, base, bad, 1), KL_EINVAL);
    kl_context_free(ctx);
    free(base);
    free(elsewhere);
}

static void failed_write_leaves_nothing(void **state)
{
    (void)state;
    kl_test_diags diags;
    kl_context *ctx = kl_test_context(&diags);
    char *base = make_tmpdir();
    int dfd = kl_batch__open_dir(ctx, base, NULL, 0);
    assert_true(dfd >= 0);
    /* A file-size limit makes write() fail part-way, as a full disk would. */
    struct rlimit old, lim = {4096, 4096};
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    static char big[100000];
    memset(big, 'x', sizeof big);
    int rc = kl_batch__write_file(ctx, dfd, "m02-post.pdf", "m02-post.pdf", big, sizeof big, false);
    setrlimit(RLIMIT_FSIZE, &old);
    assert_int_equal(rc, KL_EIO);
    assert_non_null(strstr(kl_context_last_error(ctx)->message, "cannot write"));
    assert_int_equal(count_entries(dfd), 0);
    close(dfd);
    kl_context_free(ctx);
    free(base);
}

static void record_cells_are_quoted_and_neutralised(void **state)
{
    (void)state;
    kl_buf b = KL_BUF_INIT;
    const char *row[] = {"m01", "Nowak, Zofia", "say \"hi\"", "=HYPERLINK(\"x\")",
                         "+44", "@x",           "-1",         "two\nlines",
                         ""};
    assert_int_equal(kl_batch__csv_row(&b, row, 9), 0);
    assert_string_equal(b.data,
                        "m01,\"Nowak, Zofia\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\","
                        "\"'+44\",\"'@x\",\"'-1\",\"two\nlines\",\r\n");
    kl_buf_free(&b);
}

static void sha256_matches_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    kl_batch__sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kl_batch__sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_are_private_and_never_silently_replaced),
        cmocka_unit_test(symlinked_output_directory_is_refused),
        cmocka_unit_test(failed_write_leaves_nothing),
        cmocka_unit_test(record_cells_are_quoted_and_neutralised),
        cmocka_unit_test(sha256_matches_known_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
