#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Ansible test: start a server, run world.yml (amazon.aws modules) against
it twice, then teardown.yml twice, and check the recap of each run: the first
run of world.yml builds the world (no task failed, something changed), the
second changes nothing (every task ok: changed=0, failed=0, skipped=0); the
first run of teardown.yml removes it (no task failed, something changed, its
last task asserts nothing is left), the second changes nothing (changed=0,
failed=0; its loops over what it finds are empty, so skipped). Exit status 1
on any failure.

usage: run.py ENIMAP [--record FILE]   the real enimap program on engine.yaml
       run.py --moto [--record FILE]   moto_patched.py instead (checks the playbook)

--record FILE puts ec2_record.py in front of the server and leaves there one
JSON line per EC2 call (action, parameters, status, error code).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ACCESS_KEY = "AKIDANSIBLE"
SECRET_KEY = "ansible/Secret+Key"
PLAYBOOK_TIMEOUT = 240  # s, each run


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited %d before it listened" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("%s did not listen on %d within %ds" % (what, port, timeout))


class Process:
    """A child process with its output in a log file; stop() returns its exit status."""

    def __init__(self, cmd, log, port, what):
        self.what = what
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=out)
        try:
            wait_port(port, self.proc, what)
        except RuntimeError as e:
            self.stop()
            raise RuntimeError("%s; its log:\n%s" % (e, self.tail())) from None

    def tail(self, n=3000):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        # the enimap program's DPDK runtime directory (EAL prefix enimap-<pid>)
        shutil.rmtree("/var/run/dpdk/enimap-%d" % self.proc.pid, ignore_errors=True)
        return rc


def start_enimap(exe, tmp):
    port = free_port()
    with open(os.path.join(HERE, "engine.yaml")) as f:
        text = f.read()
    text = (text.replace("@LISTEN@", "127.0.0.1:%d" % port)
            .replace("@JOURNAL@", os.path.join(tmp, "journal"))
            .replace("@ACCESS_KEY@", ACCESS_KEY).replace("@SECRET_KEY@", SECRET_KEY))
    config = os.path.join(tmp, "engine.yaml")
    with open(config, "w") as f:
        f.write(text)
    cmd = [exe, "--control", os.path.join(tmp, "control.sock"), "-c", config]
    return Process(cmd, os.path.join(tmp, "engine.log"), port, "enimap"), port


def start_moto(tmp):
    port = free_port()
    cmd = [sys.executable, os.path.join(HERE, "moto_patched.py"), "-H", "127.0.0.1", "-p", str(port)]
    p = Process(cmd, os.path.join(tmp, "moto.log"), port, "moto")
    deadline = time.time() + 30
    while True:  # the port opens before moto answers
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/moto-api/" % port, timeout=2)
            return p, port
        except Exception:  # noqa: BLE001 - not up yet
            if time.time() > deadline:
                p.stop()
                raise
            time.sleep(0.2)


def playbook(url, tmp, book, n):
    """One run of a playbook with the json callback; returns (stats of localhost, tasks)."""
    cfg = os.path.join(tmp, "ansible.cfg")  # no user's or system's ansible.cfg
    with open(cfg, "w") as f:
        f.write("[defaults]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_"))}
    env.update(EC2_ENDPOINT=url, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_CONFIG=cfg, ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "ansible-local"),
               ANSIBLE_REMOTE_TEMP=os.path.join(tmp, "ansible-remote"),
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    cmd = ["ansible-playbook", "-i", "localhost,", os.path.join(HERE, book)]
    p = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True,
                       timeout=PLAYBOOK_TIMEOUT)
    with open(os.path.join(tmp, "%s.run%d.json" % (book, n)), "w") as f:
        f.write(p.stdout)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        raise RuntimeError("%s run %d: no JSON from ansible-playbook (exit %d): %s %s"
                           % (book, n, p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    tasks = []
    for play in out.get("plays", []):
        for t in play.get("tasks", []):
            r = t.get("hosts", {}).get("localhost", {})
            state = ("failed" if r.get("failed") else "skipped" if r.get("skipped")
                     else "changed" if r.get("changed") else "ok")
            msg = r.get("msg", "") if state == "failed" else ""
            if state == "failed" and r.get("module_stderr"):
                msg += " " + r["module_stderr"].strip().splitlines()[-1]
            tasks.append((state, t["task"]["name"], msg))
    return out.get("stats", {}).get("localhost", {}), tasks


def report(book, n, stats, tasks):
    print("%s run %d: %s" % (book, n, json.dumps(stats, sort_keys=True)))
    for state, name, msg in tasks:
        print("  %-8s %s%s" % (state, name, (": " + msg[:600]) if msg else ""))


def main(argv):
    moto = "--moto" in argv
    record = argv[argv.index("--record") + 1] if "--record" in argv else None
    args = [a for a in argv if not a.startswith("--") and a != record]
    if not moto and len(args) != 1:
        print(__doc__)
        return 2
    for tool in ("ansible-playbook",):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed (Debian's ansible; scripts/install-deps.sh)" % tool)
            return 1
    if subprocess.run(["/usr/bin/python3", "-c", "import boto3, botocore, netaddr"]).returncode:
        print("FAIL: /usr/bin/python3 lacks boto3/botocore/netaddr (python3-boto3, python3-netaddr)")
        return 1
    tmp = tempfile.mkdtemp(prefix="enimap-ansible-")
    server = proxy = None
    failures = []
    try:
        server, port = start_moto(tmp) if moto else start_enimap(args[0], tmp)
        url = "http://127.0.0.1:%d" % port
        if record:
            pport = free_port()
            proxy = Process([sys.executable, os.path.join(HERE, "ec2_record.py"), str(pport), url,
                             os.path.abspath(record)], os.path.join(tmp, "proxy.log"), pport, "proxy")
            url = "http://127.0.0.1:%d" % pport
        for book, n in (("world.yml", 1), ("world.yml", 2),
                        ("teardown.yml", 1), ("teardown.yml", 2)):
            stats, tasks = playbook(url, tmp, book, n)
            report(book, n, stats, tasks)
            what = "%s run %d" % (book, n)
            if not tasks or not stats:
                failures.append("%s: no task ran" % what)
            if stats.get("failures", 0) or stats.get("unreachable", 0):
                failures.append("%s: %d task(s) failed" % (what, stats.get("failures", 0)))
            if n == 1 and not stats.get("changed", 0):
                failures.append("%s changed nothing" % what)
            if n == 2 and stats.get("changed", 0):
                failures.append("%s not idempotent: changed=%d" % (what, stats["changed"]))
            if book == "world.yml" and n == 2 and stats.get("skipped", 0):
                failures.append("%s skipped %d task(s)" % (what, stats["skipped"]))
            if failures:
                break  # a run after a failed one proves nothing
    except Exception as e:  # noqa: BLE001 - report it as the failure
        failures.append("%s: %s" % (type(e).__name__, e))
    finally:
        if proxy:
            proxy.stop()
        if server:
            rc = server.stop()
            if rc != 0 and not moto:
                failures.append("enimap exited %d: %s" % (rc, server.tail()))
        if failures and server:
            print("server log (tail):\n" + server.tail())
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS: world.yml built the world, teardown.yml removed it, "
              "and a second run of each changed nothing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
