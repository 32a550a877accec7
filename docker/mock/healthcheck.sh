#!/bin/bash
# Healthy when port 8080 answers a CONNECT for a CodeCommit host with 200, which takes the
# forwarder and the mock's proxy. The tunnel is closed before TLS, so the mock logs nothing.
set -eu
[ -s /run/codecommit-mock/ca.pem ] || { echo "not ready: no CA yet"; exit 1; }
exec 3<>/dev/tcp/127.0.0.1/8080
host=git-codecommit.us-east-1.amazonaws.com:443
printf 'CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n' "$host" "$host" >&3
IFS= read -r -t 2 line <&3 || { echo "no answer on port 8080"; exit 1; }
case $line in
  "HTTP/1.1 200"*) exit 0 ;;
  *) echo "unexpected answer on port 8080: $line"; exit 1 ;;
esac
