"""The encoder/decoder choice of the hidden-state, gate and gradient pages, for seq2seq runs."""

from __future__ import annotations

import streamlit as st

from rnnviz.run import Run
from rnnviz.seq2seq_view import SIDES, is_seq2seq, side


def pick_side(run: Run) -> Run:
    """`run` for any other run; for a seq2seq run, the side the student picks (the encoder first)."""
    if not is_seq2seq(run):
        return run
    which = st.segmented_control(
        "Network", SIDES, default="encoder", required=True, format_func=str.capitalize,
        key=f"side.{run.name}", help="A seq2seq run has two recurrent networks: the encoder reads the "
        "input; the decoder, started from the encoder's final state, writes the output (its steps are "
        "labelled with the target tokens). The decoder's W_hh spectra are not recorded.")
    return side(run, which)
