/* SPDX-License-Identifier: MIT */
/* core/fileio.c: private directories, atomic never-silently-overwritten files, SHA-256. */
#define _GNU_SOURCE /* renameat2, syncfs */
#include "core/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int io_error(kl_context *ctx, const char *what, const char *path, int err)
{
    const char *hint = err == ENOSPC   ? "free some space on the disk, then run again"
                       : err == EACCES ? "choose an output directory you may write to"
                       : err == ELOOP  ? "an output directory is a symbolic link: remove it or "
                                         "choose another output directory"
                                       : NULL;
    return kl_core__error(ctx, KL_EIO, KL_AT(path, 0, 0), hint, "%s: %s", what, strerror(err));
}

int kl_core__open_dir(kl_context *ctx, const char *base, const char *const *subdirs,
                      size_t n_subdirs)
{
    if (mkdir(base, 0700) != 0 && errno != EEXIST)
        return io_error(ctx, "cannot create the output directory", base, errno);
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_error(ctx, "cannot open the output directory", base, errno);
    for (size_t i = 0; i < n_subdirs; i++) {
        const char *name = subdirs[i];
        if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            close(fd);
            return kl_core__error(ctx, KL_EINVAL, KL_AT(base, 0, 0), NULL,
                                  "an output directory would be named '%s', which is not safe",
                                  name);
        }
        if (mkdirat(fd, name, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            return io_error(ctx, "cannot create an output directory", name, e);
        }
        /* O_NOFOLLOW: a symbolic link planted where our directory should be
         * is refused, so letters never land somewhere else. */
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        if (sub < 0 && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            e = ELOOP; /* Linux says ENOTDIR for O_DIRECTORY|O_NOFOLLOW on a link */
        close(fd);
        if (sub < 0)
            return io_error(ctx, "cannot open an output directory", name, e);
        fd = sub;
    }
    return fd;
}

bool kl_core__dir_has_files(int dirfd)
{
    int fd = dup(dirfd);
    if (fd < 0)
        return false;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return false;
    }
    rewinddir(d);
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)))
        any = e->d_name[0] != '.';
    closedir(d);
    return any;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int kl_core__write_file(kl_context *ctx, int dirfd, const char *name, const char *display,
                        const void *data, size_t len, bool overwrite)
{
    return kl_core__write_file_tagged(ctx, dirfd, name, display, data, len, overwrite, NULL);
}

/* Create ".<name>.<tag>.tmp" (or a random tag), mode 0600, open for writing
 * in *fd. The temporary's name is left in tmp. */
static int tmp_create(kl_context *ctx, int dirfd, const char *name, const char *display,
                      const char *tag, char tmp[300], int *fd_out)
{
    int fd = -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        int n = tag ? attempt ? snprintf(tmp, 300, ".%s.%s-%d.tmp", name, tag, attempt)
                              : snprintf(tmp, 300, ".%s.%s.tmp", name, tag)
                    : snprintf(tmp, 300, ".%s.%06lx.tmp", name, (seed >> 24) & 0xFFFFFF);
        if (n < 0 || n >= 300)
            return kl_core__error(ctx, KL_EINVAL, KL_AT(display, 0, 0), NULL, "file name too long");
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return io_error(ctx, "cannot create a file", display, errno);
    }
    if (fd < 0)
        return io_error(ctx, "cannot create a temporary file", display, EEXIST);
    if (fchmod(fd, 0600)) { /* whatever the umask */
        int e = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return io_error(ctx, "cannot write", display, e);
    }
    *fd_out = fd;
    return 0;
}

/* The same, then data written to it (and fsync'd with sync), closed. */
static int stage(kl_context *ctx, int dirfd, const char *name, const char *display,
                 const void *data, size_t len, const char *tag, bool sync, char tmp[300])
{
    int fd, rc = tmp_create(ctx, dirfd, name, display, tag, tmp, &fd);
    if (rc)
        return rc;
    int err = write_all(fd, data, len);
    if (!err && sync && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlinkat(dirfd, tmp, 0);
        return io_error(ctx, "cannot write", display, err);
    }
    return 0;
}

