#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The userspace topology (SPEC section 5): no kernel on the path.
#
#   [enimap-memif-gen, CPU 0] --memif up--> [router, CPU 1] --memif host--> [gen's sink]
#
# enimap-memif-gen (bench/memif_gen.c) sends 64-byte UDP (with both
# checksums) to destinations uniformly random over the EIPs out of its port 0
# and counts, on its port 1, the frames that came back translated (UDP to a
# private address, both checksums right). The routers, each given
# CPU 1 and the same two memif links (the router is the memif server, the
# generator the client, zero-copy: its rings point into its own hugepage
# mempool, which zero-copy needs in one file, --single-file-segments; the
# router copies in and out as every memif server does (measured through io:
# 13.4-16.1 Mpps in four runs zero-copy, 5.2-11.1 with the generator copying;
# runs still differ by up to 2x on the 2-core VM, hence the interleaved rounds
# and their median):
#
#   io       dpdk-testpmd --forward-mode=io: the topology's floor (frames
#            cross untouched; every frame received counts)
#   enimap   build/app/enimap, one worker, the uplink's MAC in software
#            (memif cannot take one)
#   ovs      OVS-DPDK (Debian's openvswitch-switch-dpdk, its own ovsdb and
#            run directory under $tmp, never the system's): a netdev bridge,
#            one OpenFlow rule per EIP
#              ip,nw_dst=EIP actions=dec_ttl,mod_dl_src,mod_dl_dst,mod_nw_dst,output
#            what enimap does to the same frame; as a competent user would:
#            flow-limit raised to 2M datapath flows, max-idle 60 s, the
#            signature match cache on, the PMD on CPU 1, the rest on CPU 0
#
# at 64K and 1M EIPs, from the same gen-config.py configuration. For each
# size: OVS (started once: 1M rules take a while to add) with a 60 s
# warm-up of the same traffic (its datapath grows its flow limit slowly, see
# below), then its rounds; then io and enimap, a warm-up run of each and
# their rounds interleaved, each started and stopped per run; the median of
# the rounds. OVS is stopped before the others run, so its PMD thread never
# polls beside another router. Its datapath's own counters (EMC, SMC,
# megaflow hits, upcalls, cycles per packet, datapath flows and their limit)
# go to the log after each of its runs: where its cycles go.
#
# Usage: bench/vs_ovs.sh BUILD_DIR [quick|full]
# Environment: VS_OVS_SIZES (default "64K:65536 1M:1048576").
# Prints JSON figure lines on stdout; the rest on stderr. Root needed; uses
# hugepages (reserves 1536 when none are free, and puts them back).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
mode=${2:-quick}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
enimap=$build/app/enimap
gen=$build/bench/enimap-memif-gen
ovs_vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
sizes=${VS_OVS_SIZES:-"64K:65536 1M:1048576"}
secs=3 rounds=5 ovs_warm=60
[ "$mode" = full ] && secs=5 rounds=9 ovs_warm=120

log() { echo "vs_ovs: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root"; exit 1; }
[ -x "$enimap" ] && [ -x "$gen" ] || { log "build first ($enimap, $gen)"; exit 1; }
command -v dpdk-testpmd >/dev/null || { log "dpdk-testpmd missing (dpdk-dev)"; exit 1; }
if [ ! -x "$ovs_vswitchd" ]; then
	log "installing openvswitch-switch-dpdk"
	DEBIAN_FRONTEND=noninteractive apt-get install -y openvswitch-switch-dpdk >/dev/null 2>&1 ||
		{ log "openvswitch-switch-dpdk missing"; exit 1; }
fi

tmp=$(mktemp -d /tmp/vsovs.XXXXXX)
huge_old=$(cat /proc/sys/vm/nr_hugepages)
huge_mounted=0
export OVS_RUNDIR=$tmp/ovs OVS_DBDIR=$tmp/ovs OVS_LOGDIR=$tmp/ovs
vsctl() { ovs-vsctl --db="unix:$tmp/ovs/db.sock" --timeout=30 -vconsole:warn "$@"; }
appctl() { ovs-appctl -t "$(ls "$tmp"/ovs/ovs-vswitchd-dpdk.*.ctl)" "$@"; }

stop_pid() { # PID PREFIX: TERM, then KILL after 10 s; its EAL directory removed (wait: ours only)
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$2"
}
# The running router (io or enimap), in a file: the runs are subshells of
# $(...), and the cleanup of the script's own shell must still find it.
router_up() { echo "$1 $2" >"$tmp/router"; } # PID EAL_PREFIX
router_down() {
	local pid prefix
	[ -f "$tmp/router" ] || return 0
	read -r pid prefix <"$tmp/router"
	stop_pid "$pid" "$prefix"
	rm -f "$tmp/router"
}
ovs_stop() {
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "$tmp/ovs/$d.pid" ] || continue
		local p
		p=$(cat "$tmp/ovs/$d.pid")
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		rm -f "$tmp/ovs/$d.pid"
	done
	rm -rf /var/run/dpdk/vsovs-ovs
}
cleanup() {
	set +e
	router_down
	ovs_stop
	rm -rf /var/run/dpdk/vsovs-gen "$tmp"
	echo "$huge_old" >/proc/sys/vm/nr_hugepages
	[ "$huge_mounted" = 1 ] && umount /dev/hugepages
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# hugepages: memif rings and mbufs in 4K pages would measure the TLB, not the routers
if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages && huge_mounted=1
fi
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -lt 1024 ]; then
	echo $((huge_old + 1536)) >/proc/sys/vm/nr_hugepages
