#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gentree.sh - build a hostile source tree for the mkfs.erofs tests.
#
# Usage: gentree.sh [OPTIONS] DIR
#   --no-root      skip everything that needs root (device nodes, chown,
#                  unreadable entries, trusted. and security. xattrs,
#                  security.capability); implied when not running as root
#   --no-huge      skip the 5 GiB sparse file
#   --no-longname  skip the 255-byte file name (erofs-utils 1.5 tools
#                  cannot handle it)
#   --no-socket    skip the UNIX socket
#   --no-xattr     skip the extended attributes and ACLs (by default the
#                  generator fails if the filesystem of DIR refuses them)
#   --small        only a handful of entries (quick smoke trees)
#
# DIR must not exist or be empty.  The result is fully deterministic: file
# contents come from seeded generators, and every entry's mtime is set
# explicitly, directories last, so two runs produce trees that compare
# equal (atime/ctime and inode numbers aside).  Prints nothing on success.
set -eu

no_root=0 no_huge=0 no_longname=0 no_socket=0 no_xattr=0 small=0
dir=
while [ $# -gt 0 ]; do
	case $1 in
	--no-root) no_root=1 ;;
	--no-huge) no_huge=1 ;;
	--no-longname) no_longname=1 ;;
	--no-socket) no_socket=1 ;;
	--no-xattr) no_xattr=1 ;;
	--small) small=1 ;;
	-h|--help) sed -n '4,21p' "$0"; exit 0 ;;
	-*) echo "gentree.sh: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$dir" ] || { echo "gentree.sh: one DIR only" >&2; exit 2; }
	   dir=$1 ;;
	esac
	shift
