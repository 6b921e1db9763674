"""Text that LaTeXML draws inside pictures: a ``tcolorbox`` or TikZ node becomes an
``<svg class="ltx_picture">`` whose words sit in ``<foreignObject>``s (arXiv 2503.20783v2's
"Overview of takeaways" box, its prompt templates). The converter (convert.py) skips SVG as it
skips images, so before it walks the page :func:`unwrap` puts each picture that holds text back
into the flow as plain blocks: one ``div.ltx_para`` per foreignObject, in document order, with
the inline-block spans LaTeXML wraps lists in read as the lists they are. A picture without
text (a plot, a diagram) is left alone, and skipped."""

from __future__ import annotations

from typing import Any

from lxml import etree

BLOCK_SPANS = {"ltx_itemize": "ul", "ltx_enumerate": "ol", "ltx_item": "li", "ltx_para": "div", "ltx_p": "p",
               "ltx_theorem": "div", "ltx_minipage": "div", "ltx_foreignobject_container": "div",
               "ltx_foreignobject_content": "div", "ltx_inline-logical-block": "div"}


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def unwrap(doc: Any) -> int:
    """Replace every text-holding ``svg.ltx_picture`` of ``doc`` (lxml's HTML tree, changed in
    place) by its text as blocks; returns how many pictures were replaced."""
    done = 0
    for svg in list(doc.iter("svg")):
        if "ltx_picture" not in _classes(svg) or svg.getparent() is None:
            continue
        texts = [fo for fo in svg.iter("foreignobject") if "".join(fo.itertext()).strip()]
        if not texts:
            continue
        box = etree.Element("div", {"class": "ltx_para"})
        for fo in texts:
            part = etree.SubElement(box, "div", {"class": "ltx_para"})
            part.text = fo.text
            part.extend(list(fo))
            for el in part.iter():
                if el.tag == "span" and (tag := next((BLOCK_SPANS[c] for c in _classes(el) if c in BLOCK_SPANS), None)):
                    el.tag = tag
        outer, parent = svg, svg.getparent()
        if parent.tag == "span" and "ltx_inline-block" in _classes(parent) and len(parent) == 1 \
                and not (parent.text or "").strip() and parent.getparent() is not None:
            outer = parent  # the span LaTeXML wraps the picture in goes with it
        box.tail = outer.tail
        outer.getparent().replace(outer, box)
        done += 1
    return done
