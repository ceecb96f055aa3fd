#!/bin/sh
# Packs the static programs (scripts/static.sh) into the release archives
# dist/imagegather-VERSION.tar.gz and dist/imagegather-VERSION.zip, laid out
# like a cPanel account's home folder:
#
#   public_html/                   the page, with its .htaccess
#   public_html/cgi-bin/           the CGI programs, with their .htaccess
#   imagegather-data/              .htaccess (deny all), imagegather.conf,
#                                  ca-certificates.crt and the same
#                                  certificates hashed in certs/; outside
#                                  the web root
#   cron/                          imagegather-cleanup and crontab.example
#   README.md INSTALL.md BUILD.md LICENSE
#
# Usage: scripts/dist.sh VERSION
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: $0 VERSION}
bin=$top/build/static/bin
name=imagegather-$version
stage=$top/build/dist/$name
out=$top/dist
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

for program in extract.cgi preview.cgi export.cgi stats.cgi imagegather-cleanup; do
	[ -x "$bin/$program" ] || {
		echo "dist: $bin/$program is missing; run scripts/static.sh first" >&2
		exit 1
	}
done
[ -r "$ca_bundle" ] || {
	echo "dist: CA bundle $ca_bundle not found; install Debian's ca-certificates" >&2
	exit 1
}

# Writes every certificate of bundle $1 into folder $2 as HASH.N, the names
# "openssl rehash" gives (subject name hash, then a counter), as plain
# files rather than links so that any unzip tool keeps them.
write_hashed_folder() {
	mkdir -p "$2"
	split_dir=$(mktemp -d)
	awk -v dir="$split_dir" '
		/-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/%04d.pem", dir, n) }
		file { print > file }
		/-----END CERTIFICATE-----/ { close(file); file = "" }
	' "$1"
	for pem in "$split_dir"/*.pem; do
		hash=$(openssl x509 -hash -noout -in "$pem")
		n=0
		while [ -e "$2/$hash.$n" ]; do n=$((n + 1)); done
		cp "$pem" "$2/$hash.$n"
	done
	rm -rf "$split_dir"
}

rm -rf "$stage"
mkdir -p "$stage/public_html/cgi-bin" "$stage/imagegather-data" "$stage/cron" "$out"

cp -R "$top/public_html/." "$stage/public_html/"
cp "$top/htaccess/public_html.htaccess" "$stage/public_html/.htaccess"
cp "$top/htaccess/cgi-bin.htaccess" "$stage/public_html/cgi-bin/.htaccess"
for program in extract preview export stats; do
	cp "$bin/$program.cgi" "$stage/public_html/cgi-bin/$program.cgi"
done
cp "$bin/imagegather-cleanup" "$stage/cron/imagegather-cleanup"
cp "$top/cron/crontab.example" "$stage/cron/crontab.example"

cp "$top/htaccess/imagegather-data.htaccess" "$stage/imagegather-data/.htaccess"
cp "$ca_bundle" "$stage/imagegather-data/ca-certificates.crt"
write_hashed_folder "$ca_bundle" "$stage/imagegather-data/certs"
cat > "$stage/imagegather-data/imagegather.conf" <<'EOF'
# ImageGather configuration. Every key and its default is listed in
# INSTALL.md and README.md. A relative data_dir is relative to this file.
data_dir = .

# Requests per visitor address and clock hour; 0 switches a limit off.
limit_extract_per_hour = 60
limit_preview_per_hour = 3000
limit_export_per_hour = 20

# Hours an export archive is kept before imagegather-cleanup deletes it.
retention_hours = 24

# An https:// address that "imagegather-cleanup --check" fetches to test
# outgoing connections and TLS; leave empty to skip that test.
check_url =
EOF

cp "$top/README.md" "$top/LICENSE" "$stage/"
cp "$top/docs/INSTALL.md" "$top/docs/BUILD.md" "$stage/"

# Programs 0755 and data 0600/0700; nothing is writable by group or others.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage"/public_html/cgi-bin/*.cgi "$stage/cron/imagegather-cleanup"
chmod 0700 "$stage/imagegather-data"
chmod 0600 "$stage"/imagegather-data/*.* "$stage"/imagegather-data/certs/*
chmod 0700 "$stage/imagegather-data/certs"
# Apache reads this .htaccess as the web server's user where suEXEC is off.
chmod 0644 "$stage/imagegather-data/.htaccess"

rm -f "$out/$name.tar.gz" "$out/$name.zip"
(
	cd "$top/build/dist"
	tar --sort=name --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
	zip -qrX "$out/$name.zip" "$name"
)
echo "dist: wrote dist/$name.tar.gz and dist/$name.zip"
