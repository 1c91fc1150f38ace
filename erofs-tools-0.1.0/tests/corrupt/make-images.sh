#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the golden corrupt images into OUTDIR, deterministically: a fixed
# tree, a fixed timestamp and UUID, then specific bytes patched with dd.
# Offsets are found with our dump.erofs so the script follows the layout the
# chosen mkfs produced.  Each case's expected message is in expect.txt.
#
# usage: make-images.sh OUTDIR DUMP [MKFS]
#   DUMP  our dump.erofs (to locate inodes and directory blocks)
#   MKFS  the mkfs.erofs to build with (default /usr/bin/mkfs.erofs)
set -eu

out=$1
dump=$2
mkfs=${3:-/usr/bin/mkfs.erofs}
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$out"
src=$out/tree
rm -rf "$src"
mkdir -p "$src/sub/deeper"
printf 'hello\n' > "$src/a.txt"
seq 1 1200 > "$src/big.bin"		# 4893 bytes: one block + a tail
printf 'deep\n' > "$src/sub/deeper/f"
printf 'x\n' > "$src/sub/x"
ln -s a.txt "$src/link"
find "$src" -exec touch -h -d @0 {} +

# Debian's erofs-utils 1.5 wants a UUID string; ours also takes "clear".
if "$mkfs" --help 2>&1 | grep -q 'clear'; then
	uuid=clear
else
	uuid=00000000-0000-0000-0000-000000000000
fi
"$mkfs" -T 0 -U "$uuid" "$out/base.img" "$src" >/dev/null 2>&1

# put LEN bytes (given as printf escapes) at OFFSET of IMAGE
patch() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# little-endian 16/32-bit fields as printf escapes
le16() { printf '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
	$(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

# image offsets, read back from our own dump.erofs
inode_off() { "$dump" --path="$2" "$1" | sed -n 's/^Inode:.* at offset //p'; }
nid_of() { "$dump" --path="$2" "$1" | sed -n 's/^NID: *//p'; }
# physical offset of the first block of directory $2
dir_off() { "$dump" -e --path="$2" "$1" | awk 'NR == 2 { print $4 }'; }
# offset of dirent number N (0-based, on-disk order) of directory $2
dirent_off() { echo $(( $(dir_off "$1" "$2") + 12 * $3 )); }
# on-disk index of entry NAME in directory DIR
dirent_idx() {
	"$dump" --ls --path="$2" "$1" | awk -v n="$3" 'NR > 1 && $3 == n { print NR - 2 }'
}

new() { cp "$out/base.img" "$out/$1.img"; echo "$out/$1.img"; }
: > "$out/expect.txt"
expect() { printf '%s\t%s\n' "$1" "$2" >> "$out/expect.txt"; }

b=$out/base.img

# 1. bad magic
img=$(new bad-magic); patch "$img" 1024 '\x00\x00\x00\x00'
expect bad-magic 'bad magic 0x00000000'

# 2. bad checksum: a reserved superblock byte changed, checksum left alone
img=$(new bad-checksum); patch "$img" $((1024 + 140)) '\x5a'
expect bad-checksum 'bad checksum'

# 3. truncated: half the blocks the superblock claims
img=$(new truncated); truncate -s $(( $(stat -c %s "$b") / 2 )) "$img"
expect truncated 'image truncated'

# 4. an entry pointing at an inode far past the end
img=$(new inode-past-end)
patch "$img" "$(dirent_off "$b" / "$(dirent_idx "$b" / a.txt)")" "$(le32 0x00ffffff)"
expect inode-past-end 'inode lies past the end of the image'

# 5. the first dirent's nameoff pointing out of its block
img=$(new nameoff-out)
patch "$img" $(( $(dirent_off "$b" / 0) + 8 )) "$(le16 0x7ff0)"
expect nameoff-out 'first nameoff out of its block'

# 6. a cycle: /sub/deeper made to point back at the root
img=$(new dir-cycle)
patch "$img" "$(dirent_off "$b" /sub "$(dirent_idx "$b" /sub deeper)")" \
	"$(le32 "$(nid_of "$b" /)")"
expect dir-cycle 'directory reached a second time'

# 7. an absurd i_size (compact inode: 4 GiB - 1) on a 1-block file
img=$(new absurd-size)
off=$(inode_off "$b" /big.bin)
if [ "$("$dump" --path=/big.bin "$b" | sed -n 's/^Inode: *\([a-z]*\).*/\1/p')" = extended ]; then
	patch "$img" $((off + 8)) '\xff\xff\xff\xff\xff\xff\xff\x0f'
else
	patch "$img" $((off + 8)) '\xff\xff\xff\xff'
fi
expect absurd-size 'needs blocks'

# 8. a name with '/': "a.txt" becomes "a/txt" (still sorted)
img=$(new slash-name)
off=$(dirent_off "$b" / "$(dirent_idx "$b" / a.txt)")
nameoff=$(od -An -tu2 -j $((off + 8)) -N2 "$b" | tr -d ' ')
patch "$img" $(( $(dir_off "$b" /) + nameoff + 1 )) '/'
expect slash-name "contains '/'"

# patches inside block 0 must not show up as a bad checksum instead
for c in inode-past-end nameoff-out dir-cycle absurd-size slash-name; do
	python3 "$here/sbcrc.py" "$out/$c.img"
done
