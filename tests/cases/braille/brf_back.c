/* SPDX-License-Identifier: MIT */
/* tests/cases/braille/brf_back.c: back-translate a BRF with liblouis, one line at a time.
 *
 * Usage: brf_back TABLE < FILE.brf > FILE.txt
 *
 * Each input line (CR LF or LF; a form feed starts a page and is passed
 * through as a line "\f") is read as North American Braille ASCII, turned
 * into dot patterns with the standard table (written out here, apart from
 * the library's copy) and back-translated by lou_backTranslateString in
 * dotsIO mode. Used only by tests: the oracle that a BRF reads back as the
 * letter's words. */
#include <liblouis/liblouis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dots 1..6 of each North American Braille ASCII character (0x20-0x5F). */
static int dots_of(int c)
{
    static const char *const cells[64] = {
        [' ' - 0x20] = "",      ['!' - 0x20] = "2346",  ['"' - 0x20] = "5",
        ['#' - 0x20] = "3456",  ['$' - 0x20] = "1246",  ['%' - 0x20] = "146",
        ['&' - 0x20] = "12346", ['\'' - 0x20] = "3",    ['(' - 0x20] = "12356",
        [')' - 0x20] = "23456", ['*' - 0x20] = "16",    ['+' - 0x20] = "346",
        [',' - 0x20] = "6",     ['-' - 0x20] = "36",    ['.' - 0x20] = "46",
        ['/' - 0x20] = "34",    ['0' - 0x20] = "356",   ['1' - 0x20] = "2",
        ['2' - 0x20] = "23",    ['3' - 0x20] = "25",    ['4' - 0x20] = "256",
        ['5' - 0x20] = "26",    ['6' - 0x20] = "235",   ['7' - 0x20] = "2356",
        ['8' - 0x20] = "236",   ['9' - 0x20] = "35",    [':' - 0x20] = "156",
        [';' - 0x20] = "56",    ['<' - 0x20] = "126",   ['=' - 0x20] = "123456",
        ['>' - 0x20] = "345",   ['?' - 0x20] = "1456",  ['@' - 0x20] = "4",
        ['A' - 0x20] = "1",     ['B' - 0x20] = "12",    ['C' - 0x20] = "14",
        ['D' - 0x20] = "145",   ['E' - 0x20] = "15",    ['F' - 0x20] = "124",
        ['G' - 0x20] = "1245",  ['H' - 0x20] = "125",   ['I' - 0x20] = "24",
        ['J' - 0x20] = "245",   ['K' - 0x20] = "13",    ['L' - 0x20] = "123",
        ['M' - 0x20] = "134",   ['N' - 0x20] = "1345",  ['O' - 0x20] = "135",
        ['P' - 0x20] = "1234",  ['Q' - 0x20] = "12345", ['R' - 0x20] = "1235",
        ['S' - 0x20] = "234",   ['T' - 0x20] = "2345",  ['U' - 0x20] = "136",
        ['V' - 0x20] = "1236",  ['W' - 0x20] = "2456",  ['X' - 0x20] = "1346",
        ['Y' - 0x20] = "13456", ['Z' - 0x20] = "1356",  ['[' - 0x20] = "246",
        ['\\' - 0x20] = "1256", [']' - 0x20] = "12456", ['^' - 0x20] = "45",
        ['_' - 0x20] = "456",
    };
    if (c < 0x20 || c > 0x5F)
        return -1;
    int d = 0;
    for (const char *s = cells[c - 0x20]; *s; s++)
        d |= 1 << (*s - '1');
    return d;
}

static void put_utf8(unsigned c)
{
    if (c < 0x80) {
        putchar((int)c);
    } else if (c < 0x800) {
        putchar((int)(0xC0 | (c >> 6)));
        putchar((int)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        putchar((int)(0xE0 | (c >> 12)));
        putchar((int)(0x80 | ((c >> 6) & 0x3F)));
        putchar((int)(0x80 | (c & 0x3F)));
    } else {
        putchar((int)(0xF0 | (c >> 18)));
        putchar((int)(0x80 | ((c >> 12) & 0x3F)));
        putchar((int)(0x80 | ((c >> 6) & 0x3F)));
        putchar((int)(0x80 | (c & 0x3F)));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: brf_back TABLE < FILE.brf\n", stderr);
        return 2;
    }
    char line[4096];
    widechar in[4096], out[16384];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        char *s = line;
        while (*s == '\f') {
            puts("\f");
            s++;
        }
        int len = 0;
        for (; *s; s++) {
            int d = dots_of((unsigned char)*s);
            if (d < 0) {
                fprintf(stderr, "brf_back: byte 0x%02x is not North American Braille ASCII\n",
                        (unsigned char)*s);
                return 1;
            }
            in[len++] = (widechar)(LOU_DOTS | d);
        }
        int inlen = len, outlen = (int)(sizeof out / sizeof out[0]);
        if (len &&
            !lou_backTranslateString(argv[1], in, &inlen, out, &outlen, NULL, NULL, dotsIO)) {
            fprintf(stderr, "brf_back: liblouis cannot back-translate with %s\n", argv[1]);
            return 1;
        }
        for (int i = 0; len && i < outlen; i++)
            put_utf8(out[i]);
        putchar('\n');
    }
    return 0;
}
