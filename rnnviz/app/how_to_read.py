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

**Spectral radius** ρ (solid): the largest |eigenvalue| of W_hh. It tells how W_hh's powers behave
over many steps (shrinking in the long run below 1, some direction growing above 1), not how much one
step can amplify: that is the largest singular value σ_max (dotted), never below ρ. Pascanu, Mikolov
and Bengio (2013) state the condition on σ_max, for a vanilla RNN whose nonlinearity has slope at most
γ (γ = 1 for tanh and ReLU, γ = 1/4 for the sigmoid): each step's Jacobian has norm at most γ σ_max, so
**σ_max < 1/γ is sufficient for vanishing** gradients, and **σ_max > 1/γ is necessary for exploding**
ones — necessary, not sufficient: a saturated tanh can still make them vanish. The chart draws 1/γ for
each kind of block (1 for tanh, 4 for an LSTM's or GRU's sigmoid gates). With the default init ρ is
about 0.6 while σ_max is 1.0–1.2, so ρ < 1 alone does not mean vanishing. For gated cells the theorem
does not apply as such (the gates multiply the blocks): read the lines as a guide. The eigenvalue plot
shows the eigenvalues against the unit circle at the chosen step.

**Jacobian product**: ‖∂s_T/∂s_{T−k}‖, the norm of the product of the step Jacobians from the last
step back k steps, on the first probe sequence with the chosen record's weights (s = h, or (h, c) for
an LSTM). For a vanilla RNN the dashed line is Pascanu's bound (γ σ_max)^k: the product always stays
under it. The bars below are each step's own factor: under 1 it shrinks the gradient.""",
    "compare": """
Runs are drawn on shared axes, labelled by what differs between them. Compare the **loss** curves
against their baselines (which run learns, and how fast), and the **gradient through time** at the
chosen record, for the loss each run trained: a vanilla RNN's curve falls steeply towards t = 0; a
trained LSTM's, whose forget gates have learnt to hold, falls far less (an untrained one's falls too).
With the same seed, "clipping flipped" changes one thing only: whether the gradient was rescaled
before each step.""",
    "decisions": """
**Final states by label**: each dot is one probe sentence's hidden state after its last word (what the
classifier reads), on the top two principal components of the *last* record's states; the same axes
serve every step, so sliding through training shows the labels pulling apart. An x is a sentence the
model gets wrong at that step. Sentences are padded on the left, so the last step is always a word.

**Contributions**: for each word, the gradient of the model's decision (the logit of the class it
says, minus the others') with respect to the word's embedding, times that embedding, summed over its
dimensions: *gradient x input*. Red pushes toward what the model says, blue against it. It is a local,
first-order reading: it says how the decision would move if a word's embedding were nudged, not what
the word did, and the contributions need not add up to the logit. Early in training the words that
decide ("not", "good") often stand out; in a trained LSTM the last few words usually get the most,
even when a neutral clause follows the opinion: the gates already hold the verdict, so nudging an
early word changes little. That gap is itself the lesson: a gradient is not an explanation.

**Accuracy against chance**: the share of sentences classified right, on training batches (each seen
before the model trained on it) and on the validation batch, against always saying the most frequent
class (50% for the built-in sentences). The negated line is the one to watch: there the same adjective
means the opposite, so a model that reads only the adjective stays at or below chance on it while its
overall accuracy already looks fine. Train a vanilla RNN on the same settings and compare.""",
    "memory": r"""
**Memory map**: row t is one output, column s one input; the colour is ‖∂y_t/∂x_s‖, how much that
output changes when that input does, in decades below the row's strongest input (x_s is what enters
the recurrent stack: the embedding's output for words). For tasks with one target per sequence it is
the final output's single row, drawn as a curve. A bright band along the diagonal that fades within
a few steps is a short memory — a vanilla RNN's, whose gradient vanishes; colour reaching far to the
left is long reach — a trained LSTM's on the adding problem reaches back to the first marker. Slide
through training to watch the reach grow. For text, each row shows which earlier characters the
prediction after it used. The numbers are exact (one backward pass per output, no sampling).

**Cell inspector**: pick a step t and a unit j. The cell's equations are written out with the numbers
its step used: the part from the input x_t, the part from the previous state h_{t−1}, what the
nonlinearity made of their sum. Below, ‖∂s_t/∂s_{t−1}‖ is how much this step can amplify or shrink
the gradient passing back through it, and the chart multiplies these Jacobians back to the first
step: where the curve drops, look for a saturated tanh (slope near 0) or, in an LSTM, a forget gate
near 0 (∂c_t/∂c_{t−1} is exactly f_t).

**Your own input**: type a text, symbols, or numbers; every view is computed for it with the weights
of the chosen step. Hidden states and gates read as on their own pages.""",
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
