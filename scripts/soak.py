#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""soak.py - the load and the probes of scripts/soak.sh (`make soak`).

Each subcommand runs for a bounded time and stops by itself:

  traffic IFACE SECONDS PPS STATUS     paced raw UDP frames from the internet
                                       host to the EIPs (AF_PACKET)
  churn SOCK SECONDS RATE STATUS       control-socket changes at RATE lines/s
  api URL SECONDS RATE STATUS          signed EC2 calls (boto3) at RATE/s
  sample PID PREFIX PINGLOG CSV INTERVAL SECONDS STATUSDIR
                                       one CSV row every INTERVAL seconds
  point PID PREFIX                     one sample now, as JSON (for the checks)
  ping PINGLOG                         [answered, sent, longest unanswered run]

Every load writes its counters as JSON to STATUS once a second (and at the
end), so that the sampler can put them in the CSV.
"""
import json
import os
import re
import socket
import struct
import sys
import time

# The demo topology (config/default.yaml, scripts/demo.sh).
UPLINK_MAC = bytes.fromhex("020000000001")  # the engine's uplink port
INET_MAC = bytes.fromhex("020000000101")  # the internet host (upstream_mac)
INET_IP = "203.0.113.1"
# delivered to web, delivered to standby, churned (associated half the
# time), never allocated (always no-eip)
TRAFFIC_DSTS = ["198.51.100.10", "198.51.100.20", "198.51.100.30", "198.51.100.99"]
CHURN_ENI = "eni-web"
CHURN_ADDR = "10.0.1.50"
CHURN_EIP = "198.51.100.30"
API_ENI = "eni-standby"
API_ADDR = "10.0.1.60"
ACCESS_KEY = "AKIAENIMAPDEMO00000"
SECRET_KEY = "enimapDemoSecretKey0000000000000000000000"
REGION = "us-east-1"
MEMPOOL = "enimap_mbufs"


def write_status(path, obj):
    """Replace path with obj as JSON (readers never see half a file)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def read_status(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(dst, sport):
    """A 60-byte Ethernet/IPv4/UDP frame from the internet host to dst."""
    payload = b"enimap-soak".ljust(18, b"\0")
    udp_len = 8 + len(payload)
    src_b, dst_b = socket.inet_aton(INET_IP), socket.inet_aton(dst)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, src_b, dst_b)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, 9, udp_len, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    return UPLINK_MAC + INET_MAC + b"\x08\x00" + ip + udp


class Pacer:
    """Spreads work evenly at rate per second; says how much is due now."""

    def __init__(self, rate, seconds):
        self.rate = rate
        self.start = time.monotonic()
        self.end = self.start + seconds
        self.done = 0

    def due(self):
        """How many operations are due now (0: sleep a little), or -1: over."""
        now = time.monotonic()
        if now >= self.end:
            return -1
        return max(0, int((now - self.start) * self.rate) - self.done)

    def elapsed(self):
        return time.monotonic() - self.start


def cmd_traffic(iface, seconds, pps, status):
    seconds, pps = float(seconds), int(pps)
    frames = [udp_frame(d, 10000 + i) for i in range(64) for d in TRAFFIC_DSTS]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    pacer = Pacer(pps, seconds)
    sent = errors = 0
    last = 0.0
    while True:
        n = pacer.due()
        if n < 0:
            break
        if n == 0:
            time.sleep(0.002)
        for _ in range(min(n, 256)):
            try:
                s.send(frames[sent % len(frames)])
                sent += 1
            except OSError:
                errors += 1
            pacer.done += 1
        if pacer.elapsed() - last >= 1:
            last = pacer.elapsed()
            write_status(status, {"sent": sent, "errors": errors})
    st = {"sent": sent, "errors": errors, "seconds": round(pacer.elapsed(), 3),
          "pps": round(sent / pacer.elapsed(), 1)}
    write_status(status, st)
    print("traffic:", json.dumps(st))


