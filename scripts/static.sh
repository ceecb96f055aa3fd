#!/bin/sh
# Builds the ImageGather programs as static musl executables that run on any
# x86_64 Linux host without its shared libraries.
#
# Usage: scripts/static.sh [libs|programs|all]   (default: all)
#
# The libraries (zlib, OpenSSL, libcurl, tidy-html5, GDBM, libseccomp,
# libidn2) are built from Debian 12's source packages, with Debian's patches
# applied by dpkg-source, into build/static/. Each finished step leaves a
# stamp file, so a second run only recompiles the programs and takes
# seconds. docs/BUILD.md lists the versions and the options.
#
# Needs: musl-tools, dpkg-dev, cmake, perl, make, gperf. Without a source
# index for Debian 12, the script run as root adds the deb-src entries in
# /etc/apt/sources.list.d/imagegather-src.sources and runs "apt-get update".
# Run as another user, it needs "apt-get source" to work already.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
static=$top/build/static
downloads=$static/downloads
work=$static/work
prefix=$static/prefix
stamps=$static/stamps
kernel_headers=$static/kernel-headers
jobs=$(nproc 2>/dev/null || echo 2)

CC_MUSL=${CC_MUSL:-musl-gcc}
HARDEN="-O2 -fstack-protector-strong"

# Runs "$2" with errexit in a background subshell so that the first failing
# command stops it (errexit is ignored in a subshell followed by "||"), with
# its output in $static/$1.log.
run_step() {
	( set -e; "$2" ) > "$static/$1.log" 2>&1 &
	wait $! || fail "$1 failed; the last lines of $static/$1.log:
$(tail -n 15 "$static/$1.log")"
}

log() {
	echo "static: $*" >&2
}

fail() {
	echo "static: error: $*" >&2
	exit 1
}

check_tools() {
	for tool in "$CC_MUSL" dpkg-source cmake perl make ar gperf; do
		command -v "$tool" >/dev/null 2>&1 ||
			fail "$tool not found; install Debian's musl-tools, dpkg-dev, cmake, perl, make and gperf"
	done
}

# Adds Debian 12's source index when root and no deb-src entry exists yet.
ensure_source_index() {
	if apt-cache showsrc zlib 2>/dev/null | grep -q '^Version:'; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] ||
		fail "no deb-src entry for Debian 12; run this script as root once, or add one"
	log "adding deb-src entries for bookworm"
	cat > /etc/apt/sources.list.d/imagegather-src.sources <<'EOF'
# Added by ImageGather's scripts/static.sh to build static programs.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get update >&2
}

