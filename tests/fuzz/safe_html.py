"""What "safe comment HTML" means, checked by a real HTML parser (the stdlib's): only the tags
and attributes community/markdown.py allows, every tag closed in order, no comment or
declaration, links to http(s), mailto or a member's page only, with the nofollow rel (an ``<a>`` whose
address the sanitiser dropped stays, without href: no link at all)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from paperboy.community import markdown

VOID = {"br", "hr"}
ALLOWED = {**{t: set() for t in markdown.TAGS}, "a": {"href", "title", "rel", "class"},
           "ol": {"start"}, "span": {"class"}}
MEMBER_LINK = re.compile(r"/members/[A-Za-z0-9][A-Za-z0-9_.-]{0,38}")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]")  # what a browser drops from a URL's scheme


class Unsafe(AssertionError):
    pass


class SafeHTML(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.feed(html)
        self.close()
        if self.open:
            raise Unsafe(f"unclosed {self.open} in {html[:300]!r}")
        if self.rawdata:
            raise Unsafe(f"unparsed rest {self.rawdata[:80]!r}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise Unsafe(f"tag <{tag}>")
        names = [k for k, _ in attrs]
        if len(set(names)) != len(names) or not set(names) <= ALLOWED[tag]:
            raise Unsafe(f"attributes {names} on <{tag}>")
        values = {k: v or "" for k, v in attrs}
        if "class" in values and not set(values["class"].split()) <= markdown.CLASSES.get(tag, set()):
            raise Unsafe(f"class {values['class']!r} on <{tag}>")
        if tag == "a":
            href = values.get("href", "")
            scheme = _INVISIBLE.sub("", href).lower()
            mention = values.get("class") == "mention"
            if mention and not MEMBER_LINK.fullmatch(href):
                raise Unsafe(f"mention link {href!r}")
            # ("[a]()" gives href="": this very page, no script)
            if not mention and scheme and not scheme.startswith(("http://", "https://", "mailto:")):
                raise Unsafe(f"link {href!r}")
            if values.get("rel") != markdown.REL:
                raise Unsafe(f"rel {values.get('rel')!r}")
        if tag == "ol" and not values.get("start", "1").isdigit():
            raise Unsafe(f"ol start {values['start']!r}")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            raise Unsafe(f"self-closed <{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.open or self.open[-1] != tag:
            raise Unsafe(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise Unsafe(f"raw angle bracket in text {data[:80]!r}")

    def handle_comment(self, data: str) -> None:
        raise Unsafe(f"comment <!--{data[:40]}")

    def handle_decl(self, decl: str) -> None:
        raise Unsafe(f"declaration {decl[:40]!r}")

    def handle_pi(self, data: str) -> None:
        raise Unsafe(f"processing instruction {data[:40]!r}")

    def unknown_decl(self, data: str) -> None:
        raise Unsafe(f"declaration {data[:40]!r}")


def check(html: str) -> None:
    """Raise :class:`Unsafe` saying what is wrong with ``html``."""
    SafeHTML(html)
