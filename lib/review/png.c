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

const char *kl_png_problem(const void *png, size_t n)
{
    const unsigned char *b = png;
    const uint32_t max_side = KL_PNG_MAX_SIDE;
    if (!b)
        return "is not a PNG image";
    if (n < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        return "is not a PNG image";
    const char *broken = "is not a complete PNG image (it may be damaged)";
    size_t at = 8;
    uint32_t w = 0, h = 0;
    unsigned depth = 0, ctype = 0, channels = 0;
    bool ihdr = false, plte = false, iend = false, idat_done = false, idat_seen = false;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return broken;
    unsigned char out[65536];
    uint64_t total = 0, expect = 0, rowbytes = 0;
    const char *why = NULL;
    bool zend = false;
    while (!why && !iend) {
        if (n - at < 12) {
            why = broken;
            break;
        }
        uint32_t len = be32(b + at);
        const unsigned char *type = b + at + 4, *data = b + at + 8;
        if (len > n - at - 12) {
            why = broken;
            break;
        }
        if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), type, len + 4) != be32(data + len)) {
            why = broken;
            break;
        }
        bool is_idat = !memcmp(type, "IDAT", 4);
        if (idat_seen && !is_idat)
            idat_done = true;
        if (!ihdr && memcmp(type, "IHDR", 4)) {
            why = broken;
        } else if (!memcmp(type, "IHDR", 4)) {
            if (ihdr || len != 13) {
                why = broken;
                break;
            }
            ihdr = true;
            w = be32(data);
            h = be32(data + 4);
            depth = data[8];
            ctype = data[9];
            static const unsigned ch[7] = {1, 0, 3, 1, 2, 0, 4};
            channels = ctype < 7 ? ch[ctype] : 0;
            bool depth_ok =
                ctype == 0   ? (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)
                : ctype == 3 ? (depth == 1 || depth == 2 || depth == 4 || depth == 8)
                             : (depth == 8 || depth == 16);
            if (!channels || !depth_ok || data[10] || data[11] || data[12] > 1)
                why = broken;
            else if (data[12])
                why = "is an interlaced PNG (save it without interlacing)";
            else if (!w || !h || w > max_side || h > max_side)
                why = "is more than 4000 pixels wide or high (save it smaller)";
            rowbytes = ((uint64_t)w * channels * depth + 7) / 8;
            expect = (uint64_t)h * (1 + rowbytes);
        } else if (!memcmp(type, "PLTE", 4)) {
            plte = true;
        } else if (is_idat) {
            if (idat_done || (ctype == 3 && !plte)) {
                why = broken;
                break;
            }
            idat_seen = true;
            z.next_in = (unsigned char *)data;
            z.avail_in = len;
            while (!why && z.avail_in && !zend) {
                z.next_out = out;
                z.avail_out = sizeof out;
                int zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END) {
                    why = broken;
                    break;
                }
                zend = zr == Z_STREAM_END;
                size_t got = sizeof out - z.avail_out;
                for (size_t i = 0; i < got && !why; i++, total++)
                    if (total >= expect || (total % (1 + rowbytes) == 0 && out[i] > 4))
                        why = broken;
            }
        } else if (!memcmp(type, "IEND", 4)) {
            iend = true;
        } else if (!(type[0] & 0x20)) {
            why = broken; /* a critical chunk libharu does not read */
        }
        at += 12 + (size_t)len;
    }
    inflateEnd(&z);
    if (!why && (!iend || !zend || total != expect))
        why = broken;
    return why;
}
