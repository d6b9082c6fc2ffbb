# SPDX-License-Identifier: BSD-3-Clause
"""Shared harness of the API tests: start a server on a free loopback port
with a YAML configuration, call it with the real AWS CLI or with hand-signed
requests, run named cases and report each one."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

ACCESS_KEY = "AKIDCONFORMANCE"
SECRET_KEY = "conformance/Secret+Key"
REGION = "us-east-1"
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One API server process (api_server, or enimap) over a fresh copy of world.yaml
    (or of another configuration of this directory)."""

    def __init__(self, cmd, workdir, journal=True, yaml="world.yaml"):
        self.cmd = list(cmd)
        if os.path.basename(self.cmd[0]) == "enimap":  # the real engine: its own options
            self.cmd += ["--control", os.path.join(workdir, "control.sock"), "-c"]
        self.dir = workdir
        self.journal = os.path.join(workdir, "journal") if journal else ""
        self.port = free_port()
        with open(os.path.join(HERE, yaml)) as f:
            text = f.read()
        text = text.replace("@LISTEN@", "127.0.0.1:%d" % self.port)
        text = text.replace("@JOURNAL@", self.journal)
        text = text.replace("@ACCESS_KEY@", ACCESS_KEY).replace("@SECRET_KEY@", SECRET_KEY)
        self.config = os.path.join(workdir, "world.yaml")
        with open(self.config, "w") as f:
            f.write(text)
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        """Start, and wait until the API port accepts connections (works for api_server
        and for the enimap program alike)."""
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(self.cmd + [self.config], stdout=self.log,
                                     stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                # the engine opens its control socket last: wait for it too
                if "--control" not in self.cmd or os.path.exists(
                        os.path.join(self.dir, "control.sock")):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        self._cleanup(self.proc.pid)
        raise RuntimeError("server did not start: %s" % self.read_log()[-3000:])

    @staticmethod
    def _cleanup(pid):
        # the enimap program's DPDK runtime directory (EAL prefix enimap-<pid>), which a
        # killed process leaves behind; nothing for api_server
        shutil.rmtree("/var/run/dpdk/enimap-%d" % pid, ignore_errors=True)

    def read_log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM; returns the exit code (api_server: 3 when its reference map disagrees)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._cleanup(self.proc.pid)
        self.proc = None
        return rc

    def kill9(self):
        self.proc.kill()  # SIGKILL
        self.proc.wait()
        self._cleanup(self.proc.pid)
        self.proc = None


class AwsError(Exception):
    pass


def aws_env(access=ACCESS_KEY, secret=SECRET_KEY):
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION=REGION, AWS_PAGER="", AWS_MAX_ATTEMPTS="1",
               AWS_RETRY_MODE="standard")
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def aws(server, *args, error=None, access=ACCESS_KEY, secret=SECRET_KEY):
    """Run `aws ec2 ARGS`. Without error=: must succeed, returns the parsed JSON.
    With error="Code": must fail with that EC2 error code, returns stderr."""
    cmd = ["aws", "ec2"] + list(args) + ["--endpoint-url", server.url, "--output", "json"]
    p = subprocess.run(cmd, env=aws_env(access, secret), capture_output=True, text=True,
                       timeout=60)
    if error is None:
        if p.returncode != 0:
            raise AwsError("%s failed: %s" % (" ".join(args), p.stderr.strip()))
        return json.loads(p.stdout) if p.stdout.strip() else {}
    if p.returncode == 0:
        raise AwsError("%s succeeded, expected %s: %s" % (" ".join(args), error, p.stdout))
    if "(%s)" % error not in p.stderr:
        raise AwsError("%s: expected %s, got: %s" % (" ".join(args), error, p.stderr.strip()))
    return p.stderr


def signed_post(server, body, secret=SECRET_KEY, when=None, sign=True):
    """POST a raw form body, SigV4-signed with botocore (optionally as of `when`)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if sign:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        from unittest import mock
        req = AWSRequest(method="POST", url=server.url + "/", data=body, headers=headers)
        auth = SigV4Auth(Credentials(ACCESS_KEY, secret), "ec2", REGION)
        if when is None:
            auth.add_auth(req)
        else:
            # sign as of another time: botocore takes "now" from get_current_datetime
            with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                auth.add_auth(req)
        headers = dict(req.headers.items())
    data = body if isinstance(body, bytes) else body.encode()
    r = urllib.request.Request(server.url + "/", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def refused(code, call, **kw):
    """A boto3 call(**kw) must fail with EC2 error `code`, over HTTP 400."""
    from botocore.exceptions import ClientError  # only the boto3 tests need botocore
    try:
        call(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "%s(%s): %s, expected %s" % (call.__name__, kw, got, code))
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response)
        return
    raise AssertionError("%s(%s) succeeded, expected %s" % (call.__name__, kw, code))


def run_cases(cases, server_cmd, name, yaml="world.yaml"):
    """Run every case (a function taking a started Server) on a fresh server; the server
    must also exit cleanly (its delta check) afterwards. Exit status 1 on any failure."""
    if shutil.which("aws") is None:
        print("FAIL: the aws CLI is not installed (it is required, not optional)")
        sys.exit(1)
    failed = []
    for case in cases:
        tmp = tempfile.mkdtemp(prefix="enimap-%s-" % name)
        t0 = time.time()
        srv = Server(server_cmd, tmp, yaml=yaml)
        try:
            srv.start()
            case(srv)
            rc = srv.stop()
            check(rc == 0, "server exited %d: %s" % (rc, srv.read_log()[-2000:]))
            print("PASS %-60s %.1fs" % (case.__name__, time.time() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed.append(case.__name__)
            print("FAIL %s: %s" % (case.__name__, e), flush=True)
            traceback.print_exc()
            if srv.proc:
                srv.proc.kill()
                srv.proc.wait()
                srv._cleanup(srv.proc.pid)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d/%d passed" % (len(cases) - len(failed), len(cases)))
    if failed:
        print("failed: " + ", ".join(failed))
        sys.exit(1)
