#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""No client can stall another (SPEC.md section 6), against the real engine:

- 1,000 slowloris connections (a header byte a second, from 127.0.0.2 ..
  127.0.0.40, so that no one address is over its limit) and a client that
  sends requests and never reads its answers are all open, and a signed
  DescribeNetworkInterfaces from 127.0.0.1 is still answered within 100 ms,
  every try;
- one address gets at most its limit of connections: those over it are
  closed at once, and other addresses are still served;
- the slow connections are closed once their request timeout is over (not
  before), although each of them sent a byte every second (so the idle
  timeout alone never closes them).

The limits are the API's defaults (control/api/api_settings.h); a second case
sets api.limits in the YAML and sees them apply.

usage: slow_clients.py SERVER
"""
import errno
import http.client
import resource
import selectors
import socket
import sys
import threading
import time

from apitest import ACCESS_KEY, REGION, SECRET_KEY, check, run_cases

PER_ADDRESS = 128        # API_DEFAULT_PER_ADDRESS_CONNECTIONS
REQUEST_TIMEOUT = 10.0   # API_DEFAULT_REQUEST_TIMEOUT, seconds
IDLE_TIMEOUT = 10.0      # API_DEFAULT_IDLE_TIMEOUT, seconds
N_SLOW = 1000
SLOW_ADDRESSES = ["127.0.0.%d" % i for i in range(2, 41)]
CROWDED_ADDRESS = "127.0.0.41"
OVER_LIMIT = 16
LATENCY_LIMIT = 0.100
TRIES = 10

DESCRIBE = "Action=DescribeNetworkInterfaces&Version=2016-11-15"


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))


def signed_headers(srv, body):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="POST", url=srv.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ec2", REGION).add_auth(req)
    return list(req.headers.items())


def raw_request(srv, body):
    """A whole signed request as bytes (for the client that never reads)."""
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n" % (srv.port,
                                                                             len(body))
    for name, value in signed_headers(srv, body):
        head += "%s: %s\r\n" % (name, value)
    return (head + "\r\n" + body).encode()


def timed_describe(srv):
    """One signed DescribeNetworkInterfaces on a new connection from 127.0.0.1: the
    seconds from connect to the whole answer (signing is done before the clock starts)."""
    headers = [("Host", "127.0.0.1:%d" % srv.port)] + signed_headers(srv, DESCRIBE)
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5,
                                      source_address=("127.0.0.1", 0))
    try:
        conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(len(DESCRIBE)))
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(DESCRIBE.encode())
        resp = conn.getresponse()
        data = resp.read()
        took = time.monotonic() - t0
        check(resp.status == 200 and b"networkInterfaceSet" in data,
              "DescribeNetworkInterfaces: %d %r" % (resp.status, data[:300]))
        return took
    finally:
        conn.close()


class Slow:
    """Connections that send a request line, then one header byte a second, forever;
    a thread keeps them trickling and notes when the server closes each one."""

    def __init__(self, port):
        self.port = port
        self.socks = []
        self.opened = {}  # socket -> monotonic time it was connected
        self.closed = {}  # socket -> monotonic time the server closed it
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def open(self, source, n=1):
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((source, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", self.port))
            s.setblocking(False)
            try:
                s.send(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            except OSError:
                pass  # already closed by the server: the reader loop notes it
            with self.lock:
                self.socks.append(s)
                self.opened[s] = time.monotonic()
                self.sel.register(s, selectors.EVENT_READ)

    def _note_closed(self, s):
        with self.lock:
            if s not in self.closed:
                self.closed[s] = time.monotonic()
                self.sel.unregister(s)

    def _run(self):
        next_byte = time.monotonic() + 1
        while not self.stop.is_set():
            with self.lock:
                ready = self.sel.select(timeout=0) if self.sel.get_map() else []
            for key, _ in ready:
                try:
                    if key.fileobj.recv(4096) == b"":
                        self._note_closed(key.fileobj)
                except BlockingIOError:
                    pass
                except OSError:
                    self._note_closed(key.fileobj)
            if time.monotonic() >= next_byte:
                next_byte += 1
                with self.lock:
                    live = [s for s in self.socks if s not in self.closed]
                for s in live:
                    try:
                        s.send(b"a")
                    except BlockingIOError:
                        pass
                    except OSError:
                        self._note_closed(s)
            time.sleep(0.02)

    def open_count(self, socks=None):
        with self.lock:
            return sum(1 for s in (socks or self.socks) if s not in self.closed)

    def close_all(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def server_sockets(srv):
    """How many sockets the server process holds (its accepted connections among them):
    a connection waiting in the listen backlog looks open to the client, not to this."""
    import os
    n = 0
    fds = "/proc/%d/fd" % srv.proc.pid
    for fd in os.listdir(fds):
        try:
            n += os.readlink(os.path.join(fds, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def server_side_state(port, client_port):
    """The TCP state (hex, /proc/net/tcp) of the server's end of the connection from
    client_port, or None when it is gone."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, remote, state = line.split()[1:4]
            if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client_port:
                return state
    return None


