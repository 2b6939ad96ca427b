#!/usr/bin/env python3
"""A webhook receiver for relctl's end-to-end tests (python3 standard library only).

It listens on 127.0.0.1, records every request it gets as one JSON line in a
log file, checks signatures with its own HMAC code, and answers each path by
a script, so a test can make it fail the way real receivers fail.

  receiver.py --port 0 --port-file F --log L [--secret whsec_...]
              [--secret-env NAME] [--github-secret S] [--github-secret-env NAME]
              [--dedupe] [--script [PATH=]SEQ]... [--tls CERT KEY]

--port 0 binds a free port; the port is printed on stdout and written to
--port-file (atomically, so a test can wait for the file).

A script is a comma-separated list of answers, used one per request to that
path (a script without PATH= applies to every path that has none of its own);
when it runs out the receiver answers 200.  Each answer is
  NNN                  that status, e.g. 200, 401, 410, 429, 500
  NNN:retry-after=S    with a Retry-After header
  NNN:location=URL     with a Location header (a redirect; this option comes last)
  NNN:echo             the body echoes the request's headers (to check that a
                       client masks secrets found in a response)
  slow[=S][:NNN]       sleep S seconds (default 3) and then answer NNN (200)
  drop                 close the connection without answering
Options combine with ':', e.g. 503:retry-after=1:echo.  A POST to /_script
with a body "[PATH=]SEQ" replaces that script while the receiver runs (it is
not recorded).

Each log line: {"seq", "time", "method", "path", "headers", "body",
"webhook_id", "verified" (Standard Webhooks signature and a webhook-timestamp
within 5 minutes of the receiver's clock: true/false, or null when no secret
was given), "github_verified" (likewise), "duplicate",
"answer"}.  With --dedupe a webhook-id that was already accepted (answered
2xx) is answered 200 again and recorded with "duplicate": true.

SIGTERM stops it.  receiver.py --self-test checks its HMAC code against the
Standard Webhooks and GitHub published vectors.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_answer(text):
    """One scripted answer: {"kind": "status"|"slow"|"drop", ...}."""
    text = text.strip()
    location = None
    if ":location=" in text:  # a url holds ':', so location comes last and takes the rest
        text, location = text.split(":location=", 1)
    parts = text.split(":")
    head, opts = parts[0], parts[1:]
    answer = {"kind": "status", "status": 200, "retry_after": None, "location": location, "echo": False, "sleep": 0.0}
    if head == "drop":
        answer["kind"] = "drop"
        return answer
    if head.startswith("slow"):
        answer["kind"] = "slow"
        answer["sleep"] = float(head.split("=", 1)[1]) if "=" in head else 3.0
    else:
        answer["status"] = int(head)
    for opt in opts:
        if opt.isdigit():
            answer["status"] = int(opt)
        elif opt.startswith("retry-after="):
            answer["retry_after"] = opt.split("=", 1)[1]
        elif opt == "echo":
            answer["echo"] = True
        else:
            raise ValueError("unknown script option %r in %r" % (opt, text))
    return answer


def parse_script(spec):
    """'[PATH=]SEQ' -> (path or None, [answers])."""
    path = None
    if spec.startswith("/") and "=" in spec:
        path, spec = spec.split("=", 1)
    return path, [parse_answer(item) for item in spec.split(",") if item.strip()]


TOLERANCE = 5 * 60  # the Standard Webhooks libraries refuse timestamps further off their clock


def standard_signature_ok(secret, headers, body, now=None):
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)), key = base64 after whsec_,
    and a webhook-timestamp within 5 minutes of the receiver's clock, as the scheme's libraries check."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if not (msg_id and stamp and given):
        return False
    try:
        if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE:
            return False
    except ValueError:
        return False
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    content = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in given.split(" "):
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


def github_signature_ok(secret, headers, body):
    given = headers.get("x-hub-signature-256") or ""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.log_path = args.log
        self.secret = args.secret or (os.environ.get(args.secret_env) if args.secret_env else None)
        self.github_secret = args.github_secret or (
            os.environ.get(args.github_secret_env) if args.github_secret_env else None)
        self.dedupe = args.dedupe
        self.scripts = {}
        self.default_script = []
        for spec in args.script:
            path, answers = parse_script(spec)
            if path is None:
                self.default_script.extend(answers)
            else:
                self.scripts.setdefault(path, []).extend(answers)
        self.accepted = set()
        self.seq = 0

    def next_answer(self, path):
        with self.lock:
            queue = self.scripts.get(path, self.default_script)
            if queue:
                return queue.pop(0)
        return parse_answer("200")

    def set_script(self, spec):
        path, answers = parse_script(spec)
        with self.lock:
            if path is None:
                self.default_script = answers
            else:
                self.scripts[path] = answers

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
                f.flush()


class Handler(BaseHTTPRequestHandler):
    server_version = "relctl-test-receiver/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def handle_any(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        if path == "/_script":  # the test talking to the receiver, not a delivery
            st.set_script(body.decode())
            self.send_response(204)
            self.end_headers()
            return
        answer = st.next_answer(path)
        msg_id = headers.get("webhook-id")
        verified = standard_signature_ok(st.secret, headers, body) if st.secret else None
        github = github_signature_ok(st.github_secret, headers, body) if st.github_secret else None
        status = answer["status"]
        duplicate = False
        if answer["kind"] != "drop" and 200 <= status < 300 and msg_id:
            with st.lock:
                duplicate = msg_id in st.accepted
                st.accepted.add(msg_id)
            duplicate = duplicate and st.dedupe
        st.record({
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "webhook_id": msg_id,
            "verified": verified,
            "github_verified": github,
            "duplicate": duplicate,
            "answer": answer["kind"] if answer["kind"] == "drop" else status,
        })
        if answer["kind"] == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if answer["kind"] == "slow":
            time.sleep(answer["sleep"])
        if answer["echo"]:
            payload = "".join("%s: %s\n" % (k, v) for k, v in self.headers.items()).encode()
        elif duplicate:
            payload = b'{"duplicate": true}\n'
        else:
            payload = json.dumps({"status": status, "path": path}).encode() + b"\n"
        try:
            self.send_response(status)
            if answer["retry_after"] is not None:
                self.send_header("Retry-After", answer["retry_after"])
            if answer["location"] is not None:
                self.send_header("Location", answer["location"])
            self.send_header("Content-Type", "text/plain" if answer["echo"] else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a slow answer past its timeout)

    # Any method a hook may send: caches and CDNs take PURGE and BAN.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_PURGE = do_BAN = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


def self_test():
    """The receiver's HMAC code against the schemes' published vectors."""
    body = b'{"test": 2432232314}'
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert standard_signature_ok(secret, headers, body, now=1614265330 + 299)
    # The same message, seen more than 5 minutes before or after it was stamped.
    assert not standard_signature_ok(secret, headers, body, now=1614265330 + 301)
    assert not standard_signature_ok(secret, headers, body, now=1614265330 - 301)
    assert not standard_signature_ok(secret, headers, body)
    headers["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF="
    assert not standard_signature_ok(secret, headers, body, now=1614265330)
    gh = {"x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}
    assert github_signature_ok("It's a Secret to Everybody", gh, b"Hello, World!")
    assert not github_signature_ok("It's a Secret to Everybody", gh, b"Hello, World?")
    print("receiver self-test: ok")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log", required=True)
    p.add_argument("--secret", help="Standard Webhooks secret, whsec_<base64>")
    p.add_argument("--secret-env", help="env var holding the Standard Webhooks secret")
    p.add_argument("--github-secret")
    p.add_argument("--github-secret-env")
    p.add_argument("--dedupe", action="store_true")
    p.add_argument("--script", action="append", default=[], help="[PATH=]ANSWER,ANSWER,...")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = p.parse_args()

    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    open(args.log, "a").close()
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except SystemExit:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
