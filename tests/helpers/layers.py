#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Container image layers as tarballs, and the tree they give applied in order.

  layers.py make DIR      write DIR/l1.tar DIR/l2.tar DIR/l3.tar: docker-style
                          layers with aufs whiteouts (.wh.NAME), opaque
                          directories (.wh..wh..opq), hardlinks, symlinks,
                          devices, pax xattrs, owners and mtimes per layer
  layers.py apply OUT TAR...
                          extract the layers into OUT in order as a container
                          runtime applies them: .wh.NAME deletes NAME of the
                          layers below, .wh..wh..opq empties its directory of
                          what the layers below put there; attributes of a
                          directory are those of the last layer naming it
"""
import io
import os
import shutil
import sys
import tarfile

WH = ".wh."
OPQ = ".wh..wh..opq"


class Layer:
    def __init__(self, path, mtime):
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
        self.mtime = mtime

    def _info(self, name, kind, mode, uid=0, gid=0, xattrs=None):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.uid, ti.gid = kind, mode, uid, gid
        ti.mtime = self.mtime
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        return ti

    def dir(self, name, mode=0o755, **kw):
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, **kw))

    def file(self, name, data, mode=0o644, **kw):
        ti = self._info(name, tarfile.REGTYPE, mode, **kw)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def link(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE, 0o644)
        ti.linkname = target
        self.tar.addfile(ti)

    def symlink(self, name, target):
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tar.addfile(ti)

    def chardev(self, name, major, minor):
        ti = self._info(name, tarfile.CHRTYPE, 0o600)
        ti.devmajor, ti.devminor = major, minor
        self.tar.addfile(ti)

    def whiteout(self, name):
        d, b = os.path.split(name)
        self.file(os.path.join(d, WH + b), b"", mode=0o600)

    def opaque(self, dirname):
        self.file(os.path.join(dirname, OPQ), b"", mode=0o600)

    def close(self):
        self.tar.close()


def blob(seed, n):
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out += x.to_bytes(8, "little")
    return bytes(out[:n])


def make(d):
    l1 = Layer(os.path.join(d, "l1.tar"), 1600000000)
    for p in ("etc", "usr", "usr/bin", "usr/lib", "opt", "opt/app", "opt/app/sub",
              "var", "var/log", "home"):
        l1.dir(p)
    l1.dir("home/user", mode=0o750, uid=1000, gid=1000)
    l1.file("etc/hostname", b"layer1\n")
    l1.file("etc/removed", b"gone in layer 2\n")
    l1.file("etc/config", blob(1, 9000), xattrs={"user.origin": "l1"})
    l1.file("usr/bin/tool", blob(2, 70000), mode=0o755)
    l1.link("usr/bin/tool-alias", "usr/bin/tool")
    l1.symlink("usr/bin/sh", "tool")
    l1.file("usr/lib/empty", b"")
    l1.file("usr/lib/exact", blob(3, 8192))
    l1.file("opt/app/old", b"hidden by the opaque dir of layer 2\n")
    l1.file("opt/app/sub/deep", b"also hidden\n")
    l1.file("var/log/messages", blob(4, 5000))
    l1.file("home/user/.profile", b"export A=1\n", uid=1000, gid=1000)
    l1.chardev("etc/null", 1, 3)
    l1.close()

    l2 = Layer(os.path.join(d, "l2.tar"), 1650000000)
    l2.dir("etc", mode=0o711)
    l2.whiteout("etc/removed")
    l2.file("etc/hostname", b"layer2 replaces it\n")
    l2.dir("opt")
    l2.dir("opt/app", mode=0o700)
    l2.opaque("opt/app")
    l2.file("opt/app/new", blob(5, 12345), xattrs={"user.layer": "2"})
    l2.dir("var")
    l2.whiteout("var/log")
    l2.dir("srv")
    l2.whiteout("srv/never-was")	# a whiteout over nothing, in a new dir
    l2.file("srv/data", blob(6, 4097))
    l2.link("srv/data-link", "srv/data")
    l2.close()

    l3 = Layer(os.path.join(d, "l3.tar"), 1700000000)
    l3.dir("etc")
    l3.file("etc/removed", b"back in layer 3\n")
    l3.dir("var")
    l3.file("var/log", b"a file where a directory was\n")
    l3.dir("usr")
    l3.dir("usr/bin")
    l3.whiteout("usr/bin/sh")
    l3.dir("home")
    l3.dir("home/user", mode=0o700, uid=1000, gid=1000)
    l3.opaque("home/user")
    l3.file("home/user/new", b"only this\n", uid=1000, gid=1000)
    l3.close()


def rmtree(p):
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p)
    elif os.path.lexists(p):
        os.unlink(p)


def apply(out, tars):
    os.makedirs(out, exist_ok=True)
    dirattrs = {}
    for t in tars:
        with tarfile.open(t) as tf:
            members = tf.getmembers()
            for m in members:
                name = os.path.normpath(m.name)
                d, b = os.path.split(name)
                dest = os.path.join(out, name)
                if b == OPQ:
                    # what the layers below put there; this layer's own
                    # entries follow the marker in these tarballs
                    top = os.path.join(out, d)
                    for e in os.listdir(top):
                        rmtree(os.path.join(top, e))
                    continue
                if b.startswith(WH):
                    rmtree(os.path.join(out, d, b[len(WH):]))
                    continue
                if not (m.isdir() and os.path.isdir(dest)):
                    rmtree(dest)
                if m.islnk():
                    os.link(os.path.join(out, os.path.normpath(m.linkname)), dest)
                    continue
                tf.extract(m, out, set_attrs=True, numeric_owner=True,
                           **({"filter": "fully_trusted"}
                              if hasattr(tarfile, "data_filter") else {}))
                for k, v in m.pax_headers.items():
                    if k.startswith("SCHILY.xattr."):
                        os.setxattr(dest, k[len("SCHILY.xattr."):],
                                    v.encode("utf-8", "surrogateescape"),
                                    follow_symlinks=False)
                if m.issym():	# tarfile leaves a symlink's own mtime
                    os.utime(dest, (m.mtime, m.mtime), follow_symlinks=False)
                if m.isdir():
                    dirattrs[name] = m
    # directories last, deepest first: their entries changed their mtimes
    for name in sorted(dirattrs, key=lambda n: -n.count("/")):
        p = os.path.join(out, name)
        if os.path.isdir(p) and not os.path.islink(p):
            m = dirattrs[name]
            os.chmod(p, m.mode)
            os.utime(p, (m.mtime, m.mtime))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "apply":
        apply(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
