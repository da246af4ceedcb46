#!/usr/bin/env bash
# Starts, stops or restarts the host's berthd (no init system is assumed): the daemon runs in
# its own session with its log in /var/log/berthd.log. Restarting is safe at any time: containers
# keep running (live restore) and the new daemon adopts them.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
sock=/run/berth/docker.sock
pidfile=/run/berth/berthd.pid
log=/var/log/berthd.log

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$(cat "$pidfile")/status" 2>/dev/null; }

start() {
  if running; then echo "berthd: already running (pid $(cat "$pidfile"))"; return 0; fi
  mkdir -p /run/berth
  setsid node "$top/dist/src/bin/berthd.js" -H "unix://$sock" --pidfile "$pidfile" </dev/null >>"$log" 2>&1 &
  # Ready when the API answers /_ping.
  for _ in $(seq 1 100); do
    if curl -sf --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then echo "berthd: running (pid $(cat "$pidfile")), socket $sock"; return 0; fi
    sleep 0.1
  done
  echo "berthd: did not come up; see $log" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

stop() {
  if ! running; then echo "berthd: not running"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then echo "berthd: stopped"; return 0; fi
    sleep 0.1
  done
  echo "berthd: pid $pid did not stop within 10 s" >&2
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running; then echo "berthd: running (pid $(cat "$pidfile"))"; else echo "berthd: not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
