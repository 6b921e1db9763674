"""arXiv's HTML (LaTeXML) to Markdown and a section outline: a pure function, no database, no
network, no clock (fuzzed in tests/fuzz/test_fulltext.py).

A walker of our own over lxml's tree, not markdownify: what matters here is LaTeXML's own
structure (``alttext`` on ``<math>``, equation tables, ``ltx_note`` footnotes, ``ltx_bibitem``,
``ltx_tag`` numbers, arXiv's page chrome around ``article.ltx_document``), which a general
HTML-to-Markdown converter does not know and would render as MathML soup and layout tables.
lxml's HTML parser (libxml2) is fast and takes any bytes, broken markup included.

What comes out: sections as headings (``h2`` → ``##``, …), paragraphs, lists, math as LaTeX
(``$…$`` inline, ``$$…$$`` display), tables as Markdown tables when every row has the same
cells and no cell spans lines (else one line per row, cells joined by `` · ``), figure and
table captions (``**Figure 1:** …``), footnotes (``[^1]`` and their text at the end), code
listings fenced, and the bibliography as a numbered list. The paper's title, authors and
abstract are left out: the page that shows the text says them already. Scripts, styles,
navigation, forms and images are never read; text drawn in SVG pictures is (pictures.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lhtml

from paperboy.fulltext import pictures

MAX_HTML_BYTES = 40_000_000  # a page larger than this is not converted (arXiv's largest are ~20 MB)
MAX_MARKDOWN_CHARS = 1_500_000  # the text kept per paper; past it, cut at a block with a note
MAX_OUTLINE = 400  # headings kept in the outline
MAX_DEPTH = 120  # deeper nesting is read as plain text
MAX_TABLE_COLS = 24
MAX_HEADING_CHARS = 2000  # a heading's source text (MathML included); longer is read as text
MIN_TEXT_CHARS = 300  # less, without a heading, is a failed conversion's debris (arXiv 2608.30667v1: "long longfalse")

SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "nav", "header",
             "footer", "form", "dialog", "button", "input", "select", "textarea", "iframe", "object",
             "embed", "svg", "img", "canvas", "video", "audio", "source", "picture", "map"}
SKIP_CLASSES = {"ltx_page_navbar", "ltx_page_footer", "ltx_page_logo", "ltx_TOC", "ltx_authors",
                "ltx_abstract", "ltx_title_document", "ltx_dates", "ltx_pagination", "ltx_listing_data",
                "ltx_tag_item", "ltx_note_mark", "ltx_tag_note", "ltx_note_type", "ltx_tag_bibitem",
                "ltx_eqn_eqno", "ltx_keywords", "ltx_classification", "ltx_ERROR", "ltx_subtitle",
                "ltx_tag_listingline"}
BLOCK_TAGS = {"address", "article", "aside", "blockquote", "div", "dl", "dd", "dt", "figure", "figcaption",
              "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table",
              "ul", "body", "html", "center", "details", "summary"}

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPECIAL = re.compile(r"[\\`*_\[\]<>$]")
_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)])|\|)")
_URL = re.compile(r"https?://[^\s<>\x00-\x1f\x7f]+")
_LATEXML = re.compile(rb"LaTeXML|ltx_document|ltx_page_main", re.I)


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str  # the section's id in arXiv's page ("S4.SS2"), or ""

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "title": self.title, "anchor": self.anchor}


@dataclass
class Converted:
    markdown: str  # "" when the page held no text
    outline: list[Heading]
    latexml: bool  # the page says it was made by LaTeXML (else it is something else: an error page, garbage)
    truncated: bool = False


@dataclass
class _Walk:
    outline: list[Heading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _skipped(el: Any) -> bool:
    return not isinstance(el.tag, str) or el.tag.lower() in SKIP_TAGS or bool(_classes(el) & SKIP_CLASSES)


def _text(el: Any) -> str:
    """An element's text, leaving out what is never read (scripts, styles, chrome); iterative,
    so any depth of nesting is fine."""
    out: list[str] = []
    stack: list[tuple[Any, bool]] = [(el, False)]
    while stack:
        node, after = stack.pop()
        if after:
            out.append(node.tail or "")
            continue
        if node is not el:
            stack.append((node, True))
        if _skipped(node):
            continue
        out.append(node.text or "")
        stack.extend((c, False) for c in reversed(node))
    return "".join(out)


def _esc(text: str | None) -> str:
    """Text as Markdown shows it: the characters Markdown (or math) would act on escaped."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text) if text else ""


