#!/usr/bin/python3
"""Finds words that a man page's alternating-font macros run together.

usage: man-spaces.py FILE

.BR, .RB, .IR, .RI, .BI and .IB print their arguments with no space between
them, alternating the fonts: ".BR signing ) its signer" renders as
"signing)itssigner", and groff does not warn about it.  An argument that ends
a word followed by one that starts a word is such a lost space; a space that
is meant goes inside the quotes (".BR a ", " b").

Prints each such line with its number and exits 1 when there is one.
"""
import re
import sys

MACRO = re.compile(r'\.(BR|RB|IR|RI|BI|IB)\s+(.*)')


def arguments(text):
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', text)]


def ends_word(arg):
    arg = re.sub(r'\\f[BIRP]$', '', arg)
    # \(lq, \[rq] and \*R end in letters but are characters of their own.
    return bool(re.search(r'[A-Za-z0-9,;]$', arg)) and not re.search(r'\\(\(..|\[[^]]*\]|\*.)$', arg)


def starts_word(arg):
    return bool(re.match(r'(\\f[BIRP])?[A-Za-z0-9]', arg))


def main(path):
    found = False
    with open(path, encoding='utf-8') as page:
        for number, line in enumerate(page, 1):
            match = MACRO.match(line)
            if not match:
                continue
            args = arguments(match.group(2))
            for left, right in zip(args, args[1:]):
                if ends_word(left) and starts_word(right):
                    print(f'{path}:{number}: "{left}" and "{right}" run together: {line.strip()}')
                    found = True
                    break
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