def slow_and_idle_clients_never_stall_a_legitimate_one(srv):
    raise_fd_limit(4 * N_SLOW)
    slow = Slow(srv.port)
    slow.thread.start()
    try:
        t_open = time.monotonic()
        for i in range(N_SLOW):
            slow.open(SLOW_ADDRESSES[i % len(SLOW_ADDRESSES)])
        print("  opened %d slow connections in %.2fs" % (N_SLOW, time.monotonic() - t_open),
              flush=True)

        reader, sent, reset = non_reader(srv)
        check(not reset, "the client that never reads was reset at once")
        print("  the client that never reads sent %d bytes of requests" % sent, flush=True)

        time.sleep(1.5)  # every slow connection has trickled a byte or two by now
        check(slow.open_count() == N_SLOW,
              "only %d of %d slow connections are open" % (slow.open_count(), N_SLOW))
        held = server_sockets(srv)
        print("  the server holds %d sockets" % held, flush=True)
        check(held > N_SLOW, "the server holds %d sockets: it has not accepted the %d "
              "slow connections" % (held, N_SLOW))

        times = []
        for _ in range(TRIES):
            times.append(timed_describe(srv))
            time.sleep(0.2)
        print("  DescribeNetworkInterfaces with %d slow connections open: %s ms" %
              (slow.open_count(), " ".join("%.1f" % (t * 1000) for t in times)), flush=True)
        check(max(times) <= LATENCY_LIMIT,
              "answered in %.1f ms (limit %.0f ms)" % (max(times) * 1000, LATENCY_LIMIT * 1000))

        # one address over its limit: the connections beyond it are closed at once
        before = len(slow.socks)
        slow.open(CROWDED_ADDRESS, PER_ADDRESS + OVER_LIMIT)
        crowded = slow.socks[before:]
        time.sleep(1.0)
        open_crowded = slow.open_count(crowded)
        print("  %s: %d of %d connections kept" % (CROWDED_ADDRESS, open_crowded,
                                                  len(crowded)), flush=True)
        check(open_crowded == PER_ADDRESS,
              "%d connections from one address kept (limit %d)" % (open_crowded, PER_ADDRESS))
        took = timed_describe(srv)
        print("  DescribeNetworkInterfaces with one address at its limit: %.1f ms" %
              (took * 1000), flush=True)
        check(took <= LATENCY_LIMIT, "answered in %.1f ms" % (took * 1000))

        # the request timeout closes the slow connections, though none is ever idle
        deadline = max(slow.opened.values()) + REQUEST_TIMEOUT + 3
        while time.monotonic() < deadline and slow.open_count() > 0:
            time.sleep(0.2)
        check(slow.open_count() == 0,
              "%d slow connections still open %.1fs after the first was opened" %
              (slow.open_count(), time.monotonic() - t_open))
        ages = [slow.closed[s] - slow.opened[s] for s in slow.socks[:N_SLOW]]
        print("  slow connections closed after %.1f .. %.1f s" % (min(ages), max(ages)),
              flush=True)
        check(min(ages) >= REQUEST_TIMEOUT - 1,
              "a slow connection was closed after %.1f s, before its timeout" % min(ages))

        # the client that never reads is closed by the idle timeout (its answer cannot go)
        state = wait_server_closed(srv, reader, IDLE_TIMEOUT + 3)
        print("  the server's end of the non-reading client: %s" % state, flush=True)
        check(state != "01", "the client that never reads is still connected")
        reader.close()

        check(timed_describe(srv) <= LATENCY_LIMIT, "slow answer after the clean-up")
    finally:
        slow.close_all()


