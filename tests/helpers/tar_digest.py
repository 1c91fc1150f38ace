#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tar_digest.py ARCHIVE: one line per entry of a tar archive, in archive
order: name, type, mode, owner, size, mtime, link target, device numbers,
the sha256 of its content, its SCHILY.xattr records (name=hex) and, for a
GNU sparse entry, its data runs.  Two archives holding the same entries
give the same lines whatever headers their writers chose."""
import hashlib
import sys
import tarfile

XATTR = "SCHILY.xattr."


def esc(s):
    return s.encode("utf-8", "surrogateescape").hex() if any(
        ord(c) < 33 or ord(c) > 126 or c == "\\" for c in s) else s


def main():
    with tarfile.open(sys.argv[1], encoding="utf-8",
                      errors="surrogateescape") as t:
        for m in t:
            digest = "-"
            if m.isreg():
                h = hashlib.sha256()
                f = t.extractfile(m)
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
                digest = h.hexdigest()
            xattrs = sorted(
                "%s=%s" % (k[len(XATTR):],
                           v.encode("utf-8", "surrogateescape").hex())
                for k, v in m.pax_headers.items() if k.startswith(XATTR))
            sparse = getattr(m, "sparse", None)
            print("|".join([
                esc(m.name.rstrip("/")), m.type.decode(), "%o" % m.mode,
                "%d:%d" % (m.uid, m.gid), str(m.size if m.isreg() else 0),
                m.pax_headers.get("mtime", str(int(m.mtime))),
                esc(m.linkname), "%d:%d" % (m.devmajor, m.devminor)
                if m.ischr() or m.isblk() else "", digest,
                ",".join(xattrs),
                ";".join("%d+%d" % r for r in sparse) if sparse else ""]))


main()
