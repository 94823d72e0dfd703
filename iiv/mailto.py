"""`mailto:` links (RFC 6068): the one place they are built, for contact links and drafts.

Every part is percent-encoded, so that a value cannot add fields of its own: an address
written `a@x?bcc=spy@evil&subject=hi` stays one (odd) address, never a hidden Bcc.
"""

from __future__ import annotations

import re
from urllib.parse import quote

ADDRESS_SEPARATORS_RE = re.compile(r"[,;]")


def mailto_url(to: str, subject: str | None = None, body: str | None = None) -> str | None:
    """A `mailto:` URL for one address or several (separated by `,` or `;`), with an optional
    subject and body; None when `to` holds no address (no `@`)."""
    addresses = [part.strip() for part in ADDRESS_SEPARATORS_RE.split(to)]
    addresses = [address for address in addresses if address]
    if not addresses or not all("@" in address for address in addresses):
        return None
    url = "mailto:" + ",".join(quote(address, safe="@") for address in addresses)
    fields = [(name, value) for name, value in (("subject", subject), ("body", body)) if value]
    if fields:
        # line breaks are CRLF in a mail, and written %0D%0A in a mailto URL
        url += "?" + "&".join(f"{name}={quote(_crlf(value), safe='')}" for name, value in fields)
    return url


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