# Downloads and unpacks source package $1 into $work/$1, patched. Tries the
# newest version first and falls back to older ones, because a mirror may
# lack the files of the newest security upload.
fetch_source() {
	package=$1
	[ -f "$stamps/source-$package" ] && return 0
	mkdir -p "$downloads/$package" "$stamps"
	versions=$(apt-cache showsrc "$package" | sed -n 's/^Version: //p' |
		sort -u | sort -r -V)
	[ -n "$versions" ] || fail "apt-cache showsrc $package lists no version"
	for version in $versions; do
		rm -rf "$downloads/$package"/*
		if (cd "$downloads/$package" &&
			apt-get source --download-only "$package=$version" >/dev/null 2>&1); then
			rm -rf "$work/$package"
			mkdir -p "$work"
			dpkg-source --no-check -x "$downloads/$package"/*.dsc "$work/$package" >/dev/null ||
				fail "dpkg-source could not unpack $package $version"
			echo "$version" > "$stamps/source-$package"
			log "$package $version unpacked"
			return 0
		fi
		log "$package $version could not be downloaded; trying an older version"
	done
	fail "no version of the source package $package could be downloaded"
}

# musl ships no kernel headers; libcurl and OpenSSL include a few of them
# (linux/tcp.h and the like), so a folder of links to Debian's copies is
# added to the include path.
make_kernel_headers() {
	mkdir -p "$kernel_headers"
	multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	ln -sfn /usr/include/linux "$kernel_headers/linux"
	ln -sfn "/usr/include/$multiarch/asm" "$kernel_headers/asm"
	ln -sfn /usr/include/asm-generic "$kernel_headers/asm-generic"
	[ -f "$kernel_headers/linux/tcp.h" ] ||
		fail "kernel headers not found in /usr/include/linux; install linux-libc-dev"
}

build_zlib() {
	[ -f "$stamps/zlib" ] && return 0
	fetch_source zlib
	log "building zlib"
	zlib_steps() {
		cd "$work/zlib"
		CC=$CC_MUSL CFLAGS="$HARDEN -fPIE" ./configure --static --prefix="$prefix"
		make -j"$jobs" libz.a
		make install
	}
	run_step zlib zlib_steps
	touch "$stamps/zlib"
}

build_openssl() {
	[ -f "$stamps/openssl" ] && return 0
	fetch_source openssl
	log "building OpenSSL (about two minutes)"
	openssl_steps() {
		cd "$work/openssl"
		# OPENSSLDIR is Debian's, so OpenSSL's built-in default CA paths
		# (/etc/ssl/certs) match the usual system layout.
		CC=$CC_MUSL ./Configure linux-x86_64 --prefix="$prefix" --libdir=lib \
			--openssldir=/etc/ssl no-shared no-engine no-legacy no-module \
			no-dso no-tests no-autoload-config \
			-I"$kernel_headers" -fPIE $HARDEN
		make -j"$jobs" build_libs
		make install_dev
	}
	run_step openssl openssl_steps
	touch "$stamps/openssl"
}

build_curl() {
	[ -f "$stamps/curl" ] && return 0
	fetch_source curl
	log "building libcurl"
	curl_steps() {
		cd "$work/curl"
		[ -x configure ] || autoreconf -fi
		CC=$CC_MUSL CPPFLAGS="-I$kernel_headers" CFLAGS="$HARDEN -fPIE" \
		LDFLAGS="-L$prefix/lib" PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
		./configure --prefix="$prefix" --disable-shared --enable-static \
			--with-openssl="$prefix" --with-zlib="$prefix" \
			--disable-openssl-auto-load-config --enable-threaded-resolver \
			--enable-http --disable-ftp --disable-file --disable-ldap \
			--disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
			--disable-tftp --disable-pop3 --disable-imap --disable-smb \
			--disable-smtp --disable-gopher --disable-mqtt --disable-manual \
			--disable-docs --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth \
			--without-libpsl --without-brotli --without-zstd --without-nghttp2 \
			--without-libidn2 --without-librtmp --without-libssh2 \
			--without-libgsasl --without-ca-bundle --without-ca-path \
			--with-ca-fallback
		make -j"$jobs" -C lib
		make -C lib install
		make -C include install
		make install-pkgconfigDATA
	}
	run_step curl curl_steps
	touch "$stamps/curl"
}

# libidn2 converts international host names (src/urlhost.c). Debian's
# package links the system libunistring. Under musl the configure script
# finds none and builds the subset bundled in unistring/, which libidn2.a
# then contains.
build_idn2() {
	[ -f "$stamps/idn2" ] && return 0
	fetch_source libidn2
	log "building libidn2"
	idn2_steps() {
		cd "$work/libidn2"
		CC=$CC_MUSL CFLAGS="$HARDEN -fPIE" ./configure --prefix="$prefix" \
			--disable-shared --enable-static --disable-nls --disable-doc \
			--disable-valgrind-tests --disable-rpath
		make -j"$jobs" -C gl
		make -j"$jobs" -C unistring
		make -j"$jobs" -C lib
		make -C lib install-libLTLIBRARIES install-includeHEADERS
	}
	run_step idn2 idn2_steps
	touch "$stamps/idn2"
}

build_tidy() {
	[ -f "$stamps/tidy" ] && return 0
	fetch_source tidy-html5
	log "building tidy-html5"
	tidy_steps() {
		rm -rf "$work/tidy-build"
		mkdir -p "$work/tidy-build"
		cd "$work/tidy-build"
		cmake "$work/tidy-html5" -DCMAKE_C_COMPILER="$CC_MUSL" \
			-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$HARDEN -fPIE" \
			-DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIB=OFF \
			-DSUPPORT_CONSOLE_APP=OFF -DSUPPORT_LOCALIZATIONS=OFF
		make -j"$jobs"
		make install
		# Debian installs the headers under tidy/, as the sources include them.
		mkdir -p "$prefix/include/tidy"
		cp "$prefix"/include/tidy*.h "$prefix/include/tidy/"
	}
	run_step tidy tidy_steps
	touch "$stamps/tidy"
}

build_gdbm() {
	[ -f "$stamps/gdbm" ] && return 0
	fetch_source gdbm
	log "building GDBM"
	gdbm_steps() {
		cd "$work/gdbm"
		CC=$CC_MUSL CFLAGS="$HARDEN -fPIE" ./configure --prefix="$prefix" \
			--disable-shared --enable-static --without-readline --disable-nls
		make -j"$jobs" -C src libgdbm.la
		make -C src install-libLTLIBRARIES install-nodist_includeHEADERS
	}
	run_step gdbm gdbm_steps
	touch "$stamps/gdbm"
}

build_seccomp() {
	[ -f "$stamps/seccomp" ] && return 0
	fetch_source libseccomp
	log "building libseccomp"
	seccomp_steps() {
		cd "$work/libseccomp"
		[ -x configure ] || autoreconf -fi
		CC=$CC_MUSL CPPFLAGS="-I$kernel_headers" CFLAGS="$HARDEN -fPIE" \
		./configure --prefix="$prefix" --disable-shared --enable-static \
			--disable-python
		make -j"$jobs" -C src libseccomp.la
		make -C src install-libLTLIBRARIES
		make -C include install-includeHEADERS
	}
	run_step seccomp seccomp_steps
	touch "$stamps/seccomp"
}

build_libs() {
	check_tools
	if [ ! -f "$stamps/zlib" ] || [ ! -f "$stamps/openssl" ] || [ ! -f "$stamps/curl" ] ||
		[ ! -f "$stamps/tidy" ] || [ ! -f "$stamps/gdbm" ] || [ ! -f "$stamps/seccomp" ] ||
		[ ! -f "$stamps/idn2" ]; then
		ensure_source_index
	fi
	mkdir -p "$static" "$stamps"
	make_kernel_headers
	build_zlib
	build_openssl
	build_curl
	build_tidy
	build_gdbm
	build_seccomp
	build_idn2
}

# Compiles the project's sources with musl and links each program with -static.
# (musl-gcc -static-pie produces a program that still asks for the dynamic
# loader, so plain -static is used.)
build_programs() {
	check_tools
	for stamp in zlib openssl curl tidy gdbm seccomp idn2; do
		[ -f "$stamps/$stamp" ] || fail "the libraries are not built; run $0 libs"
	done
	tidy_lib=$(ls "$prefix"/lib/libtidy*.a 2>/dev/null | head -n 1)
	[ -n "$tidy_lib" ] || fail "no static tidy library in $prefix/lib"
	cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra
		-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings
		$HARDEN -DCURL_STATICLIB -isystem $prefix/include -isystem $kernel_headers"
	libs="-L$prefix/lib -lcurl -lssl -lcrypto -lz $tidy_lib -lgdbm -lseccomp -lidn2"
	obj=$static/obj
	bin=$static/bin
	mkdir -p "$obj" "$bin"
	objects=""
	for source in "$top"/src/*.c; do
		name=$(basename "$source" .c)
		case $name in main_*) continue ;; esac
		object=$obj/$name.o
		if [ ! -f "$object" ] || [ -n "$(find "$source" "$top"/src/*.h -newer "$object" 2>/dev/null | head -n 1)" ]; then
			# shellcheck disable=SC2086
			$CC_MUSL $cflags -c -o "$object" "$source"
		fi
		objects="$objects $object"
	done
	rm -f "$obj/libimagegather.a"
	# shellcheck disable=SC2086
	ar rcs "$obj/libimagegather.a" $objects
	for main in "$top"/src/main_*.c; do
		name=$(basename "$main" .c)
		name=${name#main_}
		case $name in
		cleanup) output=$bin/imagegather-cleanup ;;
		*) output=$bin/$name.cgi ;;
		esac
		# shellcheck disable=SC2086
		$CC_MUSL $cflags -static -o "$output" "$main" "$obj/libimagegather.a" $libs
		strip "$output"
		chmod 0755 "$output"
	done
	log "programs in $bin"
}

case "${1:-all}" in
libs) build_libs ;;
programs) build_programs ;;
all) build_libs; build_programs ;;
*) echo "usage: $0 [libs|programs|all]" >&2; exit 2 ;;
esac
