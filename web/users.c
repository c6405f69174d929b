/* SPDX-License-Identifier: MIT */
/* web/users.c: the users file of `kinletter serve --users FILE`: one `name:hash` a line, the
 * hash from crypt(3) (libxcrypt; yescrypt, `$y$`, from `kinletter serve --hash-password`).
 * Blank lines and lines starting with '#' are ignored. */
#include "web.h"

#include <crypt.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-@", s[i]))
            return false;
    return true;
}

/* Calls fn for each entry; stops early when fn returns nonzero. Returns -1 when the file
 * cannot be read, or the line number of the first bad line (why says what), or fn's value. */
static int each_user(const char *file, int (*fn)(const char *name, const char *hash, void *),
                     void *ud, char *why, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        if (why)
            snprintf(why, cap, "the users file cannot be read");
        return -1;
    }
    char line[1024];
    int n = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        size_t l = strcspn(line, "\r\n");
        if (!line[l] && !feof(f)) { /* no end of line within the buffer: never cut a hash */
            if (why)
                snprintf(why, cap, "line %d is longer than %zu characters", n, sizeof line - 2);
            rc = n;
            break;
        }
        line[l] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *colon = strchr(line, ':');
        if (!colon || !name_ok(line, (size_t)(colon - line)) || colon[1] != '$') {
            if (why)
                snprintf(why, cap,
                         "line %d: write `name:hash` with a crypt(3) hash (make one with "
                         "kinletter serve --hash-password)",
                         n);
            rc = n;
            break;
        }
        *colon = '\0';
        if (fn && (rc = fn(line, colon + 1, ud)) != 0)
            break;
    }
    fclose(f);
    return rc;
}

static int count_one(const char *name, const char *hash, void *ud)
{
    (void)name;
    (void)hash;
    (*(int *)ud)++;
    return 0;
}

int users_validate_file(const char *file, char *why, size_t cap)
{
    struct stat sb;
    if (stat(file, &sb) == 0 && (sb.st_mode & 0077) && why) {
        /* Not fatal, but say so. */
        fprintf(stderr,
                "kinletter: %s: warning: the users file can be read by others (chmod 600 it)\n",
                file);
    }
    int users = 0;
    int rc = each_user(file, count_one, &users, why, cap);
    if (rc == 0 && users == 0) {
        snprintf(why, cap, "the users file names no user");
        return 1;
    }
    return rc;
}

typedef struct check {
    const char *name, *password;
    int ok;
} check;

static int check_one(const char *name, const char *hash, void *ud)
{
    check *c = ud;
    if (strcmp(name, c->name) != 0)
        return 0;
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *h = crypt_r(c->password, hash, &cd);
    if (h && h[0] != '*' && strlen(h) == strlen(hash)) {
        unsigned char d = 0;
        for (size_t i = 0; hash[i]; i++)
            d |= (unsigned char)(h[i] ^ hash[i]);
        c->ok = d == 0;
    }
    return 1;
}

int users_check(const char *file, const char *name, const char *password)
{
    if (!file || !name_ok(name, strlen(name)))
        return -1;
    check c = {name, password, 0};
    each_user(file, check_one, &c, NULL, 0);
    return c.ok ? 0 : -1;
}

static int is_name(const char *name, const char *hash, void *ud)
{
    (void)hash;
    return !strcmp(name, (const char *)ud);
}

bool users_known(const char *file, const char *name)
{
    return file && name_ok(name, strlen(name)) &&
           each_user(file, is_name, (void *)name, NULL, 0) == 1;
}

int users_hash_password(void)
{
    char pw[512];
    if (!fgets(pw, sizeof pw, stdin)) {
        fputs("kinletter: error: give the password on standard input\n", stderr);
        return 2;
    }
    size_t len = strcspn(pw, "\r\n");
    if (!pw[len] && !feof(stdin)) { /* a hash of the first part only would never sign in */
        memset(pw, 0, sizeof pw);
        fprintf(stderr, "kinletter: error: use a password of at most %zu characters\n",
                sizeof pw - 2);
        return 2;
    }
    pw[len] = '\0';
    if (strlen(pw) < 12) {
        fputs("kinletter: error: use a password of at least 12 characters\n", stderr);
        return 2;
    }
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting)) {
        fputs("kinletter: error: this libcrypt has no yescrypt\n", stderr);
        return 1;
    }
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *h = crypt_r(pw, setting, &cd);
    memset(pw, 0, sizeof pw);
    if (!h || h[0] == '*') {
        fputs("kinletter: error: the password could not be hashed\n", stderr);
        return 1;
    }
    puts(h);
    return 0;
}
