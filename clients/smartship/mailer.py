"""Outgoing mail: SMTP in production; by default an outbox folder, so the demo needs no mail server."""
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app


def build_message(to, subject, body):
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="smartship.local")
    message.set_content(body)
    return message


def send(to, subject, body):
    message = build_message(to, subject, body)
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message, config)
    else:
        _write_to_outbox(message, config)


def _send_smtp(message, config):
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_to_outbox(message, config):
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_")
    (outbox / f"{name}.eml").write_bytes(bytes(message))
    current_app.logger.warning(
        "mail to %s written to %s: %s\n%s", message["To"], outbox, message["Subject"], message.get_content()
    )
