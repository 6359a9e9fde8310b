"""The house figure style: legends above the plot area with room kept for them, presenter sizes,
and colours that follow a dark page."""

import plotly.graph_objects as go

from rnnviz.plots import style


def figure(names: list[str], hint: str = "") -> go.Figure:
    fig = style.new_figure("A title", hint, "x", "y")
    for name in names:
        fig.add_trace(go.Scatter(x=[0, 1], y=[1, 2], name=name, line=dict(color=style.PALETTE[0])))
    return fig


def test_the_legend_is_a_row_above_the_plot_area_with_room_kept_for_it():
    one, two = style.finish(figure(["only"])), style.finish(figure(["a run", "a baseline"]))
    legend = two.layout.template.layout.legend
    assert legend.orientation == "h" and legend.y >= 1 and legend.yanchor == "bottom"
    assert two.layout.margin.t > one.layout.margin.t  # a legend row only where plotly draws one
    many = style.finish(figure([f"a long legend entry number {i}" for i in range(8)]))
    assert many.layout.margin.t >= two.layout.margin.t + style.LEGEND_ROW_PX  # it wraps: more rows


def test_presenter_scales_fonts_and_margins_and_rewraps_the_subtitle():
    hint = "word " * 60
    plain, big = style.finish(figure(["a", "b"], hint)), style.finish(figure(["a", "b"], hint), True)
    assert big.layout.font.size == 1.5 * style.MIN_FONT
    assert big.layout.margin.t > plain.layout.margin.t
    for fig in (plain, big):
        assert all(len(line) <= style.HINT_WIDTH for line in fig.layout.title.subtitle.text.split("<br>"))


def test_backgrounds_are_transparent_and_text_takes_the_page_colour():
    layout = style.TEMPLATE.layout
    assert layout.paper_bgcolor == layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert layout.font.color is None


def test_a_dark_page_gets_the_light_partners_of_dark_colours():
    fig = figure(["a", "b"])
    fig.add_hline(y=1, line=dict(color="#000000"))
    dark = style.for_dark(fig)
    assert dark.data[0].line.color == "#56B4E9" and dark.layout.shapes[0].line.color == "#FFFFFF"
    assert dark.layout.font.color == style.DARK_FONT
    assert fig.data[0].line.color == style.PALETTE[0]  # the light figure is left as it was
