"""Comment Markdown fuzzing (issue 14): whatever a member writes, up to a comment's 10,000
characters, renders within a second to safe HTML.

Safe, as tests/fuzz/safe_html.py checks with a real HTML parser: only the allowed tags and
attributes, each tag closed in order, no script, style, comment or event handler, links only
to http(s), mailto or a member's page (with rel="nofollow noopener ugc"); sanitising the output
again changes nothing; only members that exist are mentioned.

Inputs: mutated real comments (and the classic XSS payloads), comments built from Markdown's
pieces, long runs of one piece (where a parser turns quadratic), and arbitrary text.
PAPERBOY_FUZZ_EXAMPLES inputs each (300 in ``make test``, 10,000 in ``make fuzz``).
"""

from __future__ import annotations

from hypothesis import event, example, given, note
from hypothesis import strategies as st

from paperboy.community import markdown
from paperboy.community.comments import MAX_BODY, CommentError, check_body
from tests.fuzz import safe_html
from tests.fuzz.budget import FUZZ
from tests.fuzz.mutations import mutated

MEMBERS = {"ada": "Ada", "bob.smith": "bob.smith", "x-y_z": "x-y_z"}
SEEDS = [
    "Nice result! The bound in Eq. 3 is $O(n \\log n)$ but $$\\sum_{i=1}^n a_i * b_i$$ is not.",
    "@ada did you try `torch.compile`?\n\n> quoting the abstract: *we propose*\n\n- one\n- two\n",
    "See [the code](https://github.com/a/b) and <https://example.org/x?y=1&z=2>; mail me at ada@example.org.",
    "1. first\n2. second\n\n```python\nprint('<b>hi</b>')\n```\n\n# Heading\n\n---\n\n**bold** _em_",
    "Costs $5 and $10 here; \\$x\\$ is escaped; $a_b * c_d$ and $x$1",
    "<script>alert(1)</script>", "[click](javascript:alert(1))", "[click](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(2)">a</a>', "<iframe src=https://evil.example></iframe>",
    '<div onmouseover="alert(1)">hover</div>', "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](https://evil.example/pixel.png)", "<svg onload=alert(1)>", "<style>body{display:none}</style>",
    "[v](vbscript:msgbox)", "<javascript:alert(1)>", "[a](java&#x09;script:alert(1))",
    '[a](https://x.org "title\\" onmouseover=\\"alert(1)")', "[a]: javascript:alert(1)\n\n[a]",
    "<!-- hidden --> @ada", "&lt;script&gt; &#60;script&#62; &#x3C;script&#x3E;",
    "[@ada](https://x.org) and [x](https://a.org/@ada)", "`<code>` ``a ` b``",
]
PIECES = st.sampled_from([
    "[", "]", "(", ")", "*", "**", "_", "__", "`", "```", "~~~", "$", "$$", "\\$", "$1", "> ", "- ", "1. ",
    "99999999999. ", "# ", "\n", "\n\n", " ", "    ", "\t", "<", ">", "&", "&amp;", "&#0;", "&#x6a;", "@ada",
    "@Ada.", "@bob.smith-", "@nobody", "a@ada", "http://x.y/", "https://x.org/a_b*c", "mailto:a@b.c",
    "javascript:", "JAVASCRIPT:", "data:", "vbscript:", "![", "[a]: ", '"', "'", "<!--", "-->",
    "<script>", "</script>", "<a href=", " onclick=", "<img", "<b>", "</p>", "<br/>", "|", "---", "===",
    "\x00", "\u2028", "\ufeff", "\u202e", "a", "word", "é", "机",
])
BUILT = st.lists(PIECES, max_size=60).map("".join)
SIZES = st.sampled_from([1_000, 3_000, 6_000, MAX_BODY]) | st.integers(1, MAX_BODY)
RUNS = st.tuples(st.lists(PIECES, min_size=1, max_size=6).map("".join), SIZES).map(
    lambda t: (t[0] * (t[1] // len(t[0]) + 1))[:MAX_BODY])
BODIES = st.one_of(mutated(SEEDS), BUILT, RUNS, st.text(max_size=2000))


@FUZZ
@given(BODIES)
@example("$1" * 5000)  # was 2.6 s: the math rule scanned the rest of the text from every $
@example("$a " * 3333)
@example("[click]()javascript:alert(1))")  # href="": a link to the page itself
def test_comment_markdown_renders_safe_html_quickly(body):
    try:
        body = check_body(body)  # what comments.post does first
    except CommentError as e:  # the documented refusal: empty, too long, NUL, lone surrogate
        assert e.status == 400
        return
    event(f"body of {10 ** len(str(len(body))) // 10:,}+ characters")
    rendered = markdown.render(body, MEMBERS)
    note(f"body {ascii(body[:3000])}\nhtml {ascii(rendered.html[:3000])}")  # (printed when it fails)
    safe_html.check(rendered.html)
    assert markdown.clean(rendered.html) == rendered.html
    assert set(rendered.mentioned) <= set(MEMBERS.values())
    assert "<script" not in rendered.html.lower()  # as text it is escaped: "&lt;script"


def test_the_checker_refuses_what_it_must():
    """The safety check itself can fail (each of these is unsafe)."""
    bad = ['<script>x</script>', '<p onclick="x">a</p>', '<a href="javascript:x" rel="nofollow noopener ugc">a</a>',
           '<a href="https://x" >a</a>', "<p><em>a</p></em>", "<p>a", "<!-- x -->", "<img src=x>",
           '<a class="mention" href="https://evil">@x</a>', "a > b", '<span class="x">a</span>',
           '<a href="data:text/html,x" rel="nofollow noopener ugc">a</a>']
    for html in bad:
        try:
            safe_html.check(html)
        except safe_html.Unsafe:
            continue
        raise AssertionError(f"not refused: {html!r}")
    safe_html.check('<p><a href="https://x.org" rel="nofollow noopener ugc">a</a> &lt;b&gt;<br></p>')