done
[ -n "$dir" ] || { echo "usage: gentree.sh [--no-root] [--no-huge] [--no-longname] [--no-socket] [--no-xattr] [--small] DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || no_root=1

mkdir -p -- "$dir"
if [ -n "$(ls -A -- "$dir")" ]; then
	echo "gentree.sh: $dir is not empty" >&2
	exit 2
fi
cd -- "$dir"
export LC_ALL=C

# A 256-byte table holding every byte value once, kept outside the tree.
table=$(mktemp)
trap 'rm -f "$table"' EXIT
i=0
while [ $i -lt 256 ]; do
	printf "\\$(printf '%03o' $i)"
	i=$((i + 1))
done >"$table"

# fill SEED SIZE: SIZE deterministic bytes, different for every SEED:
# numbered text lines interleaved with raw binary (NUL bytes included).
fill() {
	local seed=$1 size=$2 n=0
	[ "$size" -gt 0 ] || return 0
	{
		while :; do
			# stop once head has had enough and the pipe is closed
			seq -f "$seed/%07g:" $((n * 97)) $((n * 97 + 96 + seed % 13)) || break
			tail -c $((256 - (seed + n) % 256)) "$table" || break
			n=$((n + 1))
		done
	} 2>/dev/null | head -c "$size" || true
}

# mkfile PATH SIZE SEED
mkfile() {
	fill "$3" "$2" >"$1"
	# Paranoia: the generator must produce exactly SIZE bytes.
	[ "$(stat -c %s -- "$1")" = "$2" ] || {
		echo "gentree.sh: short fill for $1" >&2; exit 1; }
}

# mtime TIME PATH... (TIME accepts @SECONDS[.NANOSECONDS])
mtime() {
	local t=$1
	shift
	touch -h -d "$t" -- "$@"
}

# Entries whose mtime differs from the default; applied after the default
# pass.  Parallel arrays: path, time.
special_path=()
special_time=()
later_mtime() {
	special_time+=("$1")
	special_path+=("$2")
}

##### regular files #####
mkdir files
seed=1
for size in 0 1 511 512 513 4095 4096 4097 8191 8192 65537; do
	mkfile "files/size_$size" "$size" "$seed"
	seed=$((seed + 1))
done
head -c 8192 /dev/zero >files/zeros_8192        # all-zero data, not a hole
printf 'hello, erofs\n' >files/hello
later_mtime @1234567890.123456789 files/size_4097
later_mtime @1234567890.000000001 files/size_1
later_mtime @1234567890.999999999 files/size_8191

if [ $small = 1 ]; then
	mkdir -p sub/inner
	printf 'x' >sub/inner/x
	ln -s ../files/hello sub/link
	ln files/hello sub/hello_hl
	later_mtime @1300000000.5 sub
else

##### sparse files #####
mkdir sparse
truncate -s 1M sparse/hole_only                 # nothing but a hole
# data, hole, data, hole at the end
fill 101 5000 >sparse/holes
fill 102 3000 | dd of=sparse/holes bs=1 seek=$((1024 * 1024 + 100)) conv=notrunc status=none
fill 103 4096 | dd of=sparse/holes bs=4096 seek=700 conv=notrunc status=none
truncate -s 4M sparse/holes
# hole first, then data in one block at an unaligned offset
truncate -s 2M sparse/hole_first
fill 104 10 | dd of=sparse/hole_first bs=1 seek=$((1536 * 1024 + 7)) conv=notrunc status=none
if [ $no_huge = 0 ]; then
	# > 4 GiB with data in the middle, across the 4 GiB line and at the end
	truncate -s 5G sparse/huge
	fill 105 65536 | dd of=sparse/huge bs=1M seek=2560 conv=notrunc status=none
	fill 106 8192 | dd of=sparse/huge bs=1 seek=$((4 * 1024 * 1024 * 1024 - 4000)) conv=notrunc status=none
	fill 107 4097 | dd of=sparse/huge bs=1 seek=$((5 * 1024 * 1024 * 1024 - 4097)) conv=notrunc status=none
	[ "$(stat -c %s sparse/huge)" = $((5 * 1024 * 1024 * 1024)) ]
fi

##### symlinks #####
mkdir links
ln -s ../files/size_1 links/rel
ln -s /etc/passwd links/abs
ln -s does/not/exist links/dangling
ln -s ../files links/to_dir
ln -s self links/self                           # a loop
ln -s x links/short                             # 1-byte target, dangling
long_target=$(printf 'L%.0s' $(seq 1 4000))/$(printf 'q%.0s' $(seq 1 94))
[ ${#long_target} = 4095 ]
ln -s "$long_target" links/long_4095            # longest legal target
later_mtime @1111111111.25 links/rel
later_mtime @999999999 links/dangling

##### hard links #####
mkdir hard hard/other
mkfile hard/a 3000 201
ln hard/a hard/b                                # same directory
ln hard/a hard/other/c                          # across directories
mkfile hard/triple 100 202
ln hard/triple hard/triple2
ln hard/triple hard/other/triple3
: >hard/empty
ln hard/empty hard/empty2                       # hardlinked empty file
ln -s ../files/hello hard/sym
ln -P hard/sym hard/sym_hl                      # hardlinked symlink
mkfifo hard/fifo
ln hard/fifo hard/other/fifo_hl                 # hardlinked FIFO
later_mtime @1400000000.75 hard/a

##### special files #####
mkdir special
mkfifo special/fifo
mkfifo -m 0600 special/fifo_0600
if [ $no_socket = 0 ]; then
	if command -v python3 >/dev/null 2>&1; then
		(cd special && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")')
	else
		echo "gentree.sh: python3 not found, no UNIX socket in the tree" >&2
	fi
fi
if [ $no_root = 0 ]; then
	mknod special/null c 1 3
	mknod special/chr_zero c 0 0                # what overlayfs calls a whiteout
	mknod special/chr_big c 4000 1000000        # needs the 32-bit new_encode_dev
	mknod special/chr_maxminor c 4095 1048575
	mknod special/blk b 7 0
	mknod special/blk_big b 259 65536
	mknod -m 0600 special/blk_private b 8 1
	mknod special/chr_hl c 10 200
	ln special/chr_hl special/chr_hl2           # hardlinked device
	later_mtime @1500000000.5 special/chr_big
fi

##### modes #####
mkdir modes
for m in 4755 2755 6755 1755 7777 0644 0600 0444 0001 0755 4000 2000; do
	# without root, mkfs has to read the file back: keep it owner-readable
	[ $no_root = 1 ] && m=$(printf '%04o' $((8#$m | 8#400)))
	mkfile "modes/f$m" 10 $((300 + 10#$m % 97))
	chmod "$m" "modes/f$m"
done
mkdir modes/sticky_dir modes/setgid_dir modes/all_dir modes/private_dir
chmod 1777 modes/sticky_dir
chmod 2775 modes/setgid_dir
chmod 7777 modes/all_dir
chmod 0700 modes/private_dir
printf 'in sticky\n' >modes/sticky_dir/f
if [ $no_root = 0 ]; then
	# Unreadable for everybody but root; deferred chmod below.
	mkfile modes/f0000 10 399
	chmod 0000 modes/f0000
	mkdir modes/dir0000
	printf 'locked away\n' >modes/dir0000/inside
fi

##### owners #####
if [ $no_root = 0 ]; then
	mkdir owners
	for pair in 0:0 1:1 1000:1000 65534:65534 65535:65535 65536:65536 \
	    70000:100 100:70000 123456789:987654321 4294967294:4294967294; do
		f=owners/u${pair%%:*}_g${pair##*:}
		mkfile "$f" 7 $((400 + ${#pair}))
		chown "$pair" "$f"
	done
	mkdir owners/dir_big
	chown 200000:300000 owners/dir_big
	ln -s target owners/link_big
	chown -h 131072:131073 owners/link_big
	mkfifo owners/fifo_big
	chown 99999:99999 owners/fifo_big
fi

##### times #####
mkdir times
for t in ns:@1234567890.123456789 pre1970:@-1234567.5 pre1970s:@-86400 \
    epoch:@0 y2038:@2147483647 y2038p1:@2147483648 u32max:@4294967295 \
    future:@5000000000.000000042 half:@1600000000.5 onens:@1600000000.000000001; do
	printf '%s\n' "${t%%:*}" >"times/${t%%:*}"
	later_mtime "${t#*:}" "times/${t%%:*}"
done
mkdir times/dir_ns
later_mtime @1333333333.333333333 times/dir_ns
ln -s ns times/link_ns
later_mtime @1222222222.222222222 times/link_ns

##### names #####
mkdir names
printf 1 >names/a
printf 2 >'names/with space'
printf 3 >'names/ leading'
printf 4 >'names/trailing '
printf 5 >"names/new
line"
printf 6 >"names/$(printf 'bad\xff\xfe')"
printf 7 >"names/$(printf '\xc3\xa9t\xc3\xa9')"   # UTF-8
printf 8 >'names/-dash'
printf 9 >'names/...'
printf 10 >'names/.hidden'
printf 11 >"names/$(printf 'tab\there')"
printf 12 >'names/back\slash'
printf 13 >'names/*?[glob]'
printf 14 >"names/$(printf '\001\002\037\177')"
mkdir "names/dir
with newline"
printf 15 >"names/dir
with newline/$(printf '\xff')"
if [ $no_longname = 0 ]; then
	n255=$(printf 'N%.0s' $(seq 1 250))_long
	[ ${#n255} = 255 ]
	printf 16 >"names/$n255"
	mkdir "names/D$(printf 'd%.0s' $(seq 1 254))"
fi

##### big directory: 3000+ entries, several blocks even at 4 KiB #####
mkdir bigdir
i=0
while [ $i -lt 3100 ]; do
	# names of varying length; every 7th entry a directory, every 11th a symlink
	name=$(printf 'e%04d_%.*s' $i $((i % 40)) 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN')
	if [ $((i % 7)) = 0 ]; then
		mkdir "bigdir/$name"
	elif [ $((i % 11)) = 0 ]; then
		ln -s "t$i" "bigdir/$name"
	else
		printf '%d\n' $i >"bigdir/$name"
	fi
	i=$((i + 1))
done

##### deep path #####
p=deep
for i in $(seq 1 64); do
	p=$p/level_$(printf '%02d' $i)_xxxxxxxxxxxxxxxxxxxxxxxxxxxx
done
mkdir -p "$p"
printf 'bottom\n' >"$p/bottom"

mkdir empty_dir

fi # small

##### extended attributes #####
# What the kernel allows where: user.* on regular files and directories
# only; trusted.* and security.* (security.capability too) need root and
# go on symlinks as well; an ACL is its owner's to set.
if [ $no_xattr = 0 ]; then
	# hex VALUE-SEED SIZE: a setfattr value of SIZE generated bytes
	hex() {
		printf '0x'
		fill "$1" "$2" | od -An -v -tx1 | tr -d ' \n'
	}
	mkdir xattrs xattrs/dir xattrs/shared
	mkfile xattrs/sizes 100 501
	setfattr -n user.empty xattrs/sizes 2>/dev/null || {
		echo "gentree.sh: $dir takes no user.* xattrs (use --no-xattr)" >&2
		exit 1; }
	setfattr -n user.one -v x xattrs/sizes
	for size in 17 255 256 1000; do
		setfattr -n "user.len_$size" -v "$(hex $size "$size")" xattrs/sizes
	done
	# alone on its inode: ext4 keeps all of an inode's xattrs in one block
	mkfile xattrs/long 10 504
	setfattr -n user.long -v "$(hex 3000 3000)" xattrs/long
	setfattr -n user.text -v 'a value with spaces' xattrs/dir
	setfacl -m u:1234:rwx,g:55:r-x xattrs/dir
	setfacl -d -m u:1234:rx,g:55:rx xattrs/dir
	mkfile xattrs/acl 10 502
	setfacl -m u:1234:rw-,g:55:r-- xattrs/acl
	# the same pairs on many inodes (files and directories): shared xattrs
	i=0
	while [ $i -lt $([ $small = 1 ] && echo 4 || echo 40) ]; do
		if [ $((i % 5)) = 4 ]; then
			mkdir "xattrs/shared/d$i"
		else
			printf '%d\n' $i >"xattrs/shared/f$i"
		fi
		setfattr -n user.shared -v 'carried by every entry here' "xattrs/shared/"*"$i"
		setfattr -n user.pair -v "$((i % 2))" "xattrs/shared/"*"$i"
		i=$((i + 1))
	done
	if [ $no_root = 0 ]; then
		mkfile xattrs/cap 10 503
		setcap cap_net_raw,cap_net_bind_service+ep xattrs/cap
		setfattr -n trusted.erofs_test -v 0x00ff00 xattrs/sizes
		setfattr -n security.erofs_test -v label xattrs/dir
		ln -s sizes xattrs/link
		setfattr -h -n trusted.link -v "on a symlink" xattrs/link
		setfattr -h -n security.link -v 0x01 xattrs/link
	fi
fi

##### mtimes: a default for everything, specials on top, dirs deepest first #####
find . -depth ! -type d -exec touch -h -d @1600000000 -- {} +
idx=0
while [ $idx -lt ${#special_path[@]} ]; do
	mtime "${special_time[$idx]}" "${special_path[$idx]}"
	idx=$((idx + 1))
done
# Directories: default time, a few with nanoseconds.  touch does not change
# the parent's mtime, so order does not matter once the content is final.
find . -depth -type d -exec touch -h -d @1600000100.5 -- {} +
for d in files hard/other names bigdir; do
	[ -d "$d" ] && mtime @1444444444.444444444 "$d"
done
[ -d modes/sticky_dir ] && mtime @-31536000 modes/sticky_dir   # 1969
[ -d times/dir_ns ] && mtime @1333333333.333333333 times/dir_ns
if [ -d modes/dir0000 ]; then
	chmod 0000 modes/dir0000
	mtime @1600000100.5 modes/dir0000 modes
fi
chmod 0755 .
mtime @1555555555.555555555 .
exit 0
