/* SPDX-License-Identifier: MIT */
/* lib/review/png.c: a logo is decoded here before any letter embeds it. libpng (through
 * libharu) aborts the whole process on a corrupt image, so a PNG reaches the letters only
 * when its structure is sound: every chunk's CRC, IHDR's values, only the critical chunks
 * libharu reads, and the image data inflating to exactly its rows with a valid filter byte
 * each. The review loader checks every logo this way; `kinletter serve` checks an upload
 * with the same function (kl_png_problem). */
#include "kinletter/review.h"

#include <stdbool.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define BROKEN "is not a complete PNG image (it may be damaged)"

/* What the chunks so far said, and the image data's inflater. */
typedef struct png_check {
    uint32_t w, h;
    unsigned depth, ctype, channels;
    bool ihdr, plte, iend, idat_done, idat_seen, zend;
    z_stream z;
    uint64_t total, expect, rowbytes; /* bytes inflated, and the rows' size */
    unsigned char out[65536];
} png_check;

/* IHDR: the size, bit depth and colour type libharu can draw. */
static const char *check_ihdr(png_check *p, const unsigned char *data, uint32_t len)
{
    if (p->ihdr || len != 13)
        return BROKEN;
    p->ihdr = true;
    p->w = be32(data);
    p->h = be32(data + 4);
    p->depth = data[8];
    p->ctype = data[9];
    static const unsigned ch[7] = {1, 0, 3, 1, 2, 0, 4};
    p->channels = p->ctype < 7 ? ch[p->ctype] : 0;
    unsigned depth = p->depth, ctype = p->ctype;
    bool depth_ok = ctype == 0
                        ? (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)
                    : ctype == 3 ? (depth == 1 || depth == 2 || depth == 4 || depth == 8)
                                 : (depth == 8 || depth == 16);
    const char *why = NULL;
    if (!p->channels || !depth_ok || data[10] || data[11] || data[12] > 1)
        why = BROKEN;
    else if (data[12])
        why = "is an interlaced PNG (save it without interlacing)";
    else if (!p->w || !p->h || p->w > KL_PNG_MAX_SIDE || p->h > KL_PNG_MAX_SIDE)
        why = "is more than 4000 pixels wide or high (save it smaller)";
    p->rowbytes = ((uint64_t)p->w * p->channels * depth + 7) / 8;
    p->expect = (uint64_t)p->h * (1 + p->rowbytes);
    return why;
}

/* IDAT: the image data inflates to whole rows, each starting with a filter
 * byte libpng knows (0 to 4), and no more. */
static const char *inflate_idat(png_check *p, const unsigned char *data, uint32_t len)
{
    if (p->idat_done || (p->ctype == 3 && !p->plte))
        return BROKEN;
    p->idat_seen = true;
    p->z.next_in = (unsigned char *)data;
    p->z.avail_in = len;
    while (p->z.avail_in && !p->zend) {
        p->z.next_out = p->out;
        p->z.avail_out = sizeof p->out;
        int zr = inflate(&p->z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END)
            return BROKEN;
        p->zend = zr == Z_STREAM_END;
        size_t got = sizeof p->out - p->z.avail_out;
        for (size_t i = 0; i < got; i++, p->total++)
            if (p->total >= p->expect || (p->total % (1 + p->rowbytes) == 0 && p->out[i] > 4))
                return BROKEN;
    }
    return NULL;
}

/* One chunk (its CRC already checked): NULL, or what is wrong. */
static const char *check_chunk(png_check *p, const unsigned char *type, const unsigned char *data,
                               uint32_t len)
{
    bool is_idat = !memcmp(type, "IDAT", 4);
    if (p->idat_seen && !is_idat)
        p->idat_done = true;
    if (!p->ihdr && memcmp(type, "IHDR", 4))
        return BROKEN;
    if (!memcmp(type, "IHDR", 4))
        return check_ihdr(p, data, len);
    if (!memcmp(type, "PLTE", 4)) {
        p->plte = true;
        return NULL;
    }
    if (is_idat)
        return inflate_idat(p, data, len);
    if (!memcmp(type, "IEND", 4)) {
        p->iend = true;
        return NULL;
    }
    if (!(type[0] & 0x20))
        return BROKEN; /* a critical chunk libharu does not read */
    return NULL;
}

const char *kl_png_problem(const void *png, size_t n)
{
    const unsigned char *b = png;
    if (!b)
        return "is not a PNG image";
    if (n < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        return "is not a PNG image";
    png_check st = {0}, *p = &st;
    if (inflateInit(&p->z) != Z_OK)
        return BROKEN;
    const char *why = NULL;
    size_t at = 8;
    while (!why && !p->iend) {
        if (n - at < 12) {
            why = BROKEN;
            break;
        }
        uint32_t len = be32(b + at);
        const unsigned char *type = b + at + 4, *data = b + at + 8;
        if (len > n - at - 12 ||
            (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, len + 4) != be32(data + len)) {
            why = BROKEN;
            break;
        }
        why = check_chunk(p, type, data, len);
        at += 12 + (size_t)len;
    }
    inflateEnd(&p->z);
    if (!why && (!p->iend || !p->zend || p->total != p->expect))
        why = BROKEN;
    return why;
}