class CtlConn:
    """One persistent connection to the control socket: a line, its reply."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)  # a stuck engine ends the churn, never hangs it
        self.s.connect(path)
        self.buf = b""

    def call(self, line):
        """Send line; return its reply lines (the last is OK... or ERR ...)."""
        self.s.sendall(line.encode() + b"\n")
        out = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise ConnectionError("control socket closed")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\n", 1)
            text = raw.decode(errors="replace")
            out.append(text)
            if text == "OK" or text.startswith("OK ") or text.startswith("ERR"):
                return out


def churn_setup(ctl):
    """Allocate the churned EIP; return its allocation id."""
    last = ctl.call("allocate " + CHURN_EIP)[-1]
    if not last.startswith("OK "):
        raise SystemExit("churn: allocate %s: %s" % (CHURN_EIP, last))
    return last.split()[1]


def cmd_churn(sock, seconds, rate, status):
    """assign, associate the EIP, disassociate, unassign: each line a change
    of the tables, the cycle leaves the model as it found it."""
    seconds, rate = float(seconds), int(rate)
    ctl = CtlConn(sock)
    alloc = churn_setup(ctl)
    cycle = ["assign %s %s" % (CHURN_ENI, CHURN_ADDR),
             "associate %s %s %s" % (alloc, CHURN_ENI, CHURN_ADDR),
             "disassociate " + alloc,
             "unassign %s %s" % (CHURN_ENI, CHURN_ADDR)]
    ok = err = 0
    errs = {}
    pacer = Pacer(rate, seconds)
    last = 0.0
    while True:
        n = pacer.due()
        if n < 0:
            break
        if n == 0:
            time.sleep(0.0005)
        for _ in range(min(n, 512)):
            reply = ctl.call(cycle[pacer.done % len(cycle)])[-1]
            pacer.done += 1
            if reply.startswith("OK"):
                ok += 1
            else:
                err += 1
                code = reply.split(":")[0]
                errs[code] = errs.get(code, 0) + 1
        if pacer.elapsed() - last >= 1:
            last = pacer.elapsed()
            write_status(status, {"ok": ok, "err": err})
    # finish the cycle, so that the model is as it was at the start
    while pacer.done % len(cycle):
        reply = ctl.call(cycle[pacer.done % len(cycle)])[-1]
        pacer.done += 1
        ok, err = (ok + 1, err) if reply.startswith("OK") else (ok, err + 1)
    el = pacer.elapsed()
    st = {"ok": ok, "err": err, "errors": errs, "seconds": round(el, 3),
          "rate": round((ok + err) / el, 1)}
    write_status(status, st)
    print("churn:", json.dumps(st))


def cmd_api(url, seconds, rate, status):
    """DescribeNetworkInterfaces, Assign, Describe, Unassign of a third address."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    seconds, rate = float(seconds), float(rate)
    ec2 = boto3.client("ec2", endpoint_url=url, region_name=REGION,
                       aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                       config=Config(retries={"max_attempts": 1}, connect_timeout=2,
                                     read_timeout=10))
    calls = [
        lambda: ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-web", API_ENI]),
        lambda: ec2.assign_private_ip_addresses(NetworkInterfaceId=API_ENI,
                                                PrivateIpAddresses=[API_ADDR]),
        lambda: ec2.describe_network_interfaces(
            Filters=[{"Name": "private-ip-address", "Values": [API_ADDR]}]),
        lambda: ec2.unassign_private_ip_addresses(NetworkInterfaceId=API_ENI,
                                                  PrivateIpAddresses=[API_ADDR]),
    ]
    ok = err = 0
    errs = {}
    pacer = Pacer(rate, seconds)
    last = 0.0

    def one():
        nonlocal ok, err
        try:
            calls[pacer.done % len(calls)]()
            ok += 1
        except ClientError as e:
            err += 1
            code = e.response.get("Error", {}).get("Code", "?")
            errs[code] = errs.get(code, 0) + 1
        except BotoCoreError as e:
            err += 1
            errs[type(e).__name__] = errs.get(type(e).__name__, 0) + 1
        pacer.done += 1

    while True:
        n = pacer.due()
        if n < 0:
            break
        if n == 0:
            time.sleep(0.005)
        for _ in range(min(n, 64)):
            one()
        if pacer.elapsed() - last >= 1:
            last = pacer.elapsed()
            write_status(status, {"ok": ok, "err": err})
    while pacer.done % len(calls):
        one()
    el = pacer.elapsed()
    st = {"ok": ok, "err": err, "errors": errs, "seconds": round(el, 3),
          "rate": round((ok + err) / el, 2)}
    write_status(status, st)
    print("api:", json.dumps(st))