def _clean(text: str) -> str:
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()


def _math(el: Any) -> tuple[str, bool]:
    """(LaTeX, is display) of a <math>: LaTeXML's alttext, else its TeX annotation, else its text."""
    tex = el.get("alttext")
    if tex is None:
        ann = [a for a in el.iter() if isinstance(a.tag, str) and a.tag.endswith("annotation")
               and a.get("encoding") == "application/x-tex"]
        tex = _text(ann[0]) if ann else _text(el)
    tex = _WS.sub(" ", _CONTROL.sub("", tex)).strip().replace("$", r"\$")
    return tex, el.get("display") == "block"


def _inline(el: Any, w: _Walk, depth: int) -> str:
    """The inline Markdown of an element's content (its own tail excluded)."""
    if depth > MAX_DEPTH:
        return _esc(_text(el))
    parts = [_esc(el.text)]
    for child in el:
        parts.append(_inline_el(child, w, depth + 1))
        parts.append(_esc(child.tail))
    return "".join(parts)


def _inline_el(el: Any, w: _Walk, depth: int) -> str:
    if _skipped(el):
        return ""
    tag, cls = el.tag.lower(), _classes(el)
    if tag == "math":
        tex, display = _math(el)
        return "" if not tex else (f" $${tex}$$ " if display else f"${tex}$")
    if "ltx_note" in cls:
        return _note(el, w, depth)
    if tag == "br":
        return " "
    inner = _inline(el, w, depth)
    if not inner.strip():
        return inner
    if tag in ("em", "i") or "ltx_font_italic" in cls:
        return f"*{inner.strip()}*" if "*" not in inner else inner
    if tag in ("b", "strong") or "ltx_font_bold" in cls:
        return f"**{inner.strip()}**" if "*" not in inner else inner
    if tag == "code":
        code = _clean(_text(el))
        ticks = "`" * (max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
        return f"{ticks} {code} {ticks}" if code else ""
    if tag == "a" and "ltx_url" in cls and _URL.fullmatch(el.get("href") or ""):
        return f"<{el.get('href')}>"
    if tag in BLOCK_TAGS:
        return f" {inner} "
    return inner


def _note(el: Any, w: _Walk, depth: int) -> str:
    content = next((c for c in el.iter() if isinstance(c.tag, str) and "ltx_note_content" in _classes(c)), el)
    text = _clean(_inline(content, w, depth))
    if not text:
        return ""
    w.notes.append(text)
    return "" if "ltx_role_footnotetext" in _classes(el) else f"[^{len(w.notes)}]"


def _para(text: str) -> str:
    text = _clean(text)
    return _LINE_START.sub(lambda m: "\\" + m.group(0), text)


def _is_block(el: Any) -> bool:
    if not isinstance(el.tag, str):
        return False
    tag = el.tag.lower()
    if tag == "math":
        return el.get("display") == "block"
    if tag in ("code", "span", "a", "em", "b", "i", "tt", "sup", "sub"):
        return "ltx_para" in _classes(el)
    return tag in BLOCK_TAGS or bool(_classes(el) & {"ltx_para", "ltx_listing", "ltx_verbatim", "ltx_figure",
                                                        "ltx_table", "ltx_block", "ltx_quote"})


def _blocks(el: Any, w: _Walk, depth: int) -> list[str]:
    """The Markdown blocks of one block element."""
    if _skipped(el):
        return []
    tag, cls = el.tag.lower(), _classes(el)
    if depth > MAX_DEPTH:
        return [p] if (p := _para(_esc(_text(el)))) else []
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return _heading(el, w, depth)
    if tag == "math":
        tex, _ = _math(el)
        return [f"$${tex}$$"] if tex else []
    if tag == "table" and cls & {"ltx_equation", "ltx_equationgroup", "ltx_eqn_table"}:
        return _equations(el)
    if tag == "table":
        return _table(el, w, depth)
    if tag in ("ul", "ol"):
        return _list(el, w, depth, numbered=tag == "ol" or "ltx_biblist" in cls)
    if tag == "pre" or (cls & {"ltx_listing", "ltx_verbatim"} and tag != "code"):
        return _code(el)
    if tag == "figcaption" or "ltx_caption" in cls:
        return _caption(el, w, depth)
    if tag == "hr":
        return ["---"]
    body = _mixed(el, w, depth)
    if tag == "blockquote" or "ltx_quote" in cls:
        return ["\n".join("> " + line if line else ">" for line in "\n\n".join(body).split("\n"))] if body else []
    return body


def _mixed(el: Any, w: _Walk, depth: int) -> list[str]:
    """Blocks of an element holding text and inline elements between its block children."""
    out: list[str] = []
    run = [_esc(el.text)]

    def flush() -> None:
        p = _para("".join(run))
        if p:
            out.append(p)
        run.clear()

    for child in el:
        if _is_block(child) and not _skipped(child):
            flush()
            out += _blocks(child, w, depth + 1)
        else:
            run.append(_inline_el(child, w, depth + 1))
        run.append(_esc(child.tail))
    flush()
    return out


def _heading(el: Any, w: _Walk, depth: int) -> list[str]:
    if len(el.text_content()) > MAX_HEADING_CHARS:  # an unclosed heading swallowed the text after it
        return _mixed(el, w, depth)
    title = _clean(_inline(el, w, depth))
    if not title:
        return []
    level = max(2, int(el.tag[1]))  # the document's title is h1; the page that shows the text says it
    if level >= 6 or _classes(el) & {"ltx_runin", "ltx_title_theorem", "ltx_title_proof"}:
        return [f"**{title}**" if "*" not in title else title.replace("****", "")]  # "**Definition 1.1****.**"
    parent = el.getparent()
    anchor = (parent.get("id") if parent is not None else None) or el.get("id") or ""
    if len(w.outline) < MAX_OUTLINE:
        w.outline.append(Heading(level, title, _clean(anchor)[:100]))
    return ["#" * level + " " + title]


def _equations(el: Any) -> list[str]:
    out = []
    for row in el.iter("tr"):
        maths = [m for m in row.iter("math")]
        if not maths:
            continue
        tex = " ".join(t for t, _ in map(_math, maths) if t)
        tag = "".join(_clean(c.text_content()) for c in row.iter("td") if "ltx_eqn_eqno" in _classes(c))
        tag = tag.strip("()")
        if tex:
            out.append(f"$${tex} \\tag{{{tag}}}$$" if re.fullmatch(r"[\w.′']{1,12}", tag) else f"$${tex}$$")
    return out


def _cell(el: Any, w: _Walk, depth: int) -> str:
    return _clean(_inline(el, w, depth)).replace("|", "\\|")


def _table(el: Any, w: _Walk, depth: int) -> list[str]:
    rows: list[list[str]] = []
    for tr in el.iter("tr"):
        if next(tr.iterancestors("table"), None) is not el:
            continue  # a nested table's rows are read in their cell
        row: list[str] = []
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            text = _cell(td, w, depth + 1)
            try:
                span = max(1, min(int(td.get("colspan") or 1), MAX_TABLE_COLS))
            except ValueError:
                span = 1
            row += [text] + [""] * (span - 1)
        if any(row):
            rows.append(row)
    if not rows:
        return []
    width = len(rows[0])
    if 1 <= width <= MAX_TABLE_COLS and all(len(r) == width for r in rows) and len(rows) > 1:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return ["\n".join(lines)]
    return ["\n".join("- " + " · ".join(c for c in r if c) for r in rows)]


def _list(el: Any, w: _Walk, depth: int, numbered: bool) -> list[str]:
    items = []
    for li in el:
        if not isinstance(li.tag, str) or _skipped(li):
            continue
        body = "\n\n".join(_mixed(li, w, depth + 1)) if li.tag.lower() == "li" else "\n\n".join(_blocks(li, w, depth + 1))
        if not body.strip():
            continue
        mark = f"{len(items) + 1}. " if numbered else "- "
        lines = body.split("\n")
        items.append(mark + lines[0] + "".join("\n" + (" " * len(mark) + x if x else "") for x in lines[1:]))
    if not items:
        return []
    # a bibliography's entries are one line each; other lists stay tight unless an item is long
    return ["\n".join(items)] if all("\n" not in i for i in items) else ["\n\n".join(items)]


def _code_line(ln: Any) -> str:
    """A listing line's code: its pieces' text, not the whitespace LaTeXML indents its markup with."""
    return "".join([(t if t and t.strip() else "") for t in [ln.text]] + [
        _text(c) + (c.tail if c.tail and c.tail.strip() else "") for c in ln if not _skipped(c)])


def _code(el: Any) -> list[str]:
    lines = [ln for ln in el.iter() if isinstance(ln.tag, str) and "ltx_listingline" in _classes(ln)]
    text = "\n".join(_CONTROL.sub("", _code_line(ln)).rstrip() for ln in lines) if lines else \
        _CONTROL.sub("", _text(el))
    text = text.strip("\n")
    if not text.strip():
        return []
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return [f"{fence}\n{text}\n{fence}"]


def _caption(el: Any, w: _Walk, depth: int) -> list[str]:
    tag = next((t for t in el.iter() if isinstance(t.tag, str) and _classes(t) & {"ltx_tag_figure", "ltx_tag_table"}),
               None)
    label = _clean(_text(tag)) if tag is not None else ""
    if tag is not None:  # the label is said apart: emptied here (the tree is ours), its tail kept
        for c in list(tag):
            tag.remove(c)
        tag.text = None
    rest = _clean(_inline(el, w, depth))
    if not label:
        return [_para(rest)] if rest else []
    return [f"**{_esc(label.rstrip(':').strip())}:** {rest}".rstrip()]


def _root(doc: Any) -> Any:
    for xpath in ("//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_document ')]",
                  "//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_page_content ')]", "//body"):
        found = doc.xpath(xpath)
        if found:
            return found[0]
    return doc


def convert(page: bytes | str) -> Converted:
    """The Markdown and outline of one arXiv HTML page. Never raises on bad input: a page
    that is not LaTeXML says so (``latexml=False``), one without text gives ``markdown=""``;
    a page over MAX_HTML_BYTES is not read (``ValueError``)."""
    data = page.encode("utf-8", "replace") if isinstance(page, str) else bytes(page)
    if len(data) > MAX_HTML_BYTES:
        raise ValueError(f"the page is {len(data):,} bytes; at most {MAX_HTML_BYTES:,} are converted")
    latexml = bool(_LATEXML.search(data[:200_000])) or bool(_LATEXML.search(data[-200_000:]))
    try:
        doc = lhtml.document_fromstring(data, parser=lhtml.HTMLParser(encoding="utf-8", remove_comments=True))
    except (etree.ParserError, ValueError):
        return Converted("", [], latexml=False)
    pictures.unwrap(doc)  # text drawn in SVG pictures (boxes, TikZ nodes) back into the flow
    w = _Walk()
    blocks = _blocks(_root(doc), w, 0)
    if w.notes:
        blocks += [f"[^{i}]: {n}" for i, n in enumerate(w.notes, 1)]
    out, size, truncated = [], 0, False
    for b in blocks:
        if size + len(b) + 2 > MAX_MARKDOWN_CHARS:
            truncated = True
            out.append(f"*[The rest of this paper is left out: paperboy keeps {MAX_MARKDOWN_CHARS:,} characters"
                       " of a paper's text.]*")
            break
        out.append(b)
        size += len(b) + 2
    text = "\n\n".join(out)
    text = text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogate reaches PostgreSQL
    if not w.outline and len(text) < MIN_TEXT_CHARS:
        text = ""
    return Converted(text + "\n" if text else "", w.outline, latexml=latexml, truncated=truncated)
