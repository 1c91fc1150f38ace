#!/usr/bin/env bash
# Install what the build and the tests need (Debian 12), then configure and
# build in the source tree.  Idempotent: packages already present are not
# fetched again, and an existing build is only brought up to date.
# Usage: scripts/setup.sh [configure options...]   (as root for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	build-essential autoconf automake pkg-config
	liblz4-dev liblzma-dev libzstd-dev libdeflate-dev zlib1g-dev uuid-dev libselinux1-dev libarchive-dev
	bats util-linux kmod attr acl python3 tar gzip xz-utils
	erofs-utils squashfs-tools
	libfuse3-dev fuse3
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure "$@"
make -j"$(nproc)"
