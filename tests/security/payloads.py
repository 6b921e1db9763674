"""The hostile strings the probes send, by kind, and what a response must never show."""

from __future__ import annotations

import re

from tests.web.hostile import PageParts, harmless

XSS = [
    "<script>alert('xss1')</script>",
    '"><img src=x onerror=alert("xss2")>',
    "'><svg onload=alert('xss3')>",
    "</textarea><script>alert('xss4')</script>",
    "</title><script>alert('xss5')</script>",
    '<a href="javascript:alert(\'xss6\')">x</a>',
    '" onmouseover="alert(\'xss7\')" x="',
    "javascript:alert('xss8')",
    "<iframe srcdoc='<script>alert(9)</script>'></iframe>",
    "{{7*7}}${7*7}<%= 7*7 %>",  # template injection: must stay text
    "<!--<script>alert('xss10')</script>-->",
    "]]><script>alert('xss11')</script><![CDATA[",
    "<style>*{display:none}</style>\u2028\u2029",
    "<math><mi xlink:href=\"javascript:alert('xss12')\">x</mi></math>",
]
SQL = [
    "' OR '1'='1", "'; DROP TABLE papers; --", "1; SELECT pg_sleep(5); --", "\" OR \"\"=\"",
    "1' UNION SELECT null, version() --", "$$; DROP TABLE members; $$", "' || (SELECT current_user) || '",
    "\\'; DELETE FROM votes; --", "%", "_", "%' OR 1=1 --", "1 OR 1=1", "0x27", "-1", "99999999999999999999",
    "1e309", "'/**/OR/**/1=1", "\\", "'", "E'\\x27'",
]
TRAVERSAL = [
    "../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "....//....//etc/passwd", "..\\..\\..\\etc\\passwd", "%252e%252e%252fetc%252fpasswd",
    "/etc/passwd", "..%00/etc/passwd", "..;/..;/etc/passwd", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
]
# Where a redirect must never go (a browser reads backslashes as slashes and drops tabs and
# newlines from a URL).
REDIRECTS = [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\/evil.example", "/\t/evil.example",
    "http:evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:%20evil=1", "/\r\nSet-Cookie: evil=1",
    "//evil.example@paperboy", "/%2F%2Fevil.example", "%2F%2Fevil.example", " //evil.example", "///evil.example",
    "data:text/html,x",
]
# Said by a database or a Python stack: a response carrying one leaks how the query failed.
LEAKS = re.compile(r"syntax error at or near|psycopg|SQLSTATE|Traceback \(most recent|unterminated quoted"
                   r"|current transaction is aborted|pg_catalog|ProgrammingError|DataError|UndefinedTable",
                   re.IGNORECASE)
_DROPPED = re.compile(r"[\t\n\r]")


def leaks(text: str) -> list[str]:
    return LEAKS.findall(text)


def redirect_stays(location: str) -> bool:
    """A Location a browser would follow to this site only: a path, not //host, /\\host or a
    scheme."""
    seen = _DROPPED.sub("", location).replace("\\", "/").strip()
    return seen.startswith("/") and not seen.startswith("//")


def page_is_inert(html: str) -> list[str]:
    """What in a page could run a script: inline code or handlers, or a link that is not
    http(s) or relative, or a payload's tag that survived. Empty: nothing."""
    parts = PageParts(html)
    bad = list(parts.inline)
    bad += [f"link {u!r}" for u in parts.urls if not harmless(u)]
    bad += [m for m in ("<script>alert(", "<iframe", "<svg", "<math", "<img")
            if m in html]
    return bad
