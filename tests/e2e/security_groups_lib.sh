# SPDX-License-Identifier: BSD-3-Clause
# security_groups_lib.sh - helpers shared by security_groups_enforced.sh and
# security_groups_paths.sh (sourced after lib.sh and e2e_init): a small
# Python tool for TCP/UDP services and probes, the drop counters, and the
# EC2 API through the AWS CLI. Not a test by itself.

# sg_tool_init: write the Python tool to $E2E_TMP/sgtool.py ($SGTOOL).
#   serve-tcp ADDR PORT            line echo server (one thread per connection)
#   serve-udp ADDR PORT LOG        UDP echo server; each datagram's source to LOG
#   tcp DST PORT [SRC] [TIMEOUT]   connect (+ one echoed line); exit 0 connected,
#                                  1 timed out, 2 refused, 3 other error
#   hold DST PORT GOFILE [SRC]     one connection: a line echoed, "before" printed;
#                                  then, once GOFILE exists (<= 60 s), three more
#                                  lines, "after" printed; exit 0 if all came back
#   udp DST PORT [SRC] [TIMEOUT]   connected UDP socket, send, recv: exit 0 reply,
#                                  1 timed out, 2 ECONNREFUSED (an ICMP error came
#                                  back), 3 other
#   udp-send DST PORT N            N datagrams, no reply expected
#   unreach DST QSRC QSPORT QDST QDPORT
#                                  an unsolicited ICMP port unreachable to DST
#                                  (IPv4) quoting a UDP packet QSRC:QSPORT ->
#                                  QDST:QDPORT, as if DST had sent it
sg_tool_init() {
	SGTOOL="$E2E_TMP/sgtool.py"
	cat >"$SGTOOL" <<'PYEOF'
import os, socket, struct, sys, threading, time

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

def serve_tcp(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(64)
    print("listening", addr, port, flush=True)
    def echo(c):
        with c:
            f = c.makefile("rwb", buffering=0)
            for line in f:
                f.write(line)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()

def serve_udp(addr, port, log):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    print("listening", addr, port, flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        with open(log, "a") as f:
            f.write("%s %s\n" % (peer[0], data[:32].decode(errors="replace")))
        s.sendto(data, peer)

def connect(dst, port, src, timeout):
    s = socket.socket(fam(dst), socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((dst, int(port)))
    return s

def exchange(f, text):
    f.write((text + "\n").encode())
    got = f.readline().decode().strip()
    if got != text:
        raise RuntimeError("sent %r, got back %r" % (text, got))

def tcp(dst, port, src=None, timeout="2"):
    try:
        s = connect(dst, port, src, float(timeout))
    except socket.timeout:
        print("timeout"); return 1
    except ConnectionRefusedError:
        print("refused"); return 2
    except OSError as e:
        print("error", e); return 3
    print("connected")
    s.close()
    return 0

def hold(dst, port, gofile, src=None):
    s = connect(dst, port, src, 3)
    f = s.makefile("rwb", buffering=0)
    exchange(f, "line-before")
    print("before", flush=True)
    for _ in range(600):
        if os.path.exists(gofile):
            break
        time.sleep(0.1)
    else:
        print("no go file"); return 1
    for i in range(3):
        exchange(f, "line-after-%d" % i)
        time.sleep(0.2)
    print("after", flush=True)
    s.close()
    return 0

def udp(dst, port, src=None, timeout="2"):
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.settimeout(float(timeout))
    if src:
        s.bind((src, 0))
    s.connect((dst, int(port)))
    try:
        s.send(b"hello-udp")
        data = s.recv(65535)
    except socket.timeout:
        print("timeout"); return 1
    except ConnectionRefusedError:
        print("refused"); return 2
    except OSError as e:
        print("error", e); return 3
    print("reply", data.decode(errors="replace"))
    return 0

def udp_send(dst, port, n):
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    for i in range(int(n)):
        try:
            s.sendto(b"datagram-%d" % i, (dst, int(port)))
        except OSError:
            pass
        time.sleep(0.1)
    return 0

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

def unreach(dst, qsrc, qsport, qdst, qdport):
    udp = struct.pack("!HHHH", int(qsport), int(qdport), 8 + 9, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 9, 1, 0, 64, 17, 0,
                     socket.inet_aton(qsrc), socket.inet_aton(qdst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    body = struct.pack("!BBHI", 3, 3, 0, 0) + ip + udp
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for _ in range(3):
        s.sendto(body, (dst, 0))
        time.sleep(0.1)
    return 0

cmds = {"unreach": unreach, "serve-tcp": serve_tcp, "serve-udp": serve_udp, "tcp": tcp, "hold": hold,
        "udp": udp, "udp-send": udp_send}
sys.exit(cmds[sys.argv[1]](*sys.argv[2:]) or 0)
PYEOF
}

# sgtool NAME ARGS...: the tool in namespace NAME (bounded by timeout).
sgtool() {
	local name=$1
	shift
	nsx "$name" timeout 90 /usr/bin/python3 -u "$SGTOOL" "$@"
}

# serve_tcp NAME ADDR PORT / serve_udp NAME ADDR PORT: echo servers in the
# background, up when this returns.
serve_tcp() {
	local log="$E2E_TMP/tcp-$1-$3.log"
	bg "$1" /usr/bin/python3 -u "$SGTOOL" serve-tcp "$2" "$3" >"$log" 2>&1
	wait_for_line "$log" listening "TCP server $2:$3 in $1"
}
serve_udp() {
	local log="$E2E_TMP/udp-$1-$3.log"
	bg "$1" /usr/bin/python3 -u "$SGTOOL" serve-udp "$2" "$3" "$E2E_TMP/udp-$1-$3.rx" >"$log" 2>&1
	wait_for_line "$log" listening "UDP server $2:$3 in $1"
}

# wait_for_line FILE TEXT WHAT: FILE gets a line with TEXT within 10 s.
wait_for_line() {
	local i
	for i in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$3: no '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# not_denied WHAT: fail, for a packet that got through where the groups must
# have stopped it (one place for every such check).
not_denied() {
	fail "$@"
}

# expect_no_ping_sg NAME DST [ARGS...]: DST must not answer NAME's ping.
expect_no_ping_sg() {
	local name=$1 dst=$2
	shift 2
	if nsx "$name" ping -c 2 -i 0.2 -W 1 "$@" "$dst" >/dev/null 2>&1; then
		not_denied "$name reached $dst by ping, which it must not"
	fi
}

# expect_tcp NAME DST PORT [SRC]: NAME connects to DST:PORT.
expect_tcp() {
	local out
	out=$(sgtool "$1" tcp "$2" "$3" ${4:+"$4"}) ||
		fail "$1 -> $2:$3${4:+ from $4}: $out, expected to connect"
}

# expect_no_tcp NAME DST PORT [SRC]: NAME's SYNs to DST:PORT go unanswered
# (timed out; a RST would mean the packet got through).
expect_no_tcp() {
	local out rc=0
	out=$(sgtool "$1" tcp "$2" "$3" "${4:-}" 1.5) || rc=$?
	[ "$rc" = 1 ] || not_denied "$1 -> $2:$3${4:+ from $4}: $out (rc $rc), expected a timeout"
}

# drops NAME: a drop counter of "stats", which must exist.
drops() {
	local v
	v=$(counter "$1")
	case "$v" in
	'' | *[!0-9]*) echo "missing" ;;
	*) echo "$v" ;;
	esac
}

# expect_grew NAME BEFORE WHAT: the drop counter NAME is now above BEFORE.
expect_grew() {
	local after
	after=$(drops "$1")
	[ "$after" != missing ] && [ "$2" != missing ] ||
		not_denied "$3: no '$1' counter in the engine's stats"
	[ "$after" -gt "$2" ] || not_denied "$3: $1 did not grow ($2 -> $after)"
	echo "   $1: $2 -> $after"
}

# expect_same NAME BEFORE WHAT: the drop counter NAME did not move.
expect_same() {
	local after
	after=$(drops "$1")
	[ "$after" != missing ] && [ "$2" != missing ] ||
		fail "$3: no '$1' counter in the engine's stats"
	[ "$after" = "$2" ] || fail "$3: $1 went $2 -> $after"
}

# ec2_ok ARGS...: the call must succeed; its output printed.
ec2_ok() {
	local out
	echo "\$ aws ec2 $*"
	out=$(ec2 "$@" 2>&1) || fail "aws ec2 $*: $out"
	[ -z "$out" ] || printf '%s\n' "$out"
}
