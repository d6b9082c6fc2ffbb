#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# imds-agent.sh [--once | --every SECONDS] - what ec2-net-utils does on an EC2
# guest, in a few lines of shell for the demo and the tests: read the
# instance metadata (IMDSv2) and make each interface's IPv4 addresses those
# the metadata lists for its MAC (local-ipv4s, with the subnet's prefix),
# adding the new ones and removing those no longer listed. Run it inside a
# guest; --every repeats until killed (ec2-net-utils' refresh timer).
set -u
IMDS=http://169.254.169.254
MACS=$IMDS/latest/meta-data/network/interfaces/macs

get() { curl -sSf --max-time 5 -H "X-aws-ec2-metadata-token: $TOKEN" "$MACS/$1"; }

# one pass; non-zero when the metadata could not be read
sync_once() {
	local mac ifc want prefix a
	TOKEN=$(curl -sSf --max-time 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
		"$IMDS/latest/api/token") || return 1
	for mac in $(get ""); do
		mac=${mac%/}
		ifc=$(ip -o link | awk -v m="$mac" 'index($0, "link/ether " m " ") {
			sub(":$", "", $2); sub("@.*", "", $2); print $2 }')
		[ -n "$ifc" ] || continue
		want=$(get "$mac/local-ipv4s") || return 1
		prefix=$(get "$mac/subnet-ipv4-cidr-block") || return 1
		prefix=${prefix#*/}
		for a in $want; do
			ip -4 -o addr show dev "$ifc" | grep -q " inet $a/" ||
				ip addr add "$a/$prefix" dev "$ifc"
		done
		for a in $(ip -4 -o addr show dev "$ifc" scope global | awk '{sub("/.*", "", $4); print $4}'); do
			printf '%s\n' $want | grep -qx "$a" || ip addr del "$a/$prefix" dev "$ifc"
		done
	done
}

case "${1:---once}" in
--once) sync_once ;;
--every)
	while :; do
		sync_once
		sleep "${2:-1}"
	done
	;;
*)
	echo "usage: imds-agent.sh [--once | --every SECONDS]" >&2
	exit 2
	;;
esac