int kl_core__place_file(kl_context *ctx, int dirfd, const char *tmp, const char *name,
                        const char *display, bool overwrite)
{
    int rc;
    if (overwrite) {
        rc = renameat(dirfd, tmp, dirfd, name);
    } else {
        rc = renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            /* Filesystems without RENAME_NOREPLACE: link fails if name exists. */
            rc = linkat(dirfd, tmp, dirfd, name, 0);
            if (rc == 0)
                unlinkat(dirfd, tmp, 0);
        }
    }
    if (rc != 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        if (e == EEXIST)
            return kl_core__error(ctx, KL_EEXISTS, KL_AT(display, 0, 0),
                                  "remove it, or choose another output directory",
                                  "already exists; not overwritten");
        return io_error(ctx, "cannot put the file in place", display, e);
    }
    return 0;
}

int kl_core__write_file_tagged(kl_context *ctx, int dirfd, const char *name, const char *display,
                               const void *data, size_t len, bool overwrite, const char *tag)
{
    char tmp[300];
    int rc = stage(ctx, dirfd, name, display, data, len, tag, true, tmp);
    if (rc)
        return rc;
    return kl_core__place_file(ctx, dirfd, tmp, name, display, overwrite);
}

int kl_core__stream_open(kl_context *ctx, kl_core_stream *f, int dirfd, const char *name,
                         const char *display, const char *tag)
{
    *f = (kl_core_stream){.fd = -1, .dirfd = dirfd, .display = display};
    return tmp_create(ctx, dirfd, name, display, tag, f->tmp, &f->fd);
}

int kl_core__stream_write(kl_context *ctx, kl_core_stream *f, const void *data, size_t len)
{
    int err = f->fd < 0 ? EBADF : write_all(f->fd, data, len);
    if (err) {
        kl_core__stream_abort(f);
        return io_error(ctx, "cannot write", f->display, err);
    }
    return 0;
}

int kl_core__stream_close(kl_context *ctx, kl_core_stream *f, const char *name, bool overwrite)
{
    if (f->fd < 0)
        return io_error(ctx, "cannot write", f->display, EBADF);
    int err = fsync(f->fd) ? errno : 0;
    if (close(f->fd) != 0 && !err)
        err = errno;
    f->fd = -1;
    if (err) {
        unlinkat(f->dirfd, f->tmp, 0);
        return io_error(ctx, "cannot write", f->display, err);
    }
    return kl_core__place_file(ctx, f->dirfd, f->tmp, name, f->display, overwrite);
}

void kl_core__stream_abort(kl_core_stream *f)
{
    if (f->fd < 0)
        return;
    close(f->fd);
    unlinkat(f->dirfd, f->tmp, 0);
    f->fd = -1;
}

int kl_core__stage_file(kl_context *ctx, int dirfd, const char *name, const char *display,
                        const void *data, size_t len, const char *tag, char tmp[300])
{
    return stage(ctx, dirfd, name, display, data, len, tag, false, tmp);
}

int kl_core__sync_dir(kl_context *ctx, int dirfd, const char *display, bool whole_fs)
{
    /* syncfs writes every file of the filesystem: one call for all the
     * temporaries, where an fsync each would wait for one journal commit
     * each. */
    int rc = whole_fs ? syncfs(dirfd) : fsync(dirfd);
    if (rc != 0 && whole_fs && (errno == ENOSYS || errno == EINVAL))
        rc = fsync(dirfd);
    return rc ? io_error(ctx, "cannot write to the disk", display, errno) : 0;
}

void kl_core__sha256_hex(const void *data, size_t len, char out[65])
{
    struct sha256_ctx s;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&s);
    sha256_update(&s, len, data);
    sha256_digest(&s, sizeof digest, digest);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof digest; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}
