#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# embed.py: turn a data file into a C source file holding it as a byte array.
# Usage: embed.py INPUT OUTPUT SYMBOL
import sys

src, out, sym = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, 'rb') as f:
    data = f.read()
lines = ['/* Generated from %s by embed.py: do not edit. */' % src.split('/')[-1],
         '#include <stddef.h>',
         'extern const unsigned char %s[];' % sym,
         'extern const size_t %s_len;' % sym,
         'const unsigned char %s[] = {' % sym]
for i in range(0, len(data), 16):
    lines.append('    ' + ' '.join('0x%02x,' % b for b in data[i:i + 16]))
lines.append('    0x00};')
lines.append('const size_t %s_len = %d;' % (sym, len(data)))
with open(out, 'w') as f:
    f.write('\n'.join(lines) + '\n')
