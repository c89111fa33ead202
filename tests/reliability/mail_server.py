"""A small SMTP server on 127.0.0.1 for the fault tests: it keeps the messages it
accepted, and while `stalled` is set it reads a message's data and then never
answers, as a mail server does that hangs in the middle of a send. A message is
accepted, as in SMTP, only by the 250 that follows its data: a client that dies
before that has delivered nothing."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from email.message import Message

from tests.reliability.processes import free_port

SMTP_PORTS = range(8446, 8450)  # the live-server range's end; never a real port 25


class MailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.accepted: list[Message] = []
        self.stalled = threading.Event()
        self.data_received = threading.Event()  # a stalled send reached its end
        self.released = threading.Event()
        super().__init__(("127.0.0.1", free_port(SMTP_PORTS)), _Session)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> MailServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()


class _Session(socketserver.StreamRequestHandler):
    server: MailServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    data += chunk
                if self.server.stalled.is_set():
                    self.server.data_received.set()
                    self.server.released.wait()  # never answers while it lives
                    return
                self.server.accepted.append(message_from_bytes(data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")
