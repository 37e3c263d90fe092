# shellcheck shell=bash
# Helpers for the benchmark scripts in scripts/bench. Sourced, not executed.
# Everything started here is recorded and stopped by bench_cleanup, which
# the scripts run from an EXIT trap; loopback only.

export DEBIAN_FRONTEND=noninteractive

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_bench_pids=()
_bench_dirs=()

# bench_cleanup stops every process started with bench_bg (SIGTERM, then
# SIGKILL after 5 s) and removes every directory made with bench_tmpdir.
bench_cleanup() {
	local pid i
	for pid in "${_bench_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_bench_pids[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	_bench_pids=()
	for d in "${_bench_dirs[@]}"; do
		rm -rf "$d"
	done
	_bench_dirs=()
}

# bench_tmpdir VAR — a new temporary directory, removed on cleanup.
bench_tmpdir() {
	local _bench_d
	_bench_d=$(mktemp -d "${TMPDIR:-/tmp}/ortaq-bench.XXXXXX")
	_bench_dirs+=("$_bench_d")
	printf -v "$1" '%s' "$_bench_d"
}

# bench_bg VAR CMD... — start CMD in the background (its output goes where
# the caller redirects it), remember its pid for cleanup, put it in VAR.
# Call as: bench_bg pid cmd args >log 2>&1
bench_bg() {
	local _bench_var=$1
	shift
	"$@" &
	_bench_pids+=("$!")
	printf -v "$_bench_var" '%s' "$!"
}

# bench_stop PID — stop one process started with bench_bg.
bench_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local keep=() p
	for p in "${_bench_pids[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	_bench_pids=("${keep[@]}")
}

# bench_port — a free loopback TCP port.
bench_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# bench_wait_200 URL [SECONDS] — poll URL until it answers 200.
bench_wait_200() {
	local url=$1 secs=${2:-20} i
	for ((i = 0; i < secs * 20; i++)); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null) == 200 ]]; then
			return 0
		fi
		sleep 0.05
	done
	echo "no 200 from $url within ${secs}s" >&2
	return 1
}

# bench_build — build the binary once into $ORTAQ_BIN (default: a temp dir).
# It is built from the last commit (git archive HEAD into a temp dir), so
# edits in progress in the working tree neither break nor blur the numbers;
# BENCH_SOURCE=worktree builds the working tree instead. ORTAQ_BIN=path with
# BENCH_REBUILD=0 reuses an existing binary.
bench_build() {
	if [[ -z ${ORTAQ_BIN:-} ]]; then
		local bindir
		bench_tmpdir bindir
		ORTAQ_BIN=$bindir/ortaq
	fi
	if [[ ! -x $ORTAQ_BIN || ${BENCH_REBUILD:-1} == 1 ]]; then
		if [[ ${BENCH_SOURCE:-head} == worktree ]]; then
			echo "go build -o $ORTAQ_BIN ./cmd/ortaq   (working tree)"
			(cd "$BENCH_ROOT" && go build -o "$ORTAQ_BIN" ./cmd/ortaq)
		else
			local src
			bench_tmpdir src
			git -C "$BENCH_ROOT" archive HEAD | tar -x -C "$src"
			echo "go build -o $ORTAQ_BIN ./cmd/ortaq   (commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD))"
			(cd "$src" && go build -o "$ORTAQ_BIN" ./cmd/ortaq)
		fi
	fi
	export ORTAQ_BIN
}

# bench_cpu_busy — percentage of all CPUs busy over the next second
# (from /proc/stat), to show how noisy the machine was around a run.
bench_cpu_busy() {
	local a b
	read -r -a a < <(grep '^cpu ' /proc/stat)
	sleep 1
	read -r -a b < <(grep '^cpu ' /proc/stat)
	local total=0 idle i
	for ((i = 1; i < ${#a[@]}; i++)); do
		total=$((total + b[i] - a[i]))
	done
	idle=$((b[4] - a[4] + b[5] - a[5]))
	if ((total == 0)); then echo 0; else echo $((100 * (total - idle) / total)); fi
}

# bench_wait_quiet — wait (at most $BENCH_QUIET_WAIT seconds, default 30)
# until the machine is at most $BENCH_QUIET_PCT percent busy (default 25)
# over one second; print what it saw either way.
bench_wait_quiet() {
	local limit=${BENCH_QUIET_WAIT:-30} pct=${BENCH_QUIET_PCT:-25} start=$SECONDS busy
	while :; do
		busy=$(bench_cpu_busy)
		if ((busy <= pct)); then
			echo "machine: ${busy}% CPU busy over 1 s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
			return 0
		fi
		if ((SECONDS - start >= limit)); then
			echo "machine: STILL ${busy}% CPU busy after waiting ${limit}s (other processes running) — numbers below are noisy; load average $(cut -d' ' -f1-3 /proc/loadavg)"
			return 0
		fi
		sleep 2
	done
}

# bench_need CMD PACKAGE — install PACKAGE with apt-get when CMD is missing.
_bench_apt_updated=
bench_need() {
	command -v "$1" >/dev/null && return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "$1 is missing: sudo apt-get install $2" >&2
		return 1
	fi
	if [[ -z $_bench_apt_updated ]]; then
		echo "apt-get update"
		apt-get -q update >/dev/null
		_bench_apt_updated=1
	fi
	echo "apt-get install $2"
	apt-get -q -y -o Dpkg::Use-Pty=0 install "$2" >/dev/null
}

# bench_machine — one line describing the machine.
bench_machine() {
	local cpu
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	echo "$(nproc) CPUs ($cpu), $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB RAM", $2/1048576}'), $(uname -sr), $(go version | cut -d' ' -f3-), $(date -u +'%Y-%m-%d %H:%M UTC')"
}

# cpu_ticks PID — CPU time (user+system, in clock ticks) of PID and its
# child processes (nginx's workers), read from /proc.
cpu_ticks() {
	local p t=0
	for p in "$1" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# other_ticks PID — CPU time (user+system, with that of reaped children) of
# every process but PID, its children and this script, in clock ticks. The
# difference over a run approximates the noise from everything else: a
# process that exits during the run brings all its CPU time with it (so a
# long test binary ending then overstates it), capped at 100% by other_pct.
other_ticks() {
	local skip
	skip=" $1 $$ $(pgrep -P "$1" | tr '\n' ' ' || true)"
	# (processes come and go while cat reads: its complaints are expected)
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v skip="$skip" '{
		pid = $1
		sub(/^[^(]*\(.*\) /, "") # comm may hold spaces: fields now start at state
		if (index(skip, " " pid " ") == 0) t += $12 + $13 + $14 + $15
	} END {print t + 0}'
}

# other_pct TICKS NANOSECONDS — TICKS of CPU time over a wall-clock span, as
# a percentage of all the machine's CPUs.
other_pct() {
	awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v ns="$2" -v ncpu="$(nproc)" \
		'BEGIN {o = t / hz / (ns / 1e9 * ncpu) * 100; if (o < 0) o = 0; if (o > 100) o = 100; printf "%.0f", o}'
}
