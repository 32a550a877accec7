#!/bin/sh
# Starts `codecommit-mock serve` in the container and publishes its proxy on port 8080.
#
# The mock refuses to listen anywhere but loopback, so it listens on 127.0.0.1:8081 inside the
# container and socat forwards the container's port 8080 to it. Only the container's own network
# namespace is opened: publish the port to the host's loopback (`-p 127.0.0.1::8080`) or reach it
# from other containers on a user-defined docker network.
#
# When ready, prints one JSON line on stdout:
#   {"proxy_port":8080,"ca_file":"/run/codecommit-mock/ca.pem","log_file":"...","mock":{...}}
# where "mock" is the line `codecommit-mock serve` printed (its paths are inside the container).
set -eu

config=${CODECOMMIT_MOCK_CONFIG:-/etc/codecommit-mock/config.toml}
data=${CODECOMMIT_MOCK_DATA:-/var/lib/codecommit-mock}
log=${CODECOMMIT_MOCK_LOG:-/var/log/codecommit-mock/requests.jsonl}
run=/run/codecommit-mock
port=8080
internal=127.0.0.1:8081

if [ ! -f "$config" ]; then
  echo "codecommit-mock container: no configuration at $config (mount one there, see docker/README.md)" >&2
  exit 64
fi
mkdir -p "$run" "$data" "$(dirname "$log")"
rm -f "$run/ready.json" "$run/ca.pem"

codecommit-mock serve --config "$config" --listen "$internal" --data "$data" --log "$log" \
  "$@" >"$run/ready.json" &
mock=$!
trap 'kill -TERM "$mock" 2>/dev/null || true' TERM INT

# The ready line is complete once it ends with a newline; an early exit is reported as is.
until [ -s "$run/ready.json" ] && [ "$(tail -c 1 "$run/ready.json" | od -An -c | tr -d ' ')" = '\n' ]; do
  if ! kill -0 "$mock" 2>/dev/null; then
    status=0
    wait "$mock" || status=$?
    echo "codecommit-mock container: codecommit-mock serve exited with code $status before it was ready" >&2
    exit "$status"
  fi
  sleep 0.1
done
ca=$(sed -n 's/.*"ca_file":"\([^"]*\)".*/\1/p' "$run/ready.json")
cp "$ca" "$run/ca.pem"

socat "TCP-LISTEN:$port,fork,reuseaddr" "TCP:$internal" &
forwarder=$!

printf '{"proxy_port":%s,"ca_file":"%s","log_file":"%s","mock":%s}\n' \
  "$port" "$run/ca.pem" "$log" "$(cat "$run/ready.json")"

status=0
wait "$mock" || status=$?
# A signal interrupts `wait`: the trap has asked the mock to stop, so wait for its clean exit.
if kill -0 "$mock" 2>/dev/null; then
  status=0
  wait "$mock" || status=$?
fi
kill "$forwarder" 2>/dev/null || true
exit "$status"
