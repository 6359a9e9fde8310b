"""Text that came from a link or a file, made inert before it reaches Markdown or a chart.

Streamlit renders st.info/st.warning/st.markdown as Markdown (links, images that fetch a remote
address, autolinked URLs) and plotly renders titles and legends as a subset of HTML (<a href>)."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

MAX_CHARS = 200  # one echoed notice; the rest is cut with an ellipsis
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# GFM turns bare URLs, www. names and e-mail addresses into links even when their punctuation is
# escaped: a zero-width space after the scheme, "www" or before "@" stops it and shows the same text.
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp|mailto|www)(?=\\[:.])|(?=\\@))")
ZWSP = "\u200b"
# The tags our own figures use; every other "<" in a figure's text is shown as a character.
_OWN_TAGS = re.compile(r"<(?!/?(?:b|i|br|sup|sub)\s*/?>)", re.IGNORECASE)


def md(text: Any, max_chars: int = MAX_CHARS) -> str:
    """`text` as Markdown that shows exactly these characters: every ASCII punctuation mark is
    backslash-escaped (CommonMark allows it for all of them), so no link, image, HTML, emphasis or
    LaTeX can form, and URLs are broken by an invisible space so GFM cannot autolink them; line
    breaks become spaces; long text is cut."""
    text = " ".join(str(text).split())
    if len(text) > max_chars:
        text = text[:max_chars - 1] + "…"
    return _AUTOLINK.sub(lambda m: m.group(0) + ZWSP, _PUNCTUATION.sub(r"\\\1", text))


def problem(err: BaseException, max_chars: int = 160) -> str:
    """An exception in words for a student: its first line, cut. The rest (torch's C++ source
    locations, signature dumps) goes to the server's log, not the page."""
    lines = str(err).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > max_chars:
        first = first[:max_chars - 1] + "…"
    return first if isinstance(err, ValueError) else f"{type(err).__name__}: {first}"


def summary(notices: Sequence[str], shown: int = 5) -> str | None:
    """One Markdown notice for many (each escaped): a few listed, and how many more there are."""
    if not notices:
        return None
    lines = [f"- {md(n)}" for n in notices[:shown]]
    if len(notices) > shown:
        lines.append(f"- … and {len(notices) - shown} more")
    return "Some link parameters were ignored or changed:\n" + "\n".join(lines)


def _inert(text: Any) -> Any:
    return _OWN_TAGS.sub("&lt;", text) if isinstance(text, str) else text


def figure(fig: Any) -> Any:
    """Make every text plotly draws as HTML inert, except our own <b>, <i>, <br>, <sup>, <sub>:
    titles, subtitles, axis titles, legend and trace names, hover templates, annotations."""
    layout = fig.layout
    layout.title.text = _inert(layout.title.text)
    layout.title.subtitle.text = _inert(layout.title.subtitle.text)
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        axis.title.text = _inert(axis.title.text)
    for annotation in layout.annotations:
        annotation.text = _inert(annotation.text)
    for trace in fig.data:
        trace.name = _inert(trace.name)
        if getattr(trace, "hovertemplate", None):
            trace.hovertemplate = _inert(trace.hovertemplate)
        if getattr(trace, "text", None) is not None and isinstance(trace.text, str):
            trace.text = _inert(trace.text)
    return fig
