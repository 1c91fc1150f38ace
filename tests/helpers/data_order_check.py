#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check where an image keeps its files' data, from dump.erofs -e --json.

  data_order_check.py DUMP IMAGE SRC [--min N] [PATH...]

A file's positions are where its first stored bytes are: ("blk", the
image address) of its first block or pcluster, ("frag", the offset in the
packed inode) of its fragment (a tail, or the whole file); files wholly
inline or empty have none.  With PATHs (a --data-order list, resolved:
regular files, each once), checks that their positions rise in that
order, each kind on its own, and that
every other regular file of SRC (not a hard link of a listed one, not a
copy sharing a listed file's data) lies after the last of them; at least
N listed files must have a position.  Without PATHs, checks that the
regular files' block positions follow the default data order: depth
first, each directory's files by name (bytes), then its subdirectories
(hard links and shared copies once).
Prints what it saw; exits 1 on the first violation.
"""
import json
import os
import subprocess
import sys


def positions(dump, image, path):
    out = subprocess.run([dump, "-e", "--json", "--path=/" + path, image],
                         check=True, capture_output=True, text=True).stdout
    pos = []
    for e in json.loads(out)["extent_map"]["extents"]:
        if e["hole"] or e["inline"]:
            continue
        p = ("frag", e["fragment_offset"]) if e["fragment"] else \
            ("blk", e["physical"])
        if all(q[0] != p[0] for q in pos):
            pos.append(p)
    return pos


def tree_order(src):
    """Regular files of src depth first: each directory's files (names in
    byte order), then its subdirectories in that order, each in turn."""
    files = []

    def walk(d):
        names = sorted(os.listdir(os.path.join(src, d) if d else src),
                       key=os.fsencode)
        subdirs = []
        for n in names:
            rel = os.path.join(d, n) if d else n
            full = os.path.join(src, rel)
            if os.path.islink(full):
                continue
            if os.path.isdir(full):
                subdirs.append(rel)
            elif os.path.isfile(full):
                files.append((rel, os.lstat(full).st_ino))
        for sd in subdirs:
            walk(sd)
    walk("")
    return files


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    dump, image, src = sys.argv[1:4]
    args = sys.argv[4:]
    need = 0
    if args[:1] == ["--min"]:
        need = int(args[1])
        args = args[2:]
    files = tree_order(src)
    pos = {rel: positions(dump, image, rel) for rel, _ in files}
    ino = dict(files)
    if not args:
        seen, last = set(), -1
        for rel, i in files:
            p = next((q for q in pos[rel] if q[0] == "blk"), None)
            print(rel, pos[rel])
            if not p or i in seen or p in seen:
                continue
            seen.update((i, p))
            if p[1] <= last:
                fail(f"{rel} at {p[1]} is not after the previous file ({last})")
            last = p[1]
        return
    last = {"blk": -1, "frag": -1}
    got, listed_pos, listed_ino = 0, set(), set()
    for rel in args:
        print("listed", rel, pos[rel])
        listed_ino.add(ino[rel])
        got += bool(pos[rel])
        for p in pos[rel]:
            if p[1] <= last[p[0]]:
                fail(f"listed {rel} at {p} is not after the listed file before it ({last[p[0]]})")
            last[p[0]] = p[1]
            listed_pos.add(p)
    if got < need:
        fail(f"only {got} listed files have data, {need} expected")
    for rel, i in files:
        if rel in args or i in listed_ino or not pos[rel]:
            continue
        if set(pos[rel]) <= listed_pos:
            print("shares a listed file's data:", rel, pos[rel])
            continue
        print("other", rel, pos[rel])
        for p in pos[rel]:
            if p[1] <= last[p[0]]:
                fail(f"{rel} at {p} comes before the last listed file ({last[p[0]]})")


if __name__ == "__main__":
    main()