def telemetry(prefix, cmds):
    """Ask the engine's DPDK telemetry socket (what dpdk-telemetry.py -f
    PREFIX talks to) each of cmds; return their answers' values."""
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    info = json.loads(s.recv(1024).decode())
    size = info.get("max_output_len", 16384)
    out = []
    for c in cmds:
        s.send(c.encode())
        reply = json.loads(s.recv(size).decode())
        out.append(reply.get(c.split(",")[0]))
    s.close()
    return out


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def ping_counts(path):
    """(answered, highest seq sent so far, longest run of unanswered seqs)."""
    answered = set()
    sent = 0
    try:
        with open(path) as f:
            for line in f:
                m = re.search(r"icmp_seq=(\d+)", line)
                if not m:
                    continue
                seq = int(m.group(1))
                sent = max(sent, seq)
                if "bytes from" in line:
                    answered.add(seq)
    except OSError:
        pass
    run = worst = 0
    for seq in range(1, sent + 1):
        run = 0 if seq in answered else run + 1
        worst = max(worst, run)
    return len(answered), sent, worst


def point(pid, prefix):
    """One sample of the engine: RSS, mempool, port and drop counters."""
    stats, drops, mp = telemetry(prefix, ["/enimap/stats", "/enimap/drops",
                                          "/mempool/info," + MEMPOOL])
    ports = sorted(int(m.group(1)) for m in (re.match(r"port(\d+)_rx$", k) for k in stats) if m)
    tot = {f: sum(stats["port%d_%s" % (p, f)] for p in ports)
           for f in ("rx", "tx", "tx_dropped", "dropped")}
    return {
        "rss_kib": rss_kib(pid),
        # the engine's own count (/enimap/stats): DPDK 22.11's /mempool/info
        # has the pool's size and cache size but no count
        "mp_size": stats.get("mbufs", mp["size"]),
        "mp_in_use": stats.get("mbufs_in_use", -1),
        "mp_cache_size": mp.get("cache_size"),
        "workers": stats.get("workers"),
        "ports": {p: {f: stats["port%d_%s" % (p, f)] for f in ("rx", "tx", "tx_dropped",
                                                             "dropped")} for p in ports},
        "rx": tot["rx"], "tx": tot["tx"], "tx_dropped": tot["tx_dropped"],
        "dropped": tot["dropped"],
        # what the engine's own accounting leaves unexplained: packets in flight
        "unaccounted": tot["rx"] - tot["tx"] - tot["tx_dropped"] - tot["dropped"],
        "drops": {k: v for k, v in drops.items() if v},
    }


CSV_COLS = ["t", "rss_kib", "mp_in_use", "rx", "tx", "tx_dropped", "dropped",
            "unaccounted", "unknown_destination", "port0_rx", "port0_tx", "port1_rx", "port1_tx",
            "port2_rx", "port2_tx", "ping_answered", "ping_sent", "ping_worst_run",
            "traffic_sent", "churn_ok", "churn_err", "api_ok", "api_err"]


def cmd_sample(pid, prefix, pinglog, csv, interval, seconds, statusdir):
    interval, seconds = float(interval), float(seconds)
    start = time.monotonic()
    with open(csv, "w") as f:
        f.write(",".join(CSV_COLS) + "\n")
        k = 0
        while True:
            t = time.monotonic() - start
            p = point(pid, prefix)
            ans, sent, worst = ping_counts(pinglog)
            tr = read_status(os.path.join(statusdir, "traffic.json"))
            ch = read_status(os.path.join(statusdir, "churn.json"))
            ap = read_status(os.path.join(statusdir, "api.json"))
            row = {"t": round(t, 1),
                   "unknown_destination": p["drops"].get("unknown_destination", 0),
                   "ping_answered": ans, "ping_sent": sent, "ping_worst_run": worst,
                   "traffic_sent": tr.get("sent", 0), "churn_ok": ch.get("ok", 0),
                   "churn_err": ch.get("err", 0), "api_ok": ap.get("ok", 0),
                   "api_err": ap.get("err", 0)}
            for q, c in p["ports"].items():
                row["port%d_rx" % q], row["port%d_tx" % q] = c["rx"], c["tx"]
            for c in CSV_COLS:
                row.setdefault(c, p.get(c, ""))
            f.write(",".join(str(row[c]) for c in CSV_COLS) + "\n")
            f.flush()
            k += 1
            nxt = start + k * interval
            if nxt - start > seconds + 1e-6:
                break
            time.sleep(max(0.0, nxt - time.monotonic()))


def cmd_point(pid, prefix):
    print(json.dumps(point(pid, prefix)))


def main(argv):
    cmds = {"traffic": (cmd_traffic, 4), "churn": (cmd_churn, 4), "api": (cmd_api, 4),
            "sample": (cmd_sample, 7), "point": (cmd_point, 2),
            "ping": (lambda p: print(json.dumps(ping_counts(p))), 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = cmds[argv[1]]
    fn(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
