"""`mailto:` links (RFC 6068): the one place they are built, for contact links and drafts.

Every part is percent-encoded, so that nothing in a note can add a recipient or a header:
`?`, `&`, `,`, `%` and line breaks in the address are encoded, so an `email:` written
`a@x?bcc=spy@evil&subject=hi` stays one (invalid) address, never a hidden Bcc. Line breaks
in the body are sent as CRLF, as the RFC asks; spaces as `%20`, never `+`.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def mailto_url(to: str | None, subject: str | None = None, body: str | None = None) -> str:
    """A `mailto:` URL to one address (none: the mail app asks), with an optional subject
    and body."""
    address = quote(" ".join((to or "").split()), safe="@")
    fields = {"subject": subject or "", "body": _crlf(body or "")}
    query = urlencode({k: v for k, v in fields.items() if v}, quote_via=quote, safe="")
    return f"mailto:{address}?{query}" if query else f"mailto:{address}"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
