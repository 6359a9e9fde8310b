"""RecurrentLayer against torch.nn as the oracle: outputs, final states and every gradient."""

import re

import pytest
import torch
from torch import nn

from rnnviz.cells import CELLS, RecurrentLayer

TORCH = {"rnn_tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTM, {}), "gru": (nn.GRU, {})}
CASES = [(cell, layers, bidirectional) for cell in TORCH for layers in (1, 2, 3)
         for bidirectional in (False, True)]


def pair(cell, input_size, hidden_size, layers, bidirectional, dtype):
    kind, extra = TORCH[cell]
    reference = kind(input_size, hidden_size, layers, batch_first=True,
                     bidirectional=bidirectional, **extra).to(dtype)
    ours = RecurrentLayer(cell, input_size, hidden_size, layers, bidirectional).to(dtype)
    ours.load_state_dict(reference.state_dict())
    return ours, reference


def run_both(ours, reference, x):
    out, trace = ours(x)
    ref_out, ref_state = reference(x)
    ref_h = ref_state[0] if isinstance(ref_state, tuple) else ref_state
    # weight the loss by a fixed random tensor so every output position matters differently
    weights = torch.linspace(-1, 1, out.numel(), dtype=x.dtype).reshape(out.shape)
    (out * weights).sum().add(trace.h_n.pow(2).sum()).backward()
    (ref_out * weights).sum().add(ref_h.pow(2).sum()).backward()
    return out, trace, ref_out, ref_state


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("cell,layers,bidirectional", CASES)
def test_outputs_states_and_gradients_match_torch(cell, layers, bidirectional, dtype, tol):
    torch.manual_seed(layers * 10 + bidirectional)
    ours, reference = pair(cell, 5, 7, layers, bidirectional, dtype)  # odd sizes on purpose
    x = torch.randn(3, 9, 5, dtype=dtype)
    out, trace, ref_out, ref_state = run_both(ours, reference, x)
    assert (out - ref_out).abs().max() < tol
    if cell == "lstm":
        assert (trace.h_n - ref_state[0]).abs().max() < tol
        assert (trace.c_n - ref_state[1]).abs().max() < tol
    else:
        assert (trace.h_n - ref_state).abs().max() < tol
    ref_params = dict(reference.named_parameters())
    for name, param in ours.named_parameters():
        assert (param.grad - ref_params[name].grad).abs().max() < tol * 10, name


@pytest.mark.parametrize("cell", list(TORCH))
def test_fast_path_shares_parameters_with_torch_module(cell):
    ours = RecurrentLayer(cell, 4, 6, 2, bidirectional=True)
    x = torch.randn(2, 5, 4)
    assert torch.allclose(ours.fast(x), ours(x)[0], atol=1e-6)
    with torch.no_grad():  # an optimizer step acts on the shared Parameter objects
        for p in ours.parameters():
            p.mul_(1.5)
    assert torch.allclose(ours.fast(x), ours(x)[0], atol=1e-6)
    ours.double()  # .to() re-shares parameters with torch's module
    assert torch.allclose(ours.fast(x.double()), ours(x.double())[0], atol=1e-12)


@pytest.mark.parametrize("cell", list(TORCH))
def test_state_dict_loads_both_ways(cell):
    kind, extra = TORCH[cell]
    ours = RecurrentLayer(cell, 8, 32, 2)
    reference = kind(8, 32, 2, batch_first=True, **extra)
    assert list(ours.state_dict()) == list(reference.state_dict())
    reference.load_state_dict(ours.state_dict())
    x = torch.randn(4, 6, 8)
    assert (reference(x)[0] - ours(x)[0]).abs().max() < 1e-5


@pytest.mark.parametrize("cell", list(TORCH))
def test_trace_shapes_and_gate_names(cell):
    layer = RecurrentLayer(cell, 3, 5, num_layers=2, bidirectional=True)
    out, trace = layer(torch.randn(4, 7, 3))
    assert out.shape == (4, 7, 10)
    assert len(trace.hidden) == 2 and all(h.shape == (4, 7, 10) for h in trace.hidden)
    assert [tuple(g) for g in trace.gates] == [CELLS[cell].gates] * 2
    assert all(v.shape == (4, 7, 10) for g in trace.gates for v in g.values())
    assert len(trace.cell_state) == (2 if cell == "lstm" else 0)
    assert len(trace.steps) == 4 and all(len(s) == 7 for s in trace.steps)
    assert trace.hidden[-1] is out or torch.equal(trace.hidden[-1], out)


def test_gates_are_what_the_equations_say():
    layer = RecurrentLayer("lstm", 2, 3)
    _, trace = layer(torch.randn(2, 4, 2))
    gates = trace.gates[0]
    for name in ("input", "forget", "output"):
        assert gates[name].min() >= 0 and gates[name].max() <= 1
    cell = trace.cell_state[0]
    previous = torch.cat([torch.zeros(2, 1, 3), cell[:, :-1]], 1)
    expected = gates["forget"] * previous + gates["input"] * gates["cell"]
    assert torch.allclose(cell, expected, atol=1e-6)
    assert torch.allclose(trace.hidden[0], gates["output"] * torch.tanh(cell), atol=1e-6)


@pytest.mark.parametrize("bad", [{"cell": "transformer"}, {"hidden_size": 0}, {"input_size": -1},
                                 {"num_layers": 0}, {"num_layers": True}, {"bidirectional": "yes"}])
def test_bad_arguments_raise_value_error_naming_the_field(bad):
    args = {"cell": "gru", "input_size": 3, "hidden_size": 4, "num_layers": 1} | bad
    with pytest.raises(ValueError, match=next(iter(bad))):
        RecurrentLayer(**args)


def test_wrong_input_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="x: expected"):
        RecurrentLayer("gru", 3, 4)(torch.randn(2, 5, 2))


