"""Which devices this machine can train on, and what a config's device name resolves to."""

from __future__ import annotations

import torch

PREFERENCE = ("cuda", "mps", "cpu")  # what "auto" picks, first available first


def available_devices() -> tuple[str, ...]:
    """The devices this machine can train on, cpu first."""
    mps = getattr(torch.backends, "mps", None)
    return ("cpu", *(("cuda",) if torch.cuda.is_available() else ()),
            *(("mps",) if mps is not None and mps.is_available() else ()))


def resolve_device(name: str) -> torch.device:
    """"auto" = cuda, then mps, then cpu; an explicit device that is missing is a ValueError."""
    available = available_devices()
    if name == "auto":
        return torch.device(next(d for d in PREFERENCE if d in available))
    if name not in available:
        raise ValueError(f"device: {name!r} is not available here; available: auto, {', '.join(available)}")
    return torch.device(name)
