"""Text from links and files is shown as typed: no link, image, autolink or HTML can form."""

import re

import plotly.graph_objects as go

from rnnviz.app.escape import ZWSP, figure, md, problem, summary

AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp|mailto):|\bwww\\?\.|\w\\?@\w")  # what GFM would autolink


def test_markdown_from_a_link_cannot_form_links_images_or_autolinks():
    for text in ["[Session expired - log in again](http://127.0.0.1:9/x)", "![](http://127.0.0.1:9/x.png)",
                 "see http://127.0.0.1:9/z", "www.example.org", "a@example.org", "<img src=x>", "*bold* $x$"]:
        shown = md(text)
        assert not re.search(r"(?<!\\)[\[\]()!<>:*$@]", shown), shown  # every mark escaped
        assert not AUTOLINK.search(shown.replace("\\", "")), shown      # scheme, www, @ broken
        assert shown.replace("\\", "").replace(ZWSP, "") == text        # and the same text shows


def test_long_and_many_notices_are_cut():
    assert len(md("x" * 1000)) <= 200
    text = summary([f"junk{i}: unknown" for i in range(300)])
    assert text.count("\n- ") == 6 and "295 more" in text


def test_figure_text_keeps_our_tags_only():
    fig = go.Figure(go.Scatter(x=[0], y=[0], name='<a href="http://x">n</a>'),
                    layout={"title": {"text": "<b>ok</b> <img src=x>"}})
    figure(fig)
    assert fig.layout.title.text.startswith("<b>ok</b>") and "<img" not in fig.layout.title.text
    assert "<a" not in fig.data[0].name


def test_an_error_is_shown_as_its_first_line_only():
    err = RuntimeError("shapes do not match\nException raised from check at /pytorch/aten/src/x.cpp:42\n"
                       "frame #0: c10::Error::Error(...)")
    assert problem(err) == "RuntimeError: shapes do not match"
    assert problem(ValueError("hidden_size: must be an integer")) == "hidden_size: must be an integer"
    assert len(problem(TypeError("x" * 1000))) <= 200
