"""Presets: named configurations with a short lesson each and the claims that make it true."""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.claims import (
    ADDING_MEMORY_LOSS,
    Claim,
    branch_is_held,
    classes_separate,
    forget_gate_holds,
    gradient_reaches,
    loss_above,
    loss_below,
    loss_jump_above,
    metric_above,
    metric_mean_above,
    spike_above,
)
from rnnviz.claims_seq2seq import length_drop_above, length_drop_below, metric_below
from rnnviz.config import RunConfig
from rnnviz.memory_claims import first_marker_used
from rnnviz.textclaims import gap_above, gap_narrower, writes_words


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    lesson: str
    config: RunConfig
    claims: tuple[Claim, ...] = ()


MEMORY = str(ADDING_MEMORY_LOSS)  # the adding problem's memory threshold, as loss_below's `of`
# The adding-problem presets share one task so that Compare puts them on the same axes.
ADDING = {"task": "adding", "seq_len": 50}

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("first_lesson", "First lesson: the ramp 0.1, 0.2, ...",
           "The smallest possible sequence task: predict the next value of a ramp. The loss falls in "
           "a few dozen steps; the hidden state traces a line through its space.",
           RunConfig(cell="rnn_tanh", task="ramp", hidden_size=8, seq_len=10, steps=200, lr=1e-2),
           (loss_below("The loss falls far below the baseline (a constant guess).", 0.05),)),
    Preset("vanishing", "Vanishing gradients in a vanilla RNN",
           "A tanh RNN on the adding problem with 50 steps. Open Gradients: ||dL_T/dh_t|| falls by "
           "many orders of magnitude from the last step back to the first, so the first marked "
           "number gets almost no learning signal: the loss never gets below 1/12, the loss of a "
           "network that remembers only the second marked number.",
           RunConfig(cell="rnn_tanh", hidden_size=32, steps=300, lr=1e-3, clip_norm=1.0, **ADDING),
           (gradient_reaches("The gradient at t=0 is below a millionth of the one at the last step.",
                             high=1e-6),
            loss_above("The loss stays above 1/12: the first marked number is never used.", 1.0,
                       of=MEMORY),
            first_marker_used("On Memory, the final output depends on the first marked number less "
                              "than a millionth as much as on its strongest input.", high=1e-6))),
    Preset("exploding", "Exploding gradients, and clipping",
           "A tanh RNN whose recurrent weights start with spectral radius 2, trained by SGD with "
           "clipping off. Within a few dozen steps the gradient norm spikes to over 100 times its "
           "starting value and the loss jumps far above where it started; on some seeds it becomes "
           "infinite and the run diverges. Turn the clipping toggle on and train again: the same "
           "seed now learns the waves.",
           RunConfig(cell="rnn_tanh", task="sine", hidden_size=32, seq_len=50, steps=400,
                     optimizer="sgd", lr=0.1, clip_norm=None, recurrent_init="scaled",
                     spectral_radius=2.0),
           (spike_above("Without clipping, the gradient norm spikes to over 100x its start.", 100),
            loss_jump_above("Without clipping, the loss jumps to over 100x its start.", 100),
            loss_below("With clipping on (1.0), the loss ends below 0.3x the baseline.", 0.3,
                       clip_norm=1.0))),
    Preset("lstm_adding", "LSTM on the adding problem",
           "The same adding problem as the vanishing lesson (50 steps), now with an LSTM. Its loss "
           "sits at the baseline for a few hundred steps, then drops below 1/12: it has learned to "
           "carry the first marked number. Before that drop its gradient through time vanishes too "
           "(at t=0, around a millionth of the last step's): the LSTM learns to pass the gradient "
           "on. It ends with the gradient at t=0 over 1/1000 of the last step's (the vanishing "
           "preset's stays below a millionth). Compare the two on the Compare page.",
           RunConfig(cell="lstm", hidden_size=64, steps=1000, lr=1e-2, batch_size=64, record_every=20,
                     forget_bias=1.0, **ADDING),
           (loss_below("The loss ends below half of 1/12 (the loss of remembering only the second "
                        "number): the LSTM uses both marked numbers.", 0.5, of=MEMORY),
            gradient_reaches("At the end, the gradient at t=0 is over 1/1000 of the last step's.",
                             low=1e-3),
            first_marker_used("On Memory, the final output depends on the first marked number over half "
                              "as much as on its strongest input: its memory reaches back.", low=0.5))),
    Preset("gates_reber", "LSTM gates on the embedded Reber grammar",
           "An LSTM predicts the next symbol of embedded Reber strings. The one prediction that needs "
           "memory is the closing T or P, which must repeat the second symbol. Open Gates and look "
           "for the unit whose cell state differs for T and P all through the inner string: its "
           "forget gate stays open there, wider than most units' do.",
           RunConfig(cell="lstm", task="reber", hidden_size=32, seq_len=40, steps=500, lr=1e-2),
           (metric_above("The closing T/P is predicted right on over 95% of validation strings.",
                         "closing_accuracy", 0.95, "closing T/P accuracy"),
            branch_is_held("One unit's cell state tells T from P all through the inner string "
                           "(over 1 standard deviation apart).", 1.0),
            forget_gate_holds("That unit's forget gate is open wider than the average unit's "
                              "(by over 0.15).", 0.15))),
    Preset("gru_text", "A GRU reads text",
           "A GRU learns to predict the next character of a short text. Open Hidden states and pick "
           "a unit: some track spaces, word starts or vowels.",
           RunConfig(cell="gru", task="chars", hidden_size=64, seq_len=50, steps=400, lr=5e-3),
           (loss_below("The training loss falls below 0.6x the baseline.", 0.6),)),
    Preset("irnn", "IRNN: identity init with ReLU",
           "Le et al. (2015): a ReLU RNN whose recurrent matrix starts as the identity, on the "
           "adding problem of the vanishing lesson. The identity passes the gradient back whole, "
           "so from the first step of training it reaches t=0 (at the end, over 1/1000 of the last "
           "step's), and its loss falls below the baseline.",
           RunConfig(cell="rnn_relu", hidden_size=32, steps=600, lr=1e-3, recurrent_init="identity",
                     clip_norm=1.0, **ADDING),
           (loss_below("The loss ends below 0.8x the baseline.", 0.8),
            gradient_reaches("At the end, the gradient at t=0 is over 1/1000 of the last step's.",
                             low=1e-3))),
    Preset("sentiment", "Sentiment with negation",
           "An LSTM reads opinions about a film word by word and says positive or negative after the "
           "last word. Half the sentences are negated (\"the plot was not good at all\", \"i do not "
           "think the music was boring\"), and a neutral clause often follows the opinion, so the "
           "deciding words can sit ten words before the end. Open Decisions and slide through "
           "training: the final hidden states of positive and negative sentences start mixed, then "
           "pull apart into two clusters while the accuracy on negated sentences climbs from chance "
           "to 100%. Then switch the cell to a vanilla RNN and compare its negated line. The word colours "
           "are gradient x input: see whether they fall on \"not\" and the adjective or on the "
           "last few words; a gradient measures what a small change would do, not what a word did.",
           RunConfig(cell="lstm", task="sentiment", hidden_size=32, seq_len=32, steps=400, lr=1e-2,
                     record_every=40, probe_size=24, task_options={"filler": 0.7}),
           (metric_mean_above("Over the last 50 steps, over 90% of negated sentences are classified "
                              "right (each batch is scored before the model trains on it).",
                              "negated_accuracy", 0.9, "accuracy on negated sentences"),
            classes_separate("At the end, the final hidden states of positive and negative probe "
                             "sentences lie over 2 standard deviations apart on the first PCA axis.",
                             2.0))),
    Preset("dropout_text", "Overfitting a small text, and dropout",
           "A two-layer LSTM reads a short text (4,000 characters) far more often than it needs to. "
           "Open the Validation chart: the loss on the training text (dotted) keeps falling while "
           "the loss on the held-out last tenth (solid) turns and rises: the network memorises. "
           "Set dropout to 0.5 and train again: units are zeroed at random while training (never "
           "when measuring), so it cannot lean on any one of them, and the gap stays far narrower.",
           RunConfig(cell="lstm", task="chars", hidden_size=128, num_layers=2, seq_len=48, steps=300,
                     lr=1e-2, record_every=25),
           (gap_above("Without dropout, the validation loss ends over 1.5 nats above the loss on "
                      "training text.", 1.5),
            gap_narrower("With dropout 0.5, that gap ends over 0.5 nats narrower than without it "
                         "(the same seed).", 0.5, {}, dropout=0.5))),
    Preset("char_rnn", "A char-RNN learns to write",
           "An LSTM reads a short text one character at a time and learns to predict the next. At "
           "every record it writes 80 characters from the same start, with the same random draws: "
           "read them under the charts, from step 0's noise to spaces, then short words, then "
           "phrases of its text. When it is done, open 'Write with this model' and try a prompt, a "
           "low temperature (cautious, repetitive) and a high one (inventive, then noise).",
           RunConfig(cell="lstm", task="chars", hidden_size=128, seq_len=64, steps=500, lr=5e-3,
                     record_every=50),
           (writes_words("In the last three samples, over 35% of the words are words of the text; "
                         "in step 0's, under 25%.", 0.35, 0.25),)),
    Preset("attention_reverse", "Attention and the bottleneck: reversing digits",
           "An encoder reads up to 10 digits; a decoder, started from the encoder's final state, must "
           "write them in reverse. Trained on every length from 2 to 10. With additive attention "
           "(Bahdanau et al. 2015) the decoder also looks back at every encoder step: open Attention "
           "and slide over training to watch the anti-diagonal appear. Then press the button there to "
           "train the same without attention: everything must pass through one fixed-size state, "
           "and its accuracy falls as inputs grow, where the attention model's stays high.",
           RunConfig(cell="gru", task="reverse", hidden_size=64, seq_len=10, batch_size=64, steps=400,
                     lr=5e-3, record_every=20, attention="additive", task_options={"min_len": 2}),
           (metric_above("With attention, over 70% of output tokens are right at length 10.",
                         "accuracy", 0.7, "validation token accuracy"),
            length_drop_below("With attention, token accuracy falls by less than 0.3 from length 2 to "
                              "length 10.", 0.3),
            metric_below("Without attention, under 65% of output tokens are right at length 10.",
                         "accuracy", 0.65, "validation token accuracy", attention="none"),
            length_drop_above("Without attention, token accuracy falls by more than 0.3 from length 2 "
                              "to length 10 (the bottleneck).", 0.3, attention="none"))),
)}
