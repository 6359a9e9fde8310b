"""How to read each page: the words the pages show below the cell's equations (rnnviz.cells.CELLS)."""

# "How to read this" of each page, below its equations.
HOW_TO_READ = {
    "train": """
**Loss**: the training loss per step; the dashed line is the *baseline*, the loss of the best constant
guess. A model below it has learnt something from the sequence; one stuck on it has not. The adding
problem has a second, dotted line at 1/12: remembering only the second marked number already gets there
(half the baseline of 1/6), so only a loss below it shows that the network carries the first number
across the sequence: long memory.

**Gradient norm**: the total L2 norm of the gradient before clipping (raw) and after (applied). Spikes
of the raw norm are exploding gradients. *Norm* clipping rescales the whole gradient, so the applied
norm never exceeds the max norm (the dotted line). *Value* clipping caps each gradient element at ± the
clip value instead: it bounds the elements, not the norm, and the applied norm can stay well above the
clip value. A run whose loss or a gradient element turns inf/nan has *diverged*: the charts mark the step.

**Validation loss**: the loss on held-out data, against the best constant guess *for that data* (text
tasks: the held-out end of the text, whose word frequencies differ from the rest). Tokens that never
occur in the training text cannot be predicted; the chart says how many there are. If the validation
loss rises while the training loss keeps falling, the model is **overfitting**: it memorises its
training text (the GRU text lesson often does: watch its validation curve turn back up).""",
    "hidden": """
**Trajectory**: each dot is the hidden state h_t of one probe sequence, projected on its top principal
components and coloured by time. Slide through training: at step 0 the states huddle near one point;
as the network learns, the path spreads out and takes a shape set by the inputs (a loop for a sine,
a jump when the adding problem's marker arrives).

**Units over time**: one row per hidden unit, one column per time step, blue < 0 < red. A row that
switches at an input and then holds its colour is a unit that remembers that input.

**Text**: for text tasks, each character is coloured by the chosen unit's activation just after reading
it. Look for units that track spaces, word starts, vowels or quotes.""",
    "gates": """
**Gates** are sigmoids between 0 (closed) and 1 (open), one value per unit and time step. An LSTM's
*forget* gate near 1 keeps the cell state (memory); its *input* gate opens to write, its *output* gate
to read. A GRU's *update* gate near 1 keeps $h_{t-1}$; its *reset* gate chooses how much of the past the
candidate *new* state sees.

**Saturation** is the share of gate values below 0.1 or above 0.9: saturated gates act as switches,
which is what a trained gate often becomes. A saturated gate's own weights get little gradient (the
sigmoid is flat there); a forget gate held near 1 still passes the cell state's gradient on whole.

**Cell state** (LSTM only): c_t per unit. Flat horizontal bands are values carried unchanged over
many steps: that is the long memory the forget gate protects.""",
    "gradients": r"""
**Through time**: how much the loss depends on the hidden state h_t (log axis). Backpropagation
multiplies by the Jacobian $\partial h_t/\partial h_{t-1}$ once per step, so the signal that one output
sends back falls exponentially when those factors are below 1 — **vanishing** — and grows when they
are above 1 — **exploding**. Which loss is shown matters. Tasks with one target per sequence (adding,
temporal order, your CSV) train on the last step's loss ‖∂L_T/∂h_t‖, and a curve falling to the left
means early inputs get almost no learning signal. Tasks with targets at many steps (sine, copy,
Reber, text) train on the mean over steps: that is the default view, and each h_t also learns from
targets near it, so it usually falls far less; the *last step only* view shows how far back a single
output reaches.

For an LSTM the chart also draws ‖∂L/∂c_t‖, the gradient of the *cell state*, the quantity Hochreiter
and Schmidhuber's argument is about. The additive cell state makes a flat gradient *possible*, it
does not make it happen: an untrained LSTM's gradient falls by many decades too. It flattens as the
forget gates learn to stay open, usually when the loss drops. The heatmap shows the curve at every
recorded step: watch it spread left.

**Per parameter**: each weight's gradient norm before (raw) and after clipping (dashed); the share of
steps clipped says how often the clipping toggle stepped in. bias_hh and bias_ih of an RNN or LSTM
have identical gradients (they are added together): the second is drawn dotted on top of the first.

**Spectral radius** ρ: the largest |eigenvalue| of W_hh. It tells how W_hh's powers behave over many
steps (shrinking in the long run below 1, some direction growing above 1), not how much one step can
amplify: that is the largest singular value σ_max, never below ρ. For a tanh RNN, σ_max < 1
guarantees vanishing gradients and σ_max > 1 is needed, but not enough, for exploding ones (Pascanu
et al., 2013). With the default init ρ is about 0.6 while σ_max is 1.0–1.2, so ρ < 1 alone does not
mean vanishing. In gated cells the gates scale these blocks, and ρ says less still. The eigenvalue plot
shows them against the unit circle at the chosen step.""",
    "compare": """
Runs are drawn on shared axes, labelled by what differs between them. Compare the **loss** curves
against their baselines (which run learns, and how fast), and the **gradient through time** at the
chosen record, for the loss each run trained: a vanilla RNN's curve falls steeply towards t = 0; a
trained LSTM's, whose forget gates have learnt to hold, falls far less (an untrained one's falls too).
With the same seed, "clipping flipped" changes one thing only: whether the gradient was rescaled
before each step.""",
    "attention": """
**Attention matrix**: one probe sequence at the record the slider picks. Each row is one step of the
decoder (labelled with the token it should write, and what it wrote when that differs); each column is
one input token. A row's weights sum to 1: they say how much of each encoder state the decoder reads at
that step, besides its own state. Reversal: an anti-diagonal appears as the model learns (often one
column to the right of the token being copied: the decoder looks up the token it just wrote, and that
encoder state still remembers its left neighbour). Sort: the weight spreads over every copy of the digit
being written. Add: each output digit looks at its column in both numbers.

**Accuracy by length**: when a seq2seq run ends it decodes fresh inputs of each length greedily (every
step reads its own last guess) and counts the tokens, or whole outputs, that are right. Without attention
everything the decoder knows passes through the encoder's final state, one fixed-size vector: the longer
the input, the less of it fits, and accuracy falls. With attention it stays high. Lengths past the dotted
line were never trained on.
""",
}
