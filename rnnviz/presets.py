"""Presets: named configurations with a short lesson each, for a teacher's one-click start."""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.config import RunConfig


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    lesson: str
    config: RunConfig


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("vanishing", "Vanishing gradients in a vanilla RNN",
           "A tanh RNN on the adding problem with 100 steps. Open Gradients: ||dL_T/dh_t|| falls by "
           "many orders of magnitude from the last step back to the first, so the first marked "
           "number gets almost no learning signal and the loss stays at the baseline.",
           RunConfig(cell="rnn_tanh", task="adding", hidden_size=32, seq_len=100, steps=300,
                     lr=1e-3, clip_norm=1.0)),
    Preset("exploding", "Exploding gradients, and clipping",
           "A tanh RNN whose recurrent weights start with spectral radius 2, trained by SGD with "
           "clipping off. The gradient norm grows by orders of magnitude and the run diverges within "
           "a few dozen steps. Turn the clipping toggle on and train again: the same seed now "
           "learns the waves.",
           RunConfig(cell="rnn_tanh", task="sine", hidden_size=32, seq_len=50, steps=300,
                     optimizer="sgd", lr=0.1, clip_norm=None, recurrent_init="scaled",
                     spectral_radius=2.0)),
    Preset("lstm_adding", "LSTM on the adding problem",
           "The same adding problem an RNN fails at, now with an LSTM. Its gradient through time stays "
           "flat thanks to the additive cell state, and its loss falls below the baseline. Compare it "
           "with the vanishing preset on the Compare page.",
           RunConfig(cell="lstm", task="adding", hidden_size=64, seq_len=50, steps=700, lr=1e-2,
                     batch_size=64, forget_bias=1.0)),
    Preset("gates_reber", "LSTM gates on the embedded Reber grammar",
           "An LSTM predicts the next symbol of embedded Reber strings. Open Gates: the forget and "
           "input gates learn to hold the second symbol (T or P) until the end of the inner string.",
           RunConfig(cell="lstm", task="reber", hidden_size=32, seq_len=40, steps=500, lr=1e-2)),
    Preset("gru_text", "A GRU reads text",
           "A GRU learns to predict the next character of a short text. Open Hidden states and pick "
           "a unit: some track spaces, word starts or vowels.",
           RunConfig(cell="gru", task="chars", hidden_size=64, seq_len=50, steps=400, lr=5e-3)),
    Preset("irnn", "IRNN: identity init with ReLU",
           "Le et al. (2015): a ReLU RNN whose recurrent matrix starts as the identity keeps its "
           "gradient through time close to 1, like an LSTM, on the adding problem.",
           RunConfig(cell="rnn_relu", task="adding", hidden_size=32, seq_len=50, steps=600, lr=1e-3,
                     recurrent_init="identity", clip_norm=1.0)),
    Preset("first_lesson", "First lesson: the ramp 0.1, 0.2, ...",
           "The smallest possible sequence task: predict the next value of a ramp. The loss falls in "
           "a few dozen steps; the hidden state traces a line through its space.",
           RunConfig(cell="rnn_tanh", task="ramp", hidden_size=8, seq_len=10, steps=200, lr=1e-2)),
)}
