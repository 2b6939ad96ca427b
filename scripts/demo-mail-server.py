#!/usr/bin/env python3
"""The demo's mail server: a small SMTP server (python3 standard library only)
that offers STARTTLS with the demo's throwaway certificate, takes AUTH PLAIN
or LOGIN only over TLS, and prints one line for each mail it receives.

  demo-mail-server.py CERT KEY USER PASSWORD

It listens on 127.0.0.1, prints its port first, and runs until killed.  It
is not a mail server for anything but the demo: it delivers nothing.
"""
import base64
import email
import email.policy
import socket
import socketserver
import ssl
import sys


class Session(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.tls = False
        self.user = None
        self.rcpts = []

    def say(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def ask(self, prompt):
        self.say("334 " + prompt)
        return base64.b64decode(self.rfile.readline().strip() or b"=").decode("utf-8", "replace")

    def login(self, args):
        mechanism = args[0].upper() if args else ""
        if not self.tls:
            return self.say("538 5.7.11 Encryption required for requested authentication mechanism")
        if mechanism == "PLAIN":
            blob = base64.b64decode(args[1]).decode() if len(args) > 1 else self.ask("")
            _, user, password = (blob.split("\0") + ["", ""])[:3]
        elif mechanism == "LOGIN":
            user = base64.b64decode(args[1]).decode() if len(args) > 1 else self.ask("VXNlcm5hbWU6")
            password = self.ask("UGFzc3dvcmQ6")
        else:
            return self.say("504 5.5.4 Unrecognized authentication type")
        if (user, password) != (self.server.user, self.server.password):
            return self.say("535 5.7.8 Authentication credentials invalid")
        self.user = user
        self.say("235 2.7.0 Authentication successful")

    def data(self):
        self.say("354 End data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            line = self.rfile.readline()
            if line in (b".\r\n", b".\n", b""):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        msg = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        print("  mail server: got %s over TLS, logged in as %s, for %s" % (msg["Message-ID"], self.user,
                                                                          ", ".join(self.rcpts)), flush=True)
        for name in ("Date", "From", "To", "Subject"):
            print("    %s: %s" % (name, msg[name]), flush=True)
        for text in msg.get_content().replace("\r\n", "\n").rstrip("\n").split("\n"):
            print("    | " + text, flush=True)
        self.say("250 2.0.0 OK: queued (for the demo, not delivered)")

    def handle(self):
        self.say("220 relctl-demo ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            words = line.decode("utf-8", "replace").strip().split()
            verb = words[0].upper() if words else ""
            if verb in ("EHLO", "HELO"):
                self.say("250-relctl-demo")
                self.say("250-AUTH PLAIN LOGIN" if self.tls else "250-STARTTLS")
                self.say("250 8BITMIME")
            elif verb == "STARTTLS" and not self.tls:
                self.say("220 2.0.0 Ready to start TLS")
                self.connection = self.server.context.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                self.tls = True
            elif verb == "AUTH":
                self.login(words[1:])
            elif verb == "MAIL":
                if self.user is None:
                    self.say("530 5.7.0 Authentication required")
                else:
                    self.rcpts = []
                    self.say("250 2.1.0 OK")
            elif verb == "RCPT":
                self.rcpts.append(" ".join(words[1:])[3:].strip("<>"))
                self.say("250 2.1.5 OK")
            elif verb == "DATA":
                self.data()
            elif verb in ("RSET", "NOOP"):
                self.say("250 2.0.0 OK")
            elif verb == "QUIT":
                self.say("221 2.0.0 Bye")
                return
            else:
                self.say("502 5.5.2 Command not recognized")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    cert, key, user, password = sys.argv[1:5]
    server = Server(("127.0.0.1", 0), Session)
    server.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.context.load_cert_chain(cert, key)
    server.user, server.password = user, password
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
