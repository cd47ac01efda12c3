"""An SMTP server in a process of its own that counts what it accepts: the benches' local mail server.

    python -m bench.smtp_sink PORT

It accepts every message on 127.0.0.1:PORT, prints "ready" once it listens, and on SIGTERM prints one
JSON line {"messages": …, "recipients": …, "message_ids": …, "repeated": …} (distinct recipients and
Message-IDs, and the messages that came again under a Message-ID already seen) and exits. In a process
of its own, as a real mail server is, it takes no CPU from the sender.
"""

import json
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

from bench.pages.servers import free_port


class CountingInbox:
    """An aiosmtpd handler that counts messages, recipients and how often each Message-ID came."""

    def __init__(self):
        self.messages = 0
        self.recipients: set[str] = set()
        self.message_ids: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Count one message."""
        self.messages += 1
        self.recipients.update(envelope.rcpt_tos)
        self.message_ids[BytesHeaderParser().parsebytes(envelope.original_content or b"").get("Message-ID", "")] += 1
        return "250 Message accepted"

    def summary(self) -> dict:
        """The counts, as printed at the end; `repeated`: messages under a Message-ID that had come before."""
        return {
            "messages": self.messages,
            "recipients": len(self.recipients),
            "message_ids": len(self.message_ids),
            "repeated": self.messages - len(self.message_ids),
        }


@contextmanager
def running():
    """Start the sink in a child process on a free port; yields (its smtp:// URL, a function that stops it
    and returns its counts)."""
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", str(port)], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("The SMTP sink did not start.")

        def stop() -> dict:
            child.send_signal(signal.SIGTERM)
            return json.loads(child.stdout.readline())

        yield f"smtp://127.0.0.1:{port}", stop
    finally:
        child.kill()
        child.wait()


def main(port: int) -> None:
    """Serve until SIGTERM, then print the counts."""
    inbox = CountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    while not stopped.wait(1):
        pass
    controller.stop()
    print(json.dumps(inbox.summary()), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