fi
log "hugepages: $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages) free"

memif() { # NAME ROLE SOCKET
	echo "net_$1,role=$2,id=0,socket=$3,socket-abstract=no"
}
uplink_mac=02:00:00:00:aa:01

# One measured run against sockets $1-up.sock and $1-host.sock: frames per
# second (all received for io, the translated ones for the others).
measure() { # SOCKET_BASE N_EIPS FIELD RX_QUEUES NAME
	local out
	out=$(taskset -c 0 "$gen" -l 0 --no-pci --single-file-segments --file-prefix=vsovs-gen \
		--log-level=error --vdev="$(memif memif0 client "$1-up.sock"),zero-copy=yes" \
		--vdev="$(memif memif1 client "$1-host.sock"),zero-copy=yes" \
		-- "$uplink_mac" 100.64.0.1 "$2" "$secs" 10.0.0.0/8 "$4") || out=
	rm -rf /var/run/dpdk/vsovs-gen
	log "$5: ${out:-no figure (the generator failed)}"
	[ -n "$out" ] && echo "$out" | tr ' ' '\n' | sed -n "s/^$3=//p"
}

wait_for() { # FILE PATTERN PID WHAT: up to 120 s
	for _ in $(seq 1200); do
		kill -0 "$3" 2>/dev/null || { cat "$1" >&2; log "$4 exited"; router_down; exit 1; }
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	log "$4 did not start"
	router_down
	exit 1
}

run_io() { # N_EIPS
	local s=$tmp/io
	rm -f "$s"-*.sock
	# its stdin a FIFO we hold open: testpmd without -i forwards until its input ends
	rm -f "$tmp/testpmd.in" && mkfifo "$tmp/testpmd.in"
	# (line-buffered: its "Press enter to exit" says it forwards)
	stdbuf -oL dpdk-testpmd -l 0,1 --no-pci --file-prefix=vsovs-rtr --log-level=error \
		--vdev="$(memif memif0 server "$s-up.sock")" --vdev="$(memif memif1 server "$s-host.sock")" \
		-- --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 \
		<"$tmp/testpmd.in" >"$tmp/testpmd.log" 2>&1 &
	router_up $! vsovs-rtr
	exec 9>"$tmp/testpmd.in"
	wait_for "$tmp/testpmd.log" "Press enter to exit" $! testpmd
	local rc=0
	measure "$s" "$1" received_pps 1 io || rc=1
	router_down
	exec 9>&-
	return $rc
}

run_enimap() { # N_EIPS CONFIG
	local s=$tmp/enimap
	rm -f "$s"-*.sock
	sed -e "s|device: \"net_af_packet0,iface=lo\"|device: \"$(memif memif0 server "$s-up.sock")\", mac: \"$uplink_mac\"|" \
		-e "s|device: \"net_af_packet1,iface=lo\"|device: \"$(memif memif1 server "$s-host.sock")\"|" \
		"$2" >"$tmp/enimap.yaml"
	grep -q "$s-host.sock" "$tmp/enimap.yaml" || { log "unexpected gen-config.py ports"; exit 1; }
	"$enimap" -c "$tmp/enimap.yaml" >"$tmp/enimap.log" 2>&1 &
	router_up $! "enimap-$!"
	wait_for "$tmp/enimap.log" "started:" $! enimap
	local rc=0
	measure "$s" "$1" good_pps 1 enimap || rc=1
	router_down
	return $rc
}