def non_reader(srv, stuck_for=0.3, at_most=5.0):
    """A connection that pipelines signed requests and never reads the answers: it sends
    until its sends have blocked for stuck_for seconds (the answers have filled the
    socket buffers, the server can no longer send, so no longer reads), or at_most
    seconds. Returns the socket, the bytes sent and whether the server reset it."""
    reader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.bind(("127.0.0.1", 0))
    reader.connect(("127.0.0.1", srv.port))
    reader.setblocking(False)
    one = raw_request(srv, DESCRIBE)
    sent, pending = 0, one
    t_end = time.monotonic() + at_most
    blocked_since = None
    while time.monotonic() < t_end:
        try:
            n = reader.send(pending)
        except BlockingIOError:
            blocked_since = blocked_since or time.monotonic()
            if time.monotonic() - blocked_since >= stuck_for:
                break
            time.sleep(0.01)
            continue
        except OSError:
            return reader, sent, True
        sent += n
        pending = pending[n:] or one
        blocked_since = None
    return reader, sent, False


def wait_server_closed(srv, sock, within):
    """The TCP state of the server's end of sock once it leaves ESTABLISHED (or after
    `within` seconds)."""
    client_port = sock.getsockname()[1]
    deadline = time.monotonic() + within
    state = server_side_state(srv.port, client_port)
    while time.monotonic() < deadline and state == "01":  # 01 = ESTABLISHED
        time.sleep(0.1)
        state = server_side_state(srv.port, client_port)
    return state


def limits_from_the_configuration_apply(srv):
    """api.limits in the YAML: a per-address limit of 8, a request timeout of 3 s, an
    answer timeout of 1 s (the idle timeout, 20 s, is not what closes anything here)."""
    srv.stop()
    with open(srv.config) as f:
        text = f.read()
    check("\napi:\n" in text, "world.yaml has no api section")
    text = text.replace("\napi:\n", "\napi:\n  limits: {per_address_connections: 8, "
                        "request_timeout: 3, answer_timeout: 1, idle_timeout: 20}\n", 1)
    with open(srv.config, "w") as f:
        f.write(text)
    srv.start()
    slow = Slow(srv.port)
    slow.thread.start()
    try:
        slow.open("127.0.0.2", 12)
        time.sleep(1.0)
        check(slow.open_count() == 8, "%d of 12 connections from one address kept (limit 8)"
              % slow.open_count())
        check(timed_describe(srv) <= LATENCY_LIMIT, "slow answer")
        # stuck sending an answer: closed by the answer timeout (1 s), long before the
        # idle timeout (20 s); while requests keep coming the request timeout never runs out
        t0 = time.monotonic()
        reader, sent, reset = non_reader(srv, stuck_for=0.2, at_most=5.0)
        state = "reset" if reset else wait_server_closed(srv, reader, 2.0)
        took = time.monotonic() - t0
        reader.close()
        print("  the client that never reads (%d bytes of requests): the server's end %s "
              "after %.1f s (answer timeout 1 s, idle timeout 20 s)" % (sent, state, took),
              flush=True)
        check(state != "01" and took <= 5.0,
              "the answer timeout did not close the client that never reads")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and slow.open_count() > 0:
            time.sleep(0.1)
        kept = [s for s in slow.socks if slow.closed.get(s, 1e18) - slow.opened[s] > 1.5]
        ages = sorted(slow.closed[s] - slow.opened[s] for s in kept)
        print("  limit 8: kept 8 of 12; closed after %.1f .. %.1f s (request timeout 3 s)"
              % (ages[0], ages[-1]) if ages else "  none closed", flush=True)
        check(slow.open_count() == 0 and len(kept) == 8 and 2.5 <= ages[0] and ages[-1] <= 4.5,
              "the 3 s request timeout: closed after %s s" % ["%.1f" % a for a in ages])
    finally:
        slow.close_all()


CASES = [slow_and_idle_clients_never_stall_a_legitimate_one, limits_from_the_configuration_apply]

if __name__ == "__main__":
    run_cases(CASES, [sys.argv[1]], "slow")
