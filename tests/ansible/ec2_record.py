#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A recording proxy for the EC2 Query API: forwards every request unchanged
(Host header included, so a SigV4 signature still verifies upstream) and
writes one JSON line per call: the action, its parameters, the HTTP status and
the error code if any. It shows exactly what a client (here Ansible's amazon.aws
modules) sends, and the first call an engine refuses.

usage: ec2_record.py LISTEN_PORT UPSTREAM_URL LOG_FILE
"""
import http.client
import http.server
import json
import re
import sys
import threading
import urllib.parse

LOCK = threading.Lock()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    log = None

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        u = urllib.parse.urlsplit(self.upstream)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request("POST", self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        params = urllib.parse.parse_qs(body.decode(errors="replace"), keep_blank_values=True)
        flat = {k: v[0] if len(v) == 1 else v for k, v in params.items()}
        rec = {"action": flat.pop("Action", "?"), "status": resp.status,
               "params": {k: v for k, v in sorted(flat.items()) if k != "Version"}}
        if resp.status >= 400:
            m = re.search(rb"<Code>([^<]*)</Code>", data)
            rec["error"] = m.group(1).decode() if m else data[:200].decode(errors="replace")
        with LOCK:
            self.log.write(json.dumps(rec) + "\n")
            self.log.flush()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()


def main():
    port, upstream, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    Proxy.upstream = upstream
    Proxy.log = open(logfile, "a")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