ovs_start() { # CONFIG: ovsdb + vswitchd, a netdev bridge, one rule per EIP
	mkdir -p "$tmp/ovs"
	ovsdb-tool create "$tmp/ovs/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server "$tmp/ovs/conf.db" --remote="punix:$tmp/ovs/db.sock" \
		--pidfile="$tmp/ovs/ovsdb-server.pid" --detach --log-file="$tmp/ovs/ovsdb-server.log" \
		-vconsole:off 2>>"$tmp/ovs/start.err"
	vsctl --no-wait init
	vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
		"other_config:dpdk-extra=--no-pci --file-prefix=vsovs-ovs" \
		other_config:flow-limit=2000000 other_config:max-idle=60000 \
		other_config:smc-enable=true
	taskset -c 0 "$ovs_vswitchd" "unix:$tmp/ovs/db.sock" --pidfile="$tmp/ovs/ovs-vswitchd.pid" \
		--detach --log-file="$tmp/ovs/ovs-vswitchd.log" -vconsole:off 2>>"$tmp/ovs/start.err"
	vsctl add-br br0 -- set bridge br0 datapath_type=netdev
	python3 - "$1" >"$tmp/flows.txt" <<'PY'
import re, sys
pairs = re.findall(r'public_ip: ([0-9.]+), association: \{eni: eni-([0-9]+), private_ip: ([0-9.]+)\}',
                   open(sys.argv[1]).read())
print("priority=0,actions=drop")
for eip, eni, priv in pairs:
    e = int(eni)
    print("priority=10,ip,nw_dst=%s,actions=dec_ttl,mod_dl_src:02:00:00:00:bb:02,"
          "mod_dl_dst:02:00:%02x:%02x:%02x:01,mod_nw_dst:%s,output:2"
          % (eip, (e >> 16) & 255, (e >> 8) & 255, e & 255, priv))
PY
	local t0=$SECONDS
	ovs-ofctl -vconsole:warn add-flows br0 "$tmp/flows.txt"
	log "ovs: $(($(wc -l <"$tmp/flows.txt") - 1)) rules added in $((SECONDS - t0)) s"
}
ovs_ports() { # add|del
	local s=$tmp/ovs/m
	if [ "$1" = add ]; then
		rm -f "$s"-*.sock
		vsctl add-port br0 up -- set Interface up type=dpdk \
			"options:dpdk-devargs=$(memif memif0 server "$s-up.sock")" ofport_request=1 \
			-- add-port br0 host -- set Interface host type=dpdk \
			"options:dpdk-devargs=$(memif memif1 server "$s-host.sock")" ofport_request=2
	else
		vsctl del-port br0 up -- del-port br0 host
	fi
}
run_ovs() { # N_EIPS
	local rc=0
	appctl dpif-netdev/pmd-stats-clear >/dev/null
	# OVS's PMD sends on its own transmit queue (1; 0 is the main thread's):
	# the generator connects two receive rings
	measure "$tmp/ovs/m" "$1" good_pps 2 ovs || rc=1
	appctl dpif-netdev/pmd-stats-show | sed -n '/core_id 1/,/avg processing/p' |
		sed 's/^/vs_ovs:   ovs /' >&2
	appctl upcall/show | grep -m1 'flows' | sed 's/^ */vs_ovs:   ovs datapath /' >&2
	return $rc
}

# One run of a router, and once more when it gave no figure (a memif link
# that never came up: seen once in 30 runs); a second failure ends the bench.
run_twice() {
	local v
	v=$("$@") && [ -n "$v" ] && { echo "$v"; return 0; }
	log "$1 gave no figure, once more"
	v=$("$@") && [ -n "$v" ] && { echo "$v"; return 0; }
	log "$1 gave no figure twice"
	return 1
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
figure() { # NAME VALUE UNIT BASELINE
	echo "{\"figure\": \"$1\", \"value\": $2, \"unit\": \"$3\", \"baseline\": $4}"
}

for s in $sizes; do
	label=${s%%:*} n=${s##*:}
	cfg=$tmp/vpc-$label.yaml
	python3 "$root/scripts/gen-config.py" --v4 "$n" --eips "$n" --per-eni 250 -o "$cfg"
	# OVS first, its rounds back to back after a long warm-up: its datapath
	# starts with room for 10,000 flows and its revalidator adds 1,000 every
	# 500 ms while its dumps stay under a second (ofproto-dpif-upcall.c), so
	# holding one megaflow per EIP of 64K takes about 30 s; a flow the
	# datapath has no room for is a failed upcall, every packet of it
	ovs_start "$cfg"
	ovs_ports add
	o_all=()
	secs=$ovs_warm run_twice run_ovs "$n" >/dev/null || exit 1
	for _ in $(seq "$rounds"); do
		v=$(run_twice run_ovs "$n") || exit 1
		o_all+=("$v")
	done
	ovs_ports del
	ovs_stop
	rm -rf "$tmp/ovs"
	log "$label: warm-up"
	run_twice run_io "$n" >/dev/null || exit 1
	run_twice run_enimap "$n" "$cfg" >/dev/null || exit 1
	io_all=() e_all=()
	for _ in $(seq "$rounds"); do
		v=$(run_twice run_io "$n") || exit 1
		io_all+=("$v")
		v=$(run_twice run_enimap "$n" "$cfg") || exit 1
		e_all+=("$v")
	done
	rm -f "$cfg"
	io=$(median "${io_all[@]}") e=$(median "${e_all[@]}") o=$(median "${o_all[@]}")
	log "$label: io ${io_all[*]}; enimap ${e_all[*]}; ovs ${o_all[*]} pps"
	figure "vs_ovs.io_floor_$label.pps" "$io" pps null
	figure "vs_ovs.enimap_$label.pps" "$e" pps "$io"
	figure "vs_ovs.ovs_dpdk_$label.pps" "$o" pps "$e"
	figure "vs_ovs.enimap_vs_io_$label.ratio" \
		"$(awk -v e="$e" -v b="$io" 'BEGIN {printf "%.3f", (b > 0 ? e / b : 0)}')" x 0.9
	figure "vs_ovs.enimap_vs_ovs_$label.ratio" \
		"$(awk -v e="$e" -v b="$o" 'BEGIN {printf "%.3f", (b > 0 ? e / b : 0)}')" x 10
done
