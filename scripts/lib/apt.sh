# shellcheck shell=bash
# Installing Debian packages from the test scripts (CI runs as root on a fresh
# Debian 12 machine that has only Go on it). Sourced, not executed.

# Never stop to ask a question: CI has no terminal.
export DEBIAN_FRONTEND=noninteractive

is_root() { [[ $(id -u) -eq 0 ]]; }

_apt_updated=
# apt_install PKG... — output only when it fails; the package lists are
# refreshed once per run.
apt_install() {
	is_root || return 1
	local log
	log=$(mktemp)
	if [[ -z $_apt_updated ]]; then
		echo "apt-get update"
		apt-get -q update >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
		_apt_updated=1
	fi
	echo "apt-get install $* (a minute or two)"
	apt-get -q -y -o Dpkg::Use-Pty=0 install "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
	rm -f "$log"
}
