"""The mail a site sent, for tests: from its outbox folder (the demo's and the tests' mail
backend) or received over SMTP on 127.0.0.1 (SMTPInbox, with aiosmtpd)."""
import email
import re


def link_in(messages, pattern, to=None):
    """Group 1 of ``pattern`` in the newest message (to ``to``, when given) whose body has it."""
    for message in reversed(messages):
        if to is None or message["To"] == to:
            match = re.search(pattern, message.get_payload(decode=True).decode())
            if match:
                return match.group(1)
    raise AssertionError(f"no mail to {to or 'anyone'} with a link")


class Outbox:
    """The ``.eml`` files of an outbox folder, oldest first."""

    def __init__(self, path, link_pattern):
        self.path = path
        self.link_pattern = link_pattern

    def messages(self):
        if not self.path.exists():
            return []
        files = sorted(self.path.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes()) for p in files]

    def last_link(self, to=None):
        return link_in(self.messages(), self.link_pattern, to)


class SMTPInbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self, link_pattern):
        self.messages = []
        self.link_pattern = link_pattern

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def link_to(self, address):
        return link_in(self.messages, self.link_pattern, address)