def test_layers_do_not_touch_the_global_rng():
    state = torch.get_rng_state()
    RecurrentLayer("lstm", 3, 4, generator=torch.Generator().manual_seed(1))
    assert torch.equal(state, torch.get_rng_state())


def control_words(latex: str) -> list[str]:
    """The control words TeX (and KaTeX, which st.latex uses) reads: a backslash and every letter
    after it, so `\\quadf_t` is the unknown `\\quadf`, not `\\quad` then `f`."""
    return re.findall(r"\\([A-Za-z]+)", latex)


def known_to_mathtext() -> set[str]:
    from matplotlib import _mathtext, _mathtext_data

    parser = _mathtext.Parser
    return (set(_mathtext_data.tex2uni) | set(parser._function_names)
            | {s.lstrip("\\") for s in parser._space_widths} | {"frac", "sqrt", "left", "right", "mathrm"})


def latex_errors(latex: str) -> list[str]:
    """Why `latex` would not render: mathtext's parse error, or control words it does not know
    (mathtext alone accepts `\\quadf` as `\\quad f`; KaTeX does not)."""
    from matplotlib.mathtext import MathTextParser

    errors = [f"unknown \\{w}" for w in control_words(latex) if w not in known_to_mathtext()]
    try:
        MathTextParser("path").parse(f"${latex}$")
    except ValueError as err:
        errors.append(str(err).splitlines()[-1])
    return errors


@pytest.mark.parametrize("cell", list(CELLS))
def test_every_equation_is_valid_latex(cell):
    assert CELLS[cell].equations
    for line in CELLS[cell].equations:
        assert latex_errors(line) == [], line


def test_the_latex_check_catches_words_run_together():
    joined = r"i_t = \sigma(x) \quad" r"f_t = \sigma(y)"  # the old bug: two strings, no space
    assert latex_errors(joined) == ["unknown \\quadf"]
    assert latex_errors(r"\frac{1}{") != []
    assert latex_errors(r"i_t = \sigma(x) \quad f_t") == []


def test_registry_entries_agree_with_their_names():
    for name, cell in CELLS.items():
        assert cell.name == name and cell.display_name
        assert len(cell.gates) in (0, cell.gate_rows)
        module = cell.torch_module(2, 3, 1)
        assert module.weight_hh_l0.shape == (cell.gate_rows * 3, 3)
