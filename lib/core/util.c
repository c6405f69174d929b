/* SPDX-License-Identifier: MIT */
/* core/util.c: file reading, UTF-8 checks, positions and paths. */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kl_core__read_file(kl_context *ctx, const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kl_core__error(ctx, errno == ENOENT ? KL_ENOTFOUND : KL_EIO, KL_AT(path, 0, 0),
                              "check the file name and that you may read it", "cannot open: %s",
                              strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), "give the path of a regular file",
                              "not a regular file");
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return kl_core__error(
            ctx, KL_ELIMIT, KL_AT(path, 0, 0), "split the file or check it is the right one",
            "file is too large (%lld bytes; the limit is %zu)", (long long)st.st_size, max);
    }
    kl_buf b = KL_BUF_INIT;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            kl_core__buf_free(&b);
            return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), NULL, "read failed: %s",
                                  strerror(e));
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            close(fd);
            kl_core__buf_free(&b);
            return kl_core__error(ctx, KL_ELIMIT, KL_AT(path, 0, 0), NULL,
                                  "file is too large (the limit is %zu bytes)", max);
        }
        if (kl_core__buf_append(&b, chunk, (size_t)n)) {
            close(fd);
            kl_core__buf_free(&b);
            return kl_core__oom(ctx);
        }
    }
    close(fd);
    size_t l = b.len;
    char *d = kl_core__buf_detach(&b);
    if (!d)
        return kl_core__oom(ctx);
    *out = d;
    if (len)
        *len = l;
    return 0;
}

bool kl_core__utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned min;
        if (c == 0)
            goto bad;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            goto bad;
        }
        if (len - i <= n)
            goto bad;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto bad;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            goto bad;
        i += n + 1;
    }
    return true;
bad:
    if (bad_offset)
        *bad_offset = i;
    return false;
}

void kl_core__line_col(const char *s, size_t offset, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < offset && s[i]; i++) {
        if (s[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

char *kl_core__path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return kl_core__strdup(".");
    if (slash == path)
        return kl_core__strdup("/");
    return kl_core__strndup(path, (size_t)(slash - path));
}

char *kl_core__path_join(const char *dir, const char *name)
{
    if (name[0] == '/' || !dir || !*dir)
        return kl_core__strdup(name);
    kl_buf b = KL_BUF_INIT;
    kl_core__buf_puts(&b, dir);
    if (b.len && b.data[b.len - 1] != '/')
        kl_core__buf_putc(&b, '/');
    kl_core__buf_puts(&b, name);
    return kl_core__buf_detach(&b);
}

int kl_core__civil_date(const char *s, int *year, int *month, int *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return -2;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 ? leap : 0))
        return -2;
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    return 0;
}

int kl_core__out_size_ok(const void *out, size_t min)
{
    size_t size;
    if (!out)
        return 0;
    memcpy(&size, out, sizeof size);
    return size >= min;
}

void kl_core__out_copy(void *out, const void *full, size_t full_size)
{
    size_t size;
    memcpy(&size, out, sizeof size);
    size_t n = size < full_size ? size : full_size;
    if (n > sizeof size)
        memcpy((char *)out + sizeof size, (const char *)full + sizeof size, n - sizeof size);
}
