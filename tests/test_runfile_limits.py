"""Hostile run files, built here in memory: refused from the zip directory and .npy headers, fast,
without decompressing what they hide; metadata that would break charts is a ValueError naming it."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest

from rnnviz import RunConfig, cli, train
from rnnviz.runfile import META, FileLimits, load_run, run_from_bytes, run_to_bytes

GiB, MiB = 2**30, 2**20


@pytest.fixture(scope="module")
def good() -> bytes:
    cfg = RunConfig(cell="lstm", task="chars", hidden_size=4, seq_len=6, steps=4, record_every=2,
                    probe_size=2, batch_size=4)
    return run_to_bytes(train(cfg))


def entries(data: bytes) -> dict[str, bytes]:
    """The .npy bytes of every entry of a run file (small files only)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    out = {}
    for key, value in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value, allow_pickle=False)
        out[key] = buffer.getvalue()
    return out


def npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                  "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def deflate(data: bytes, fill: bytes = b"", repeat: int = 0) -> bytes:
    """Raw deflate of data + fill * repeat, without ever holding the repeated part: 1 MiB pieces
    compressed once with a full flush are self-contained, so the piece can be repeated."""
    def part(chunk: bytes, final: bool) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(chunk) + (c.flush() if final else c.flush(zlib.Z_FULL_FLUSH))
    pieces, rest = divmod(repeat, MiB)
    return part(data, False) + part(fill * MiB, False) * pieces + part(fill * rest, True)


def zip_of(items: list[tuple[str, tuple[bytes, int, int]]]) -> bytes:
    """A zip64 archive of (name, (raw deflate stream, declared size, crc32)), as numpy writes."""
    out, central = io.BytesIO(), []
    for name, (data, size, crc) in items:
        offset, n = out.tell(), name.encode()
        extra = struct.pack("<HHQQ", 1, 16, size, len(data))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, 0, 8, 0, 0x21, crc, 2**32 - 1, 2**32 - 1,
                              len(n), len(extra)) + n + extra + data)
        extra = struct.pack("<HHQQQ", 1, 24, size, len(data), offset)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 45, 45, 0, 8, 0, 0x21, crc, 2**32 - 1,
                                   2**32 - 1, len(n), len(extra), 0, 0, 0, 0, 2**32 - 1) + n + extra)
    start, directory = out.tell(), b"".join(central)
    out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(items), len(items),
                                      len(directory), start, 0))
    return out.getvalue()


def archive(npys: dict[str, bytes], **raw: tuple[bytes, int, int]) -> bytes:
    items = {f"{k}.npy": (deflate(v), len(v), zlib.crc32(v)) for k, v in npys.items()}
    return zip_of(list({**items, **{f"{k}.npy": v for k, v in raw.items()}}.items()))


def zeros_entry(shape: tuple[int, ...], dtype: str) -> tuple[bytes, int, int]:
    """An .npy of zeros, deflated; the crc is left 0: zipfile checks it only after decompressing."""
    header = npy_header(shape, dtype)
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return deflate(header, b"\0", nbytes), len(header) + nbytes, 0


