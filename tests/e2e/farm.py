#!/usr/bin/env python3
"""A build farm's status page for relctl's check-step tests (standard library only).

  farm.py --port-file F --log L --answers pending,pending,success

Listens on a free port of 127.0.0.1 (written to --port-file atomically) and
answers every GET with 200 and the next of --answers as its body; the last
one repeats.  Each request is one JSON line in --log: {"path", "headers"}.
SIGTERM stops it.
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--answers", required=True)
    args = p.parse_args()
    answers = args.answers.split(",")
    lock = threading.Lock()
    state = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            with lock:
                body = answers[min(state["n"], len(answers) - 1)].encode()
                state["n"] += 1
                with open(args.log, "a") as f:
                    f.write(json.dumps({"path": self.path, "headers": dict(self.headers)}) + "\n")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
