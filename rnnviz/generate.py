"""Generating text from a next-character or next-word model: a prompt, then one token at a time,
sampled with a temperature or taken greedily (the most likely token).

`sample(run, ...)` writes with a saved run's weights; `record_sample` is what train() keeps at every
record, so a student reads what the network writes at step 0, 100, 200..."""

from __future__ import annotations

import re

import torch
from torch import nn

from rnnviz.dropout import evaluating
from rnnviz.tasks import Task, make_task
from rnnviz.tasks.text import TextTask, words_of

TEMPERATURE_RANGE = (0.1, 2.0)  # below 0.1 it is greedy in all but name; above 2 it is noise
MAX_LENGTH = 2_000              # tokens written by one call
MAX_PROMPT = 2_000              # characters of prompt
RECORD_LENGTH = {"characters": 80, "words": 20}  # what each record keeps, in the task's units
RECORD_TEMPERATURE = 0.8
NO_SPACE_BEFORE = re.compile(r" ([.,;:!?)\]}'])")

__all__ = ["MAX_LENGTH", "RECORD_LENGTH", "TEMPERATURE_RANGE", "check_temperature", "generates_text",
           "record_sample", "sample", "write"]


def generates_text(task: Task) -> bool:
    """Whether a model of `task` can write text: it reads and predicts tokens of one vocabulary."""
    return (isinstance(task, TextTask) and task.targets == "every"
            and task.input_size == task.output_size == len(task.vocab or ()))


def check_temperature(temperature: float | str | None) -> float | None:
    """The temperature as a float, or None for greedy ("greedy" or None); ValueError otherwise."""
    if temperature is None or temperature == "greedy":
        return None
    low, high = TEMPERATURE_RANGE
    number = isinstance(temperature, int | float) and not isinstance(temperature, bool)
    if number and low <= temperature <= high:
        return float(temperature)
    hint = (" (0 or below means nothing here: greedy always takes the most likely token)"
            if number and temperature <= 0 else "")
    raise ValueError(f"temperature: must be a number from {low:g} to {high:g}, or greedy; got "
                     f"{temperature!r}{hint}")


def encode(task: TextTask, prompt: str) -> list[int]:
    """The prompt's token ids; a ValueError names the characters (or words) the model never saw."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("prompt: must be some text to start from (at least one "
                         f"{'word' if task.input_tokens else 'character'})")
    if len(prompt) > MAX_PROMPT:
        raise ValueError(f"prompt: {len(prompt)} characters; at most {MAX_PROMPT}")
    index = {t: i for i, t in enumerate(task.vocab)}
    tokens = words_of(prompt) if task.input_tokens else list(prompt)
    if not tokens:
        raise ValueError("prompt: has no word this model can read")
    unknown = list(dict.fromkeys(t for t in tokens if t not in index))
    if unknown:
        kind = "words" if task.input_tokens else "characters"
        shown = ", ".join(repr(t) for t in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise ValueError(f"prompt: {kind} this model never saw in its text: {shown}")
    return [index[t] for t in tokens]


def decode(task: TextTask, ids: list[int]) -> str:
    """Tokens back to text: characters joined, words joined by spaces (none before punctuation)."""
    if not task.input_tokens:
        return "".join(task.vocab[i] for i in ids)
    return NO_SPACE_BEFORE.sub(r"\1", " ".join(task.vocab[i] for i in ids))


def write(model: nn.Module, task: TextTask, prompt_ids: list[int], length: int,
          temperature: float | None, generator: torch.Generator) -> list[int]:
    """`length` token ids that `model` writes after `prompt_ids` (eval mode, no gradients).

    Each step feeds the last token and carries the recurrent state, so writing costs one fused
    step per token. temperature None: greedy (argmax). Draws use `generator` (CPU) only."""
    device = next(model.parameters()).device
    # one-hot rows looked up, not built per token: writing is a loop of tiny steps
    table = None if task.input_tokens else torch.eye(len(task.vocab), device=device)

    def inputs(ids: list[int]) -> torch.Tensor:
        x = torch.tensor([ids], device=device)  # (1, T) ids
        return x if table is None else table[x]  # (1, T) or (1, T, V)

    out_ids: list[int] = []
    with evaluating(model), torch.no_grad():
        logits, state = model.continue_from(inputs(prompt_ids))  # (1, T, V)
        for _ in range(length):
            last = logits[0, -1].to("cpu", torch.float64)  # (V,)
            if not bool(torch.isfinite(last).all()):
                break  # a diverged model: nothing more to read
            if temperature is None:
                token = int(last.argmax())
            else:
                probs = torch.softmax(last / temperature, -1)
                token = int(torch.multinomial(probs, 1, generator=generator))
            out_ids.append(token)
            logits, state = model.continue_from(inputs([token]), state)
    return out_ids


def sample(run, prompt: str, length: int, temperature: float | str | None = 0.8,
           record: int | None = None, seed: int = 0) -> str:
    """Text a run's model writes after `prompt` (the prompt itself not included).

    `length` tokens (characters or words, by the task), sampled at `temperature` (0.1 to 2.0;
    None or "greedy": always the most likely token), with the final weights or those of record
    index `record`. The same seed gives the same text on one machine."""
    from rnnviz.weights import model_at  # weights builds models; keep this module light to import

    task = make_task(run.config)
    if not generates_text(task):
        raise ValueError(f"run: only next-character and next-word runs write text; this run's task "
                         f"is {run.config.task!r}")
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"length: must be an integer from 1 to {MAX_LENGTH}, got {length!r}")
    temperature = check_temperature(temperature)
    if record is not None and (isinstance(record, bool) or not isinstance(record, int)
                               or not -len(run.records) <= record < len(run.records)):
        raise ValueError(f"record: must be an index into the run's {len(run.records)} records, "
                         f"got {record!r}")
    ids = encode(task, prompt)
    model = model_at(run, record)
    written = write(model, task, ids, length, temperature, torch.Generator().manual_seed(seed))
    text = decode(task, written)
    return " " + text if task.input_tokens and not prompt.endswith(" ") and text[:1].isalnum() else text


def record_prompt(task: TextTask) -> list[int]:
    """The fixed prompt of every record's sample: the text's first word (and the space after it),
    or its first word when the task reads words."""
    first = task.ids[:40].tolist()
    if task.input_tokens:
        return first[:1]
    space = task.vocab.index(" ") if " " in task.vocab else -1
    end = first.index(space, 1) + 1 if space in first[1:] else min(len(first), 8)
    return first[:end]


def record_sample(model: nn.Module, task: Task, seed: int) -> str | None:
    """What the model writes now after the text's first word (None for tasks that are not text):
    the same prompt and the same random draws at every record, so only the weights differ."""
    if not generates_text(task):
        return None
    prompt = record_prompt(task)
    unit = "words" if task.input_tokens else "characters"
    written = write(model, task, prompt, RECORD_LENGTH[unit], RECORD_TEMPERATURE,
                    torch.Generator().manual_seed(seed))
    return decode(task, prompt + written)