def refused(data: bytes, match: str, limits: FileLimits | None = None) -> float:
    """Assert a ValueError matching `match`; return the peak of Python memory used, in MiB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match):
            run_from_bytes(data, *(limits,) if limits else ())
        peak = tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    return peak


def test_the_crafted_archive_itself_loads(good):
    assert load_run(io.BytesIO(archive(entries(good)))).steps_done == 4  # the writer above is sound


def test_zip_bomb_in_an_unused_entry_is_refused_from_the_directory(good):
    bomb = archive(entries(good), junk=zeros_entry((int(4.8 * GiB),), "u1"))
    assert len(bomb) < 6 * MiB
    assert refused(bomb, r"junk\.npy: 4\.8 GiB decompressed") < 40


def test_huge_state_array_is_refused_before_reading(good):
    npys = entries(good)
    meta = json.loads(np.load(io.BytesIO(npys[META])).tobytes())
    meta["config"].update(probe_size=268, seq_len=1000, hidden_size=1000)
    npys[META] = _npy(json.dumps(meta).encode())
    data = archive(npys, **{"records/0/hidden/0": zeros_entry((268, 1000, 1000), "f4")})
    assert len(data) < 2 * MiB
    match = r"records/0/hidden/0\.npy: 1022\.3 MiB decompressed; one entry may hold at most 64"
    assert refused(data, match) < 40


def test_millions_of_history_rows_are_refused_from_the_header(good):
    data = archive(entries(good), **{"history/step": zeros_entry((4_000_000,), "i8")})
    assert len(data) < 200_000
    assert refused(data, r"history/step: 4000000 values; at most 200000") < 40


def test_json_padded_with_whitespace_is_refused(good):
    npys = entries(good)
    text = np.load(io.BytesIO(npys[META])).tobytes()
    header = npy_header((len(text) + 256 * MiB,), "u1")
    padded = deflate(header + text, b" ", 256 * MiB), len(header) + len(text) + 256 * MiB, 0
    assert refused(archive(npys, **{META: padded}), r"rnnviz\.json\.npy: 256\.\d MiB decompressed") < 40
    header = npy_header((len(text) + 20 * MiB,), "u1")  # under the entry bound, over the JSON one
    padded = deflate(header + text, b" ", 20 * MiB), len(header) + len(text) + 20 * MiB, 0
    refused(archive(npys, **{META: padded}), r"rnnviz\.json: 20\.\d MiB; at most 16\.0 MiB")


def test_json_nested_deep_is_a_value_error_and_the_cli_says_one_line(good, tmp_path, capsys):
    npys = entries(good)
    npys[META] = _npy(b'{"format": "rnnviz-run", "version": 1, "config": ' + b"[" * 100_000
                      + b"]" * 100_000 + b"}")
    refused(archive(npys), "JSON nested too deep")
    path = tmp_path / "bad.npz"
    path.write_bytes(archive(npys))
    assert cli.main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: not an rnnviz run file") and "Traceback" not in err


def _npy(data: bytes) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(data, dtype=np.uint8))
    return buffer.getvalue()


def _with_meta(good: bytes, change) -> bytes:
    npys = entries(good)
    meta = json.loads(np.load(io.BytesIO(npys[META])).tobytes())
    change(meta)
    npys[META] = _npy(json.dumps(meta).encode())
    return archive(npys)


SCHEMA = {
    "a 5,000-digit step": (lambda m: m.update(status="diverged at step " + "9" * 5000), "^.*status: "),
    "a step past the bound": (lambda m: m.update(status="diverged at step 999999999"), "status: the step"),
    "a metric named Loss": (lambda m: m.update(metric_names=["Loss"]), "metric_names: 'Loss' is not a valid"),
    "a metric named loss": (lambda m: m.update(metric_names=["loss"]), "'loss' is already a history column"),
    "markup as device": (lambda m: m.update(device="<a href='x'>cpu</a>"), "device: "),
    "a control character in the name": (lambda m: m.update(name="run\x1b[2J"), "name: must be printable"),
    "a long name": (lambda m: m.update(name="x" * 201), "name: "),
    "a record step far out": (lambda m: m["records"][0].update(step=10**30), r"records/0/step: "),
    "records out of order": (lambda m: m["records"][1].update(step=0), r"records/1/step: .*increasing"),
    "nested task options": (lambda m: m["config"]["task_options"].update(text={"a": [1]}),
                            "config.task_options.text: must be"),
    "a long probe token": (lambda m: m["probe_tokens"][0].__setitem__(0, "w" * 101), "probe_tokens: "),
    "a val metric key": (lambda m: m["records"][0]["val_metrics"].update({"<b>": 1.0}), "val_metrics: "),
}


@pytest.mark.parametrize("case", list(SCHEMA))
def test_metadata_schema(case, good):
    change, match = SCHEMA[case]
    with pytest.raises(ValueError, match=match) as info:
        run_from_bytes(_with_meta(good, change))
    assert len(str(info.value)) < 300  # the message names the problem; it does not echo the file


def test_limits_are_parameters(good):
    assert run_from_bytes(good).steps_done == 4
    refused(good, "records: 3 records; at most 2", FileLimits(max_records=2))
    refused(good, "history/step: 4 values; at most 3", FileLimits(max_steps=3))
    refused(good, "zip directory", FileLimits(max_directory_bytes=100))
    refused(good, "decompressed; at most", FileLimits(max_bytes=1000))
    with pytest.raises(ValueError, match="max_steps: must be an integer >= 1"):
        FileLimits(max_steps=0)


def test_lying_directory_size_and_other_compression_and_repeated_names(good):
    end = good.rfind(b"PK\x05\x06")
    lying = good[:end + 12] + struct.pack("<L", 2**32 - 2) + good[end + 16:]
    refused(lying, "zip directory is 4096.0 MiB")
    items = [(f"{k}.npy", (deflate(v), len(v), zlib.crc32(v))) for k, v in entries(good).items()]
    refused(zip_of([*items, items[0]]), "names an entry twice")
    data = bytearray(zip_of(items))
    at = data.find(b"PK\x01\x02")
    data[at + 10:at + 12] = struct.pack("<H", 14)  # method 14: lzma, which numpy never writes
    refused(bytes(data), "compression method 14")


def test_non_seekable_input_is_read_within_the_bound(good):
    class Stream(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            return self.inner.readinto(b)

    assert load_run(Stream(good)).steps_done == 4
    with pytest.raises(ValueError, match="larger than any run file"):
        load_run(Stream(good), FileLimits(max_bytes=100, max_directory_bytes=100))
