#!/bin/sh
# Installs the Debian packages that building and testing confab need,
# when any of them is missing.  Prints nothing when all are present.
#
# node and npm: any `node` on the PATH will do (a NodeSource or nvm
# install is fine); Debian's nodejs and npm are installed only when
# there is no `node` at all.
set -eu

PKGS="build-essential pkg-config libevent-dev libhiredis-dev libcjson-dev
libnng-dev libjwt-dev libhttp-parser-dev libssl-dev
libsystemd-dev check redis-server mandoc clang libclang-rt-14-dev"

if ! command -v node >/dev/null 2>&1; then
	PKGS="$PKGS nodejs"
	command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
elif ! command -v npm >/dev/null 2>&1; then
	PKGS="$PKGS npm"
fi

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps.sh: missing packages:$missing; run as root or install sudo" >&2
		exit 1
	fi
fi

echo "deps.sh: installing:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $missing
