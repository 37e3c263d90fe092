# shellcheck shell=bash
# A throwaway PostgreSQL server for tests, shared by scripts/test and
# scripts/with-postgres. Sourced, not executed.
#
#   pg_start   find (or, as root, install) the binaries, start a server in a
#              temp dir on a free loopback port, export ORTAQ_TEST_POSTGRES_URL,
#              and stop it and delete its files when the shell exits.
#              Returns 1, having said why, when PostgreSQL cannot be had.

# shellcheck source=scripts/lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

_pg_tmp=  # the temp dir: data/, the socket, the log
_pg_bin=

# Newest installed major version: Debian puts each under /usr/lib/postgresql/N.
_pg_find_bin() {
	local dir
	dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	[[ -n $dir && -x $dir/initdb ]] && _pg_bin=$dir
}

# PostgreSQL refuses to run as root, so as root its commands run as the
# postgres user (created by the Debian package), from a directory it can read.
_pg_run() {
	if is_root; then
		(cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
	else
		"$@"
	fi
}

# A port nobody listens on: connecting to it through bash's /dev/tcp fails.
_pg_free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

pg_stop() {
	[[ -n $_pg_tmp ]] || return 0
	_pg_run "$_pg_bin/pg_ctl" -D "$_pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$_pg_tmp"
	echo "PostgreSQL stopped, $_pg_tmp removed"
	_pg_tmp=
}

pg_start() {
	if ! _pg_find_bin; then
		if is_root; then
			apt_install postgresql || { echo "!!! apt-get install postgresql failed" >&2; return 1; }
			_pg_find_bin || { echo "!!! no initdb under /usr/lib/postgresql/*/bin after installing" >&2; return 1; }
		else
			echo "!!! PostgreSQL not found under /usr/lib/postgresql/*/bin and not root to install it" >&2
			echo "!!! (sudo apt-get install postgresql, or set ORTAQ_TEST_POSTGRES_URL)" >&2
			return 1
		fi
	fi

	local port
	port=$(_pg_free_port) || { echo "!!! no free port for PostgreSQL" >&2; return 1; }
	# Directly in /tmp, not $TMPDIR: the postgres user must reach it, and a
	# Unix socket path may not exceed 107 bytes.
	_pg_tmp=$(mktemp -d /tmp/ortaq-pg.XXXXXX)
	# Clean up on any exit; turn Ctrl-C and kill into an exit so that happens.
	trap pg_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if is_root; then chown postgres: "$_pg_tmp"; fi

	if ! _pg_run "$_pg_bin/initdb" -D "$_pg_tmp/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		>"$_pg_tmp/initdb.log" 2>&1; then
		cat "$_pg_tmp/initdb.log" >&2
		echo "!!! initdb failed" >&2
		return 1
	fi
	# Durability is worthless for a test database; speed is not.
	if ! _pg_run "$_pg_bin/pg_ctl" -D "$_pg_tmp/data" -l "$_pg_tmp/server.log" -w -t 60 \
		-o "-p $port -k $_pg_tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >/dev/null; then
		cat "$_pg_tmp/server.log" >&2
		echo "!!! PostgreSQL did not start" >&2
		return 1
	fi
	export ORTAQ_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	echo "PostgreSQL $("$_pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $_pg_tmp)"
}
