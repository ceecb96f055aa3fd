#!/bin/sh
# Installs ImageGather into a folder laid out like a shared-hosting account
# and runs Apache on 127.0.0.1 over it:
#
#   SITE/public_html/             the page, with htaccess/public_html.htaccess
#   SITE/public_html/cgi-bin/     the programs, with htaccess/cgi-bin.htaccess
#   SITE/imagegather-data/        configuration, secret, store and archives
#
# Usage: serve.sh start [PORT] | stop | install
# Environment (all optional):
#   RUN_DIR      where the site, Apache's configuration and logs go (.run)
#   CGI_DIR      where the built programs are (cgi-bin)
#   CONFIG_EXTRA lines appended to imagegather.conf
#   ALLOW_NETWORKS  allow_networks for the local configuration (127.0.0.0/8 ::1,
#                so the page can be tried on fixture pages served on loopback)
#   APACHE_EXTRA lines appended to Apache's configuration (tests set
#                SetEnv there)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
run_dir=${RUN_DIR:-$top/.run}
cgi_dir=${CGI_DIR:-$top/cgi-bin}
site=$run_dir/site
conf_dir=$run_dir/apache
port=${2:-${PORT:-8080}}

apache_user() {
	if [ "$(id -u)" -eq 0 ]; then echo www-data; else id -un; fi
}

install_site() {
	rm -rf "$site/public_html"
	mkdir -p "$site/public_html/cgi-bin" "$site/imagegather-data"
	cp -R "$top/public_html/." "$site/public_html/"
	cp "$top/htaccess/public_html.htaccess" "$site/public_html/.htaccess"
	cp "$top/htaccess/cgi-bin.htaccess" "$site/public_html/cgi-bin/.htaccess"
	cp "$top/htaccess/imagegather-data.htaccess" "$site/imagegather-data/.htaccess"
	for program in extract preview export stats; do
		install -m 0755 "$cgi_dir/$program.cgi" "$site/public_html/cgi-bin/$program.cgi"
	done
	chmod -R go-w "$site/public_html"
	data=$site/imagegather-data
	{
		echo "# Written by scripts/serve.sh for a local installation."
		echo "data_dir = $data"
		echo "allow_networks = ${ALLOW_NETWORKS-127.0.0.0/8 ::1}"
		if [ -n "${CONFIG_EXTRA:-}" ]; then printf '%s\n' "$CONFIG_EXTRA"; fi
	} > "$data/imagegather.conf"
	chmod 0600 "$data/imagegather.conf"
	chmod 0700 "$data"
	user=$(apache_user)
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$user:$user" "$data"
	fi
}

write_apache_conf() {
	mkdir -p "$conf_dir"
	modules=/usr/lib/apache2/modules
	user=$(apache_user)
	cat > "$conf_dir/httpd.conf" <<CONF
ServerRoot "$conf_dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$conf_dir/httpd.pid"
DefaultRuntimeDir "$conf_dir"
Mutex file:$conf_dir default
ErrorLog "$conf_dir/error.log"
LogLevel warn
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_host_module $modules/mod_authz_host.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authn_file_module $modules/mod_authn_file.so
LoadModule auth_basic_module $modules/mod_auth_basic.so
LoadModule dir_module $modules/mod_dir.so
LoadModule mime_module $modules/mod_mime.so
LoadModule cgid_module $modules/mod_cgid.so
LoadModule headers_module $modules/mod_headers.so
LoadModule env_module $modules/mod_env.so
LoadModule reqtimeout_module $modules/mod_reqtimeout.so
User $user
Group $(id -gn "$user")
ScriptSock "$conf_dir/cgid.sock"
TypesConfig /etc/mime.types
LogFormat "%h %t \"%r\" %>s %b %D" timing
CustomLog "$conf_dir/access.log" timing
TimeOut 300
# mod_reqtimeout: a client gets 20 s for its request headers (up to 40 s
# while it sends at least 500 bytes per second) and 20 s for its body,
# extended by 1 s per 500 bytes received with no maximum. A client that
# dribbles its request is cut off after about 20 s instead of holding a
# worker for TimeOut, while any client sending 500 bytes per second or
# more finishes a body of any size. These are the module's defaults since
# Apache 2.4.39; handshake=0 leaves TLS handshakes, which this site lacks,
# to TimeOut.
RequestReadTimeout handshake=0 header=20-40,MinRate=500 body=20,MinRate=500
StartServers 1
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
DocumentRoot "$site/public_html"
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$site/public_html">
	AllowOverride All
	Options None
	Require all granted
</Directory>
<Directory "$site/imagegather-data">
	AllowOverride All
	Require all denied
</Directory>
CONF
	# Sanitizer builds report through stderr into error.log.
	if [ -n "${ASAN_OPTIONS:-}" ]; then
		echo "SetEnv ASAN_OPTIONS \"$ASAN_OPTIONS\"" >> "$conf_dir/httpd.conf"
		echo "SetEnv UBSAN_OPTIONS \"${UBSAN_OPTIONS:-print_stacktrace=1}\"" >> "$conf_dir/httpd.conf"
	fi
	if [ -n "${APACHE_EXTRA:-}" ]; then
		printf '%s\n' "$APACHE_EXTRA" >> "$conf_dir/httpd.conf"
	fi
	chmod 0755 "$run_dir" "$conf_dir"
}

stop_apache() {
	if [ -f "$conf_dir/httpd.pid" ]; then
		pid=$(cat "$conf_dir/httpd.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		rm -f "$conf_dir/httpd.pid"
	fi
}

start_apache() {
	stop_apache
	/usr/sbin/apache2 -f "$conf_dir/httpd.conf" -k start
	for _ in $(seq 50); do
		[ -f "$conf_dir/httpd.pid" ] && return 0
		sleep 0.1
	done
	echo "Apache did not start; see $conf_dir/error.log" >&2
	exit 1
}

case "${1:-}" in
install)
	install_site
	write_apache_conf
	;;
start)
	install_site
	write_apache_conf
	start_apache
	echo "ImageGather runs at http://127.0.0.1:$port/"
	echo "Logs: $conf_dir/error.log  Stop it with: make stop"
	;;
stop)
	stop_apache
	;;
*)
	echo "usage: $0 start [PORT] | stop | install" >&2
	exit 2
	;;
esac
