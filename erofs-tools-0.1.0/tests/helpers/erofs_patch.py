#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""erofs_patch.py - doctor EROFS images for the tests, keeping the superblock
checksum right (so only the change under test is wrong).

  put IMG OFFSET SIZE VALUE   store VALUE little-endian in SIZE bytes
  flat IMG INODE_OFFSET BLKADDR
                              make the inode at INODE_OFFSET flat (no
                              inline tail) with its data at BLKADDR
  tag IMG TEXT                set the tag of device 1 to TEXT
  devices IMG N               make the device table N slots long, each a
                              copy of slot 1, in a block appended to IMG
  drop-dot IMG INODE_OFFSET INODE_SIZE
                              take the "." entry out of the inline
                              directory at INODE_OFFSET and set its
                              dot-omitted bit
Every command ends by recomputing the superblock checksum (when in use).
"""
import struct
import sys

SB = 1024


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def sb_field(img, off, fmt):
    return struct.unpack_from(fmt, img, SB + off)[0]


def fix_crc(img):
    if not sb_field(img, 8, '<I') & 1:
        return
    blksz = 1 << img[SB + 12]
    n = blksz - SB if blksz > SB else blksz
    area = bytearray(img[SB:SB + n])
    area[4:8] = b'\0\0\0\0'
    struct.pack_into('<I', img, SB + 4, crc32c(area))


def put(img, off, size, value):
    img[off:off + size] = value.to_bytes(size, 'little')


def devices(img, n):
    blksz = 1 << img[SB + 12]
    count = sb_field(img, 86, '<H')
    slotoff = sb_field(img, 88, '<H')
    assert count >= 1, "no device table to copy"
    slot = bytes(img[slotoff * 128:slotoff * 128 + 128])
    blocks = sb_field(img, 36, '<I')
    start = blocks * blksz
    assert start % 128 == 0 and start // 128 < 65536 and n * 128 <= blksz
    del img[start:]
    img += slot * n + b'\0' * (blksz - n * 128)
    struct.pack_into('<I', img, SB + 36, blocks + 1)
    struct.pack_into('<H', img, SB + 86, n)
    struct.pack_into('<H', img, SB + 88, start // 128)
    # the flat address space moved on by the block the table took
    for i in range(n):
        at = start + i * 128 + 68
        struct.pack_into('<I', img, at, struct.unpack_from('<I', img, at)[0] + 1)


def drop_dot(img, iloc, isize):
    fmt = struct.unpack_from('<H', img, iloc)[0]
    assert (fmt >> 1) & 7 == 2, "not an inline directory"
    xcount = struct.unpack_from('<H', img, iloc + 2)[0]
    xsize = 12 + 4 * (xcount - 1) if xcount else 0
    size = struct.unpack_from('<I', img, iloc + 8)[0]
    data = iloc + isize + xsize
    ents = []
    first = struct.unpack_from('<H', img, data + 8)[0]
    for i in range(first // 12):
        nid, off, ftype = struct.unpack_from('<QHB', img, data + 12 * i)
        end = (struct.unpack_from('<H', img, data + 12 * (i + 1) + 8)[0]
               if i + 1 < first // 12 else size)
        ents.append((nid, ftype, bytes(img[data + off:data + end])))
    kept = [e for e in ents if e[2] != b'.']
    assert len(kept) == len(ents) - 1, "no '.' entry"
    out = bytearray()
    nameoff = 12 * len(kept)
    names = b''
    for nid, ftype, name in kept:
        out += struct.pack('<QHBB', nid, nameoff + len(names), ftype, 0)
        names += name
    out += names
    img[data:data + size] = out + b'\0' * (size - len(out))
    struct.pack_into('<I', img, iloc + 8, len(out))
    struct.pack_into('<H', img, iloc, fmt | 0x10)


def main(argv):
    cmd, path = argv[1], argv[2]
    with open(path, 'rb') as f:
        img = bytearray(f.read())
    if cmd == 'put':
        put(img, int(argv[3], 0), int(argv[4], 0), int(argv[5], 0))
    elif cmd == 'flat':
        at = int(argv[3], 0)
        fmt = struct.unpack_from('<H', img, at)[0]
        struct.pack_into('<H', img, at, fmt & ~0x0e)
        struct.pack_into('<I', img, at + 16, int(argv[4], 0))
    elif cmd == 'tag':
        at = struct.unpack_from('<H', img, SB + 88)[0] * 128
        text = argv[3].encode()[:63]
        img[at:at + 64] = text + b'\0' * (64 - len(text))
    elif cmd == 'devices':
        devices(img, int(argv[3]))
    elif cmd == 'drop-dot':
        drop_dot(img, int(argv[3], 0), int(argv[4], 0))
    else:
        sys.exit('erofs_patch.py: unknown command ' + cmd)
    fix_crc(img)
    with open(path, 'wb') as f:
        f.write(img)


if __name__ == '__main__':
    main(sys.argv)
