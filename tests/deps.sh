#!/bin/sh
# Check that the build dependencies are present; install them where we can.
# Debian/Ubuntu: apt-get (via sudo when not root). macOS: print the
# Homebrew command and stop. Exits non-zero when something is missing.
set -u
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
if [ -z "$missing" ]; then
    for m in libpcre2-8 yaml-0.1 check; do
        pkg-config --exists "$m" 2>/dev/null || missing="$missing $m"
    done
fi
[ -z "$missing" ] && exit 0

echo "trustline: missing build dependencies:$missing" >&2
if [ "$(uname -s)" = Darwin ]; then
    echo "trustline: install them with:" >&2
    echo "    brew install pcre2 libyaml check pkg-config" >&2
    exit 1
fi
if command -v apt-get >/dev/null 2>&1; then
    pkgs="libpcre2-dev libyaml-dev check pkg-config"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
        echo "trustline: run as root: apt-get install -y $pkgs" >&2
        exit 1
    fi
    echo "trustline: installing: $sudo apt-get install -y $pkgs" >&2
    $sudo apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $pkgs >&2 || {
        echo "trustline: apt-get failed; install by hand: apt-get install -y $pkgs" >&2
        exit 1
    }
    exit 0
fi
echo "trustline: install PCRE2 (with JIT), libyaml, Check and pkg-config with your package manager" >&2
exit 1
