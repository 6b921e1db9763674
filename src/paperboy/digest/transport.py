"""How a digest reaches a reader: one SMTP connection reused across messages (quicker than
smtplib's own for one message to one reader), or .eml files when no SMTP server is configured.
A refusal is sorted into Transient (retry later) or Permanent (give up); send.py decides what
each means for the outbox."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

from paperboy.config import SMTPSettings
from paperboy.digest.addresses import wire_address


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def _plain(address: str) -> bool:
    """An address that goes into MAIL or RCPT as it is, between angle brackets."""
    return address.isascii() and not any(c in address for c in "<> \r\n")


class _FastData:
    """smtplib's SMTP, quicker for one message to one reader, which is what paperboy sends:

    - DATA's dot-stuffing is done by ``bytes.replace``: smtplib runs a multi-line regex over the
      whole message, a quarter of a millisecond for a 50 kB digest, which was a third of a
      sender's own CPU. The bytes sent are the same.
    - When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write and
      their replies are read together: two round trips a message instead of four. Refusals
      raise what ``sendmail`` raises, and the session is reset as it does.
    """

    def _send_data(self, msg: bytes) -> tuple[int, bytes]:
        q = msg.replace(b"\n.", b"\n..")
        if q.startswith(b"."):
            q = b"." + q
        if not q.endswith(b"\r\n"):
            q += b"\r\n"
        self.send(q + b".\r\n")  # type: ignore[attr-defined]
        return self.getreply()  # type: ignore[attr-defined]

    def data(self, msg: bytes) -> tuple[int, bytes]:  # type: ignore[override]
        if not isinstance(msg, bytes):  # what smtplib does with text (we only send bytes)
            return super().data(msg)  # type: ignore[misc]
        self.putcmd("data")  # type: ignore[attr-defined]
        code, repl = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        return self._send_data(msg)

    def sendmail(self, from_addr: str, to_addrs: list[str], msg: bytes,  # type: ignore[override]
                 mail_options: list[str] = (), rcpt_options: list[str] = ()) -> dict:  # type: ignore[assignment]
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        pipelined = (isinstance(msg, bytes) and len(to_addrs) == 1 and not rcpt_options
                     and _plain(from_addr) and _plain(to_addrs[0]))
        if pipelined:
            smtp.ehlo_or_helo_if_needed()
            pipelined = smtp.does_esmtp and smtp.has_extn("pipelining")
        if not pipelined:
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)  # type: ignore[misc]
        if any(o.lower() == "smtputf8" for o in mail_options):
            smtp.command_encoding = "utf-8"
        options = "".join(f" {o}" for o in mail_options)
        smtp.send(f"MAIL FROM:<{from_addr}>{options}\r\nRCPT TO:<{to_addrs[0]}>\r\nDATA\r\n")
        mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
        refused = mail[0] != 250 or rcpt[0] not in (250, 251)
        if refused and data[0] == 354:  # a server that opened DATA all the same: end it, empty
            smtp.send(".\r\n")
            smtp.getreply()
        if mail[0] != 250:
            smtp.close() if mail[0] == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
        if rcpt[0] not in (250, 251):
            smtp.close() if rcpt[0] == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPRecipientsRefused({to_addrs[0]: rcpt})
        if data[0] != 354:
            raise smtplib.SMTPDataError(*data)
        code, reply = self._send_data(msg)
        if code != 250:
            smtp.close() if code == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPDataError(code, reply)
        return {}


class _SMTP(_FastData, smtplib.SMTP):
    pass


class _SMTP_SSL(_FastData, smtplib.SMTP_SSL):
    pass


class SMTPDelivery:
    """One SMTP connection, reused across messages and reopened when it drops."""

    def __init__(self, settings: SMTPSettings, timeout: float = 30) -> None:
        self.s = settings
        self.timeout = timeout
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        if self.s.security == "ssl":
            conn: smtplib.SMTP = _SMTP_SSL(self.s.host, self.s.port, timeout=self.timeout, context=ctx)
        else:
            conn = _SMTP(self.s.host, self.s.port, timeout=self.timeout)
            if self.s.security == "starttls":
                conn.starttls(context=ctx)
        if self.s.user:
            conn.login(self.s.user, self.s.password or "")
        return conn

    def deliver(self, sender: str, recipient: str, message: bytes) -> None:
        try:
            rcpt = wire_address(recipient)
        except ValueError as e:
            raise Permanent(str(e)) from None
        try:
            if self.conn is None:
                self.conn = self._open()
            options = self._utf8_options(self.conn, sender, rcpt)
            self.conn.sendmail(sender, [rcpt], message, mail_options=options)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            self._classify(code, text)
        except smtplib.SMTPResponseException as e:
            self.close()
            self._classify(e.smtp_code, e.smtp_error)
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as e:
            self.close()
            raise Transient(f"connection: {e}") from None
        except (Transient, Permanent):
            raise
        except Exception:
            # The session may be left mid-transaction (MAIL sent, no DATA): the next message
            # would be refused on it, so it starts on a fresh connection.
            self.close()
            raise

    @staticmethod
    def _utf8_options(conn: smtplib.SMTP, sender: str, rcpt: str) -> list[str]:
        """["SMTPUTF8"] when an address still holds non-ASCII (a local part: domains are
        punycode by now) and the server offers it; without it such a message cannot go."""
        if sender.isascii() and rcpt.isascii():
            return []
        conn.ehlo_or_helo_if_needed()
        if not conn.has_extn("smtputf8"):
            which = rcpt if not rcpt.isascii() else sender
            raise Permanent(f"{which!r} has non-ASCII characters before the @; sending to it needs "
                            "SMTPUTF8, which the SMTP server does not offer")
        return ["SMTPUTF8"]

    @staticmethod
    def _classify(code: int, text: bytes | str) -> None:
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        if 400 <= code < 500:
            raise Transient(f"{code} {detail}")
        raise Permanent(f"{code} {detail}")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None


class FileDelivery:
    """No SMTP server configured: each message becomes a .eml file in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def deliver(self, sender: str, recipient: str, message: bytes, name: str = "") -> None:
        try:
            (self.folder / f"{name}.eml").write_bytes(message)
        except OSError as e:  # a full disk passes
            raise Transient(f"writing {name}.eml: {e}") from None

    def close(self) -> None:
        pass


def delivery_for(smtp: SMTPSettings | None, home: Path) -> SMTPDelivery | FileDelivery:
    return SMTPDelivery(smtp) if smtp else FileDelivery(home / "outbox")
