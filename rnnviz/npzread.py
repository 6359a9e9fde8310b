"""Reading an .npz archive within bounds, as a shared server must: every size and shape comes from
the zip directory and the .npy headers, and is checked before a byte of an entry is decompressed."""

from __future__ import annotations

import io
import math
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import numpy as np

MiB = 2**20


@dataclass(frozen=True)
class FileLimits:
    """What a run file may hold. The defaults are a few times what this server lets a run record
    (3,000 steps, 101 records, 48 MB of recorded arrays: Settings), so every run trained in the app
    or with the CLI's defaults loads, while a file made to exhaust memory is refused from its
    directory alone. A notebook that made bigger runs can pass bigger limits to load_run."""

    max_bytes: int = 256 * MiB          # every entry together, decompressed (arrays are kept as read)
    max_entry_bytes: int = 64 * MiB     # one array: a (P, T, H*D) float32 state of 16M numbers
    max_json_bytes: int = 16 * MiB      # the metadata, with an uploaded text or CSV in task_options
    max_directory_bytes: int = 8 * MiB  # the zip's list of entries: ~80,000 entries of run names
    max_steps: int = 200_000            # history rows (66x the server's 3,000 steps)
    max_records: int = 2_000            # looks inside the model (the server keeps at most 101)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: must be an integer >= 1, got {value!r}")


class BoundedNpz:
    """The entries of an .npz, read one at a time after their declared sizes and shapes passed.

    Raises ValueError for anything that is not a small enough, plain .npz (bad zip, other
    compression, duplicate names, an entry or a total over `limits`, object arrays)."""

    def __init__(self, file: IO[bytes], limits: FileLimits) -> None:
        self.limits = limits
        directory = _directory_size(file)
        if directory > limits.max_directory_bytes:
            raise ValueError(f"the zip directory is {directory / MiB:.1f} MiB; at most "
                             f"{limits.max_directory_bytes / MiB:g} MiB")
        self._zip = zipfile.ZipFile(file)
        infos = self._zip.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) < len(names):
            raise ValueError("the archive names an entry twice")
        total = 0
        for info in infos:  # unknown entries too: none is read, but a bomb is refused, not kept
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"{info.filename}: compression method {info.compress_type} is not "
                                 "one numpy writes")
            if info.file_size > limits.max_entry_bytes:
                raise ValueError(f"{info.filename}: {_size(info.file_size)} decompressed; one entry may "
                                 f"hold at most {_size(limits.max_entry_bytes)}")
            total += info.file_size
        if total > limits.max_bytes:
            raise ValueError(f"the entries hold {_size(total)} decompressed; at most "
                             f"{_size(limits.max_bytes)}")
        self.infos = {name.removesuffix(".npy"): info for name, info in zip(names, infos, strict=True)
                      if name.endswith(".npy")}

    def close(self) -> None:
        self._zip.close()

    def __contains__(self, key: str) -> bool:
        return key in self.infos

    def header(self, key: str) -> tuple[tuple[int, ...], np.dtype]:
        """(shape, dtype) of entry `key` from its .npy header (KeyError if there is no such entry)."""
        with self._zip.open(self.infos[key]) as member:
            shape, _, dtype, _ = _read_header(member, key)
        return shape, dtype

    def read(self, key: str, check: Callable[[tuple[int, ...], np.dtype], None] | None = None,
             max_bytes: int | None = None) -> np.ndarray:
        """Entry `key` as a (writable) array, once `check(shape, dtype)` passed on its header and
        the header showed it holds at most `max_bytes` (KeyError if there is no such entry)."""
        info = self.infos[key]
        with self._zip.open(info) as member:
            shape, fortran, dtype, offset = _read_header(member, key)
            if check is not None:
                check(shape, dtype)
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes != info.file_size - offset:
                raise ValueError(f"{key}: the header's shape {shape} does not match the entry's size")
            if max_bytes is not None and nbytes > max_bytes:
                raise ValueError(f"{key}: {_size(nbytes)}; at most {_size(max_bytes)}")
            buffer = bytearray(nbytes)
            view, done = memoryview(buffer), 0
            while done < nbytes:
                got = member.readinto(view[done:])
                if not got:
                    raise ValueError(f"{key}: the entry ends before its data")
                done += got
        array = np.frombuffer(buffer, dtype=dtype)
        return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _read_header(member: IO[bytes], key: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, bytes before the data) of a .npy stream; no pickles."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(member)
        else:
            raise ValueError(f".npy format version {version} is not one numpy writes for plain arrays")
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise ValueError(f"{key}: not a .npy array ({exc})") from None
    if dtype.hasobject:
        raise ValueError(f"{key}: an object array (a pickle); run files never load pickles")
    return tuple(shape), bool(fortran), dtype, member.tell()


def _directory_size(file: IO[bytes]) -> int:
    """Bytes of the zip's central directory, from its end record (zip64 too), as zipfile will read.

    zipfile reads the whole directory and makes an object per entry before anything can be
    checked: this is the one size to check before opening the archive. Where records disagree,
    the largest counts (zipfile versions differ in which zip64 record they trust)."""
    file.seek(0, io.SEEK_END)
    end = file.tell()
    start = max(0, end - (22 + 65535 + 20 + 56))  # end record, comment, zip64 locator and record
    file.seek(start)
    tail = file.read(end - start)
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")  # as zipfile
    if at < 0 or len(tail) - at < 22:
        raise ValueError("not a zip archive (no end of central directory record)")
    sizes = [struct.unpack_from("<L", tail, at + 12)[0]]
    locator = at - 20
    if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        records = [tail[max(locator - 56, 0):locator]]  # zip64 end record: just before the locator
        file.seek(struct.unpack_from("<Q", tail, locator + 8)[0])  # ... or where the locator says
        records.append(file.read(56))
        sizes += [struct.unpack_from("<Q", r, 40)[0] for r in records
                  if len(r) == 56 and r[:4] == b"PK\x06\x06"]
    file.seek(0)
    return max(sizes)


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / MiB:.1f} MiB"
