#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Recompute the superblock checksum of an EROFS image in place, so that a
# corruption planted in block 0 is seen for itself, not as a bad checksum.
import struct
import sys

def crc32c(data, crc=0xFFFFFFFF):
    # bitwise CRC-32C (poly 0x82F63B78), no final inversion, as EROFS uses
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc

def main(path):
    with open(path, 'r+b') as f:
        f.seek(1024)
        sb = bytearray(f.read(16))
        blksz = 1 << sb[12]
        length = blksz - 1024 if blksz > 1024 else blksz
        f.seek(1024)
        area = bytearray(f.read(length))
        area[4:8] = b'\0\0\0\0'
        f.seek(1028)
        f.write(struct.pack('<I', crc32c(area)))

if __name__ == '__main__':
    main(sys.argv[1])
