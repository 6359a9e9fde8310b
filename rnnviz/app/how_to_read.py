"""How to read each page: the words the pages show below the cell's equations (rnnviz.cells.CELLS)."""

# "How to read this" of each page, below its equations.
HOW_TO_READ = {
    "train": """
**Loss**: the training loss per step; the dashed line is the *baseline*, the loss of the best constant
guess. A model below it has learnt something from the sequence; one stuck on it has not.

**Gradient norm**: the total L2 norm of the gradient before clipping (raw) and after (applied). Spikes
of the raw norm are exploding gradients; with clipping on, the applied norm never exceeds the max
norm. A run whose loss or gradient turns inf/nan has *diverged*: the charts mark the step.""",
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
which is what a trained gate often becomes; they also pass little gradient.

**Cell state** (LSTM only): c_t per unit. Flat horizontal bands are values carried unchanged over
many steps: that is the long memory the forget gate protects.""",
    "gradients": r"""
**Through time**: ‖∂L_T/∂h_t‖, how much the loss at the last step depends on the hidden state t steps
earlier (log axis). Backpropagation multiplies by the Jacobian $\partial h_t/\partial h_{t-1}$ once per
step, so the curve falls exponentially when those factors are below 1 — **vanishing**: early inputs get
no learning signal — and rises when they are above 1 — **exploding**. An LSTM's additive cell state
keeps it flat. The heatmap shows the same curve at every recorded training step.

**Per parameter**: each weight's gradient norm before (raw) and after clipping; the share of steps
clipped says how often the clipping toggle stepped in.

**Spectral radius**: the largest |eigenvalue| of W_hh. Above 1 (dashed) the recurrent map can amplify
and gradients may explode; well below 1 they vanish. The eigenvalue plot shows them against the unit
circle at the chosen step.""",
    "compare": """
Runs are drawn on shared axes, labelled by what differs between them. Compare the **loss** curves
against their baselines (which run learns, and how fast), and the **gradient through time** at the last
record: a vanilla RNN's curve falls steeply towards t = 0 where an LSTM's stays flat. With the same seed,
"clipping flipped" changes one thing only: whether the gradient was rescaled before each step.""",
}
