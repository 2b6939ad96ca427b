#!/usr/bin/python3
"""A mail server for relctl's end-to-end tests (aiosmtpd, Debian's python3-aiosmtpd).

It listens on 127.0.0.1, offers STARTTLS (or implicit TLS with --smtps) with
the test's throwaway certificate, requires AUTH (PLAIN or LOGIN, only after
TLS) when --user is given, records every mail transaction as one JSON line,
and answers each transaction by a script, so a test can make it refuse the
way real servers refuse.

  smtp-server.py --port-file F --log L [--tls CERT KEY] [--smtps]
                 [--user U --password-env NAME [--auth-mechanism PLAIN|LOGIN]]
                 [--script ANSWERS]

The port is picked free by the system, printed and written to --port-file
(atomically, so a test can wait for the file).

ANSWERS is a comma-separated list, one answer per transaction (MAIL FROM
starts one); when it runs out the server accepts.  Each answer is
  250            accept (the default)
  STAGE=CODE     refuse at mail, rcpt or data with CODE (e.g. rcpt=550, data=451)
  slow=S         accept, but only after S seconds (past a client's timeout)

Each log line: {"seq", "time", "peer", "tls", "auth" (the login, or null),
"auth_mechanism",
"mail_from", "rcpt_tos", "stage" (where it ended), "answer" (the code),
"data" (the message as received, or null)}.  Failed logins are logged with
stage "auth".  SIGTERM stops it.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

TEXT = {
    250: "2.0.0 OK",
    421: "4.3.2 Service not available, closing channel",
    450: "4.2.0 Mailbox busy, try again later",
    451: "4.3.0 Local error in processing, try again later",
    452: "4.3.1 Insufficient system storage",
    535: "5.7.8 Authentication credentials invalid",
    550: "5.1.1 Mailbox unavailable",
    552: "5.3.4 Message too big",
    554: "5.7.1 Transaction failed: refused by policy",
}


def parse_script(text):
    answers = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item == "250":
            answers.append(("accept", 250))
        elif item.startswith("slow="):
            answers.append(("slow", float(item[5:])))
        else:
            stage, _, code = item.partition("=")
            if stage not in ("mail", "rcpt", "data") or not code.isdigit():
                raise SystemExit("unknown answer %r" % item)
            answers.append((stage, int(code)))
    return answers


def reply(code):
    return "%d %s" % (code, TEXT.get(code, "scripted answer"))


class Recorder:
    def __init__(self, log, script, user, password):
        self.lock = threading.Lock()
        self.log = log
        self.script = script
        self.user = user
        self.password = password
        self.seq = 0

    def next_answer(self):
        with self.lock:
            return self.script.pop(0) if self.script else ("accept", 250)

    def record(self, server, session, envelope, stage, code, data=None):
        with self.lock:
            self.seq += 1
            entry = {
                "seq": self.seq,
                "time": time.time(),
                "peer": list(session.peer) if session.peer else None,
                # STARTTLS sets session.ssl; implicit TLS only shows on the transport.
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                "auth": session.auth_data.login.decode() if session.authenticated and session.auth_data else None,
                "auth_mechanism": getattr(session, "relctl_mechanism", None),
                "mail_from": envelope.mail_from if envelope else None,
                "rcpt_tos": list(envelope.rcpt_tos) if envelope else [],
                "stage": stage,
                "answer": code,
                "data": data,
            }
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        session.relctl_mechanism = mechanism
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        if not ok:
            self.record(server, session, None, "auth", 535)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class Handler:
    def __init__(self, recorder):
        self.rec = recorder

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        envelope.answer = self.rec.next_answer()
        envelope.mail_from = address
        if envelope.answer[0] == "mail":
            self.rec.record(server, session, envelope, "mail", envelope.answer[1])
            return reply(envelope.answer[1])
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        if envelope.answer[0] == "rcpt":
            self.rec.record(server, session, envelope, "rcpt", envelope.answer[1])
            return reply(envelope.answer[1])
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        kind, value = envelope.answer
        data = envelope.original_content.decode("utf-8", "replace")
        if kind == "slow":
            self.rec.record(server, session, envelope, "data", 250, data)
            await asyncio.sleep(value)
            return reply(250)
        code = value if kind == "data" else 250
        self.rec.record(server, session, envelope, "data", code, data)
        return reply(code)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--smtps", action="store_true", help="implicit TLS instead of STARTTLS")
    p.add_argument("--user")
    p.add_argument("--password-env")
    p.add_argument("--auth-mechanism", choices=["PLAIN", "LOGIN"], help="offer only this one")
    p.add_argument("--script", default="")
    args = p.parse_args()

    password = os.environ.get(args.password_env, "") if args.password_env else ""
    rec = Recorder(args.log, parse_script(args.script), args.user, password)
    open(args.log, "a").close()
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    params = {"hostname": "relctl-test-mx", "decode_data": False}
    if args.user:
        # Implicit TLS is TLS too, but aiosmtpd only counts STARTTLS: it is told.
        params.update(authenticator=rec.authenticate, auth_required=True, auth_require_tls=not args.smtps)
        if args.auth_mechanism:
            params["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m != args.auth_mechanism]
    if ctx and not args.smtps:
        params.update(tls_context=ctx, require_starttls=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(Handler(rec), loop=loop, **params), host="127.0.0.1", port=0,
        ssl=ctx if args.smtps else None))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    print(port, flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
