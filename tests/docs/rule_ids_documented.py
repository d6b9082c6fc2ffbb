#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every rule id (R<n>) and dataplane behaviour id (D<n>) cited in the
repository has an entry in docs/behaviour.md.

Usage: rule_ids_documented.py [ROOT]   (ROOT defaults to the repository
holding this script). Exit 0 when every cited id has an entry; exit 1 with
each missing id and every file:line citing it otherwise; exit 2 when
docs/behaviour.md cannot be read.

The rule of the check:

- Files read: *.c *.h *.py *.sh *.yaml *.md and meson.build under ROOT,
  except hidden folders (.git), top-level folders whose name begins with
  "build", any meson build folder (one holding meson-private/), and
  docs/behaviour.md itself.
- A citation is, case-sensitive:
  1. "R" or "D" and 1 or 2 digits as a whole word: the characters on both
     sides are neither letters, digits nor "_" ("R14", "(R9)", "D2/D6";
     not "ROUTE_R1", "RFC", "0xD1", "D800", and "D10" is never read as D1).
     Colon-separated hex runs with two colons or more (MAC and IPv6
     addresses such as 02:00:00:00:00:D1) are blanked first;
  2. a range "R1-R12", "R1–R23" (en dash) or "R1..R4" cites every id from
     its first to its last;
  3. in a lowercase snake_case identifier (test functions, meson test
     names), a component "r<n>" or "d<n>" between underscores or at either
     end of it, once the identifier has an underscore: "d2_inbound_udp"
     cites D2, "attach_rules_r17" cites R17, "r1_to_r23" cites R1 to R23.
     A lone lowercase "d1" or "r2" (a variable) is not a citation.
- An entry of docs/behaviour.md is a line whose first table cell is the id
  ("| R4 | ..." or "| **R4** | ...", "| `R4` | ...") or a heading that
  begins with it ("### D9 ..."). Mentions in running text do not count.
"""
import os
import re
import sys

EXTENSIONS = ('.c', '.h', '.py', '.sh', '.yaml', '.md')
DOC = os.path.join('docs', 'behaviour.md')

HEX_COLON_RUN = re.compile(r'[0-9A-Fa-f]*(?::[0-9A-Fa-f]*){2,}')
WORD = r'(?<![A-Za-z0-9_])([RD])([0-9]{1,2})(?![A-Za-z0-9_])'
RANGE = re.compile(WORD + r'\s*(?:-|–|\.\.)\s*' + r'(?<![A-Za-z0-9_])\1([0-9]{1,2})(?![A-Za-z0-9_])')
SINGLE = re.compile(WORD)
SNAKE = re.compile(r'(?<![A-Za-z0-9_])[a-z0-9_]*_[a-z0-9_]*(?![A-Za-z0-9_])')
COMPONENT = re.compile(r'^([rd])([0-9]{1,2})$')
ENTRY = re.compile(r'^\s*(?:\|\s*[*`]*([RD][0-9]{1,2})[*`]*\s*\||#+\s+[*`]*([RD][0-9]{1,2})(?![A-Za-z0-9_]))')


def cited_in_line(line):
    """The ids a line cites, by the rule above (a set of 'R4', 'D2', ...)."""
    ids = set()
    text = HEX_COLON_RUN.sub(lambda m: ' ' * len(m.group(0)), line)
    for m in RANGE.finditer(text):
        lo, hi = int(m.group(2)), int(m.group(3))
        for n in range(min(lo, hi), max(lo, hi) + 1):
            ids.add('%s%d' % (m.group(1), n))
    for m in SINGLE.finditer(text):
        ids.add('%s%d' % (m.group(1), int(m.group(2))))
    for m in SNAKE.finditer(text):
        parts = m.group(0).split('_')
        for k, part in enumerate(parts):
            c = COMPONENT.match(part)
            if not c:
                continue
            ids.add('%s%d' % (c.group(1).upper(), int(c.group(2))))
            # "r1_to_r23": a range inside an identifier
            if k + 2 < len(parts) and parts[k + 1] == 'to':
                e = COMPONENT.match(parts[k + 2])
                if e and e.group(1) == c.group(1):
                    lo, hi = int(c.group(2)), int(e.group(2))
                    for n in range(min(lo, hi), max(lo, hi) + 1):
                        ids.add('%s%d' % (c.group(1).upper(), n))
    return ids


def is_build_dir(root, path, name):
    if os.path.isdir(os.path.join(path, name, 'meson-private')):
        return True
    return path == root and name.startswith('build')


def files_to_read(root):
    for path, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if not d.startswith('.') and not is_build_dir(root, path, d))
        for f in sorted(files):
            full = os.path.join(path, f)
            rel = os.path.relpath(full, root)
            if rel == DOC:
                continue
            if f.endswith(EXTENSIONS) or f == 'meson.build':
                yield full, rel


def citations(root):
    """id -> list of 'file:line' where it is cited."""
    where = {}
    for full, rel in files_to_read(root):
        try:
            with open(full, encoding='utf-8', errors='replace') as fh:
                for no, line in enumerate(fh, 1):
                    for i in cited_in_line(line):
                        where.setdefault(i, []).append('%s:%d' % (rel, no))
        except OSError as e:
            print('cannot read %s: %s' % (rel, e), file=sys.stderr)
    return where


def documented(root):
    ids = set()
    with open(os.path.join(root, DOC), encoding='utf-8') as fh:
        for line in fh:
            m = ENTRY.match(line)
            if m:
                ids.add(m.group(1) or m.group(2))
    return ids


def id_order(i):
    return (i[0], int(i[1:]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', '..'))
    try:
        entries = documented(root)
    except OSError as e:
        print('cannot read %s: %s' % (DOC, e), file=sys.stderr)
        return 2
    cited = citations(root)
    missing = sorted((i for i in cited if i not in entries), key=id_order)
    if missing:
        print('%s has no entry for %d cited id(s):' % (DOC, len(missing)))
        for i in missing:
            print('  %s, cited at %s' % (i, ', '.join(cited[i])))
        return 1
    print('%d cited ids, each with an entry among the %d of %s' %
          (len(cited), len(entries), DOC))
    return 0


if __name__ == '__main__':
    sys.exit(main())
