#!/usr/bin/python3
"""Finds bytes in relctl's output that could control a terminal.

usage: raw-bytes.py [--tty] [--sgr] FILE...

Every FILE must be UTF-8 text with no raw control character: no C0 byte but
newline and tab (0x00-0x08, 0x0b-0x1f), no DEL (0x7f), no C1 control (U+0080
to U+009F, 0xc2 0x80-0x9f in UTF-8), no invisible format character (Unicode
category Cf, as Python's unicodedata has it: bidirectional marks, overrides
and isolates, zero-width characters, tag characters), no line or paragraph
separator, and no byte that is not UTF-8 (a lone 0x9b is a CSI to an 8-bit
terminal).

--tty   the file was read from a pseudo-terminal: CR is allowed before LF.
--sgr   ESC is allowed only as one of relctl's own colours (ESC [ 0|1|2|31-36 m).

Prints each offending byte with its file, offset and surroundings, and
exits 1 when there is one.
"""
import re
import sys
import unicodedata

SGR = re.compile(rb"\x1b\[(?:0|1|2|3[1-6])m")
DANGEROUS = set(range(0x80, 0xA0)) | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x2028, 0x2029}


def problems(data, tty, sgr):
    i = 0
    while i < len(data):
        c = data[i]
        if sgr and c == 0x1B:
            m = SGR.match(data, i)
            if m:
                i = m.end()
                continue
        if tty and c == 0x0D and data[i + 1 : i + 2] == b"\n":
            i += 1
            continue
        if c < 0x20 and c not in (0x09, 0x0A) or c == 0x7F:
            yield i, "control byte 0x%02x" % c
            i += 1
            continue
        if c < 0x80:
            i += 1
            continue
        n = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF4 else 0
        try:
            ch = data[i : i + n].decode("utf-8") if n else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1:
            yield i, "byte 0x%02x that is not UTF-8" % c
            i += 1
            continue
        if ord(ch) in DANGEROUS or unicodedata.category(ch) == "Cf":
            yield i, "raw U+%04X" % ord(ch)
        i += n


def main(argv):
    tty = "--tty" in argv
    sgr = "--sgr" in argv
    files = [a for a in argv if not a.startswith("--")]
    bad = 0
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        for offset, what in problems(data, tty, sgr):
            bad += 1
            around = data[max(0, offset - 24) : offset + 24]
            print("%s: offset %d: %s in %r" % (name, offset, what, around))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
