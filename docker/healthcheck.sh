#!/usr/bin/env bash
# Container health check: send PING to the node's client port and expect +PONG.
#
# Uses bash's /dev/tcp rather than redis-cli so the runtime image needs no extra package
# (redis-tools would pull in an apt layer, a second network client and its libraries, only
# for this). The request is a RESP array, exactly what redis-cli sends.
#
# A node started with --requirepass answers an unauthenticated PING with -NOAUTH; set
# RINGKV_HEALTHCHECK_PASSWORD (or REDISCLI_AUTH) in the container's environment and the
# check authenticates first. Exit 0 = healthy, 1 = unhealthy.
set -u
export LC_ALL=C  # ${#password} below must count bytes, not characters
port="${RINGKV_HEALTHCHECK_PORT:-6379}"  # the image always listens on 6379; settable for tests
password="${RINGKV_HEALTHCHECK_PASSWORD:-${REDISCLI_AUTH:-}}"

exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
if [[ -n "$password" ]]; then
  printf '*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n' "${#password}" "$password" >&3
  IFS= read -r -t 3 reply <&3 || exit 1
  [[ "$reply" == +OK* ]] || { echo "AUTH failed: ${reply%$'\r'}"; exit 1; }
fi
printf '*1\r\n$4\r\nPING\r\n' >&3
IFS= read -r -t 3 reply <&3 || { echo "no reply to PING"; exit 1; }
exec 3>&-
if [[ "$reply" == +PONG* ]]; then
  exit 0
fi
echo "unexpected reply to PING: ${reply%$'\r'}"
exit 1
