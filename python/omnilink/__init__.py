"""omnilink: identity resolution for omnichannel customer data.

DataFrames (pandas, Polars), pyarrow Tables and CSV / JSON Lines files in; customers out as
pyarrow Tables. The work is done by the Rust core, with the GIL released, and a DataFrame gives
the same customers and customer ids as the same data resolved by the ``omnilink`` command line.

>>> import omnilink
>>> records, truth = omnilink.generate(200, seed=7)
>>> res = omnilink.resolve(records)
>>> res.memberships.num_rows == records.num_rows
True
"""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.csv as pa_csv

from . import _native
from ._native import ConfigError, Error, InputError, StateError

__all__ = [
    "resolve",
    "normalize",
    "evaluate",
    "generate",
    "Resolution",
    "Resolver",
    "Error",
    "InputError",
    "ConfigError",
    "StateError",
    "KINDS",
]

#: The identifier kinds ``normalize`` and ``Resolver.lookup`` take.
KINDS: Tuple[str, ...] = tuple(_native.KINDS)

PathLike = Union[str, "os.PathLike[str]"]


def _settings(
    config: Union[None, Mapping[str, Any], PathLike] = None,
    columns: Optional[Mapping[str, str]] = None,
    region: Optional[str] = None,
    regions: Optional[Sequence[str]] = None,
) -> str:
    """The settings as the core's JSON, checked."""
    json_text = toml_text = None
    origin = "config"
    if isinstance(config, Mapping):
        # A dict of the config file's shape, or only its `[resolve]` keys.
        full = set(config) <= {"resolve", "input"} and bool(config)
        json_text = json.dumps(dict(config) if full else {"resolve": dict(config)})
    elif config is not None:
        origin = os.fspath(config)
        try:
            toml_text = Path(origin).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"{origin}: cannot read the config: {e.strerror}") from None
    return _native.make_settings(
        json=json_text,
        toml=toml_text,
        origin=origin,
        columns=list(columns.items()) if columns else None,
        region=region,
        regions=list(regions) if regions is not None else None,
    )


def _to_table(data: Any) -> pa.Table:
    """A pyarrow Table of a pandas or Polars DataFrame, a Table, a RecordBatch or a reader."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars":
        return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    raise InputError(
        f"cannot read a {type(data).__name__}: give a pandas or Polars DataFrame, a pyarrow "
        "Table or RecordBatchReader, or a path to a CSV / JSON Lines file"
    )


def _text_column(array: Union[pa.Array, pa.ChunkedArray]) -> Tuple[Any, ...]:
    """An Arrow column as text buffers: (validity or None, offsets, data, offset, offset
    width in bytes)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_floating(array.type):
        # Integral floats (pandas' ints with gaps) read as the integers they hold.
        import pyarrow.compute as pc

        whole = pc.equal(pc.floor(array), array)
        as_int = pc.cast(array, pa.int64(), safe=False)
        array = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(array, pa.string()))
    elif not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        try:
            array = array.cast(pa.string())
        except pa.ArrowInvalid:  # more than 2 GiB of text: 64-bit offsets
            array = array.cast(pa.large_string())
    width = 8 if pa.types.is_large_string(array.type) else 4
    validity, offsets, data = array.buffers()[:3]

    def raw(buf: Optional[pa.Buffer]) -> bytes:
        return buf.to_pybytes() if buf is not None else b""

    valid = raw(validity) if validity is not None and array.null_count else None
    return (valid, raw(offsets), raw(data), array.offset, width)


def _columns(table: pa.Table) -> Tuple[List[str], List[Tuple[Any, ...]], int]:
    headers = [str(n) for n in table.column_names]
    return headers, [_text_column(c) for c in table.columns], table.num_rows


def _read_csv(data: bytes, numbers: Mapping[str, pa.DataType]) -> pa.Table:
    """One of the outputs, as the command line writes it, as a Table (ids stay text)."""
    header = data.split(b"\n", 1)[0].decode("utf-8").strip()
    names = next(iter(__import__("csv").reader([header]))) if header else []
    types = {n: numbers.get(n, pa.string()) for n in names}
    return pa_csv.read_csv(
        io.BytesIO(data),
        convert_options=pa_csv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


class Resolution:
    """The customers found in one batch run.

    ``memberships`` (one row per input record: ``record_id``, ``source``, ``customer_id``,
    ``score``, ``probability``), ``customers`` (one row per customer with its golden record)
    and ``hubs`` (shared values set aside, hashed) are pyarrow Tables, as the command line's
    CSV files; ``stats`` is its ``summary.json``; ``model`` the trained model (JSON-ready,
    reusable as ``config={"model": res.model}``).
    """

    def __init__(self, native: Any) -> None:
        self._native = native
        self._lock = threading.Lock()
        self._cache: Dict[str, Any] = {}

    def _cached(self, name: str, make: Any) -> Any:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = make()
            return self._cache[name]

    @property
    def memberships(self) -> pa.Table:
        """One row per input record, in input order."""
        return self._cached(
            "memberships",
            lambda: _read_csv(
                self._native.memberships_csv(),
                {"score": pa.float64(), "probability": pa.float64()},
            ),
        )

    @property
    def customers(self) -> pa.Table:
        """One row per customer: its id and golden record (lists joined by ``;``)."""
        return self._cached(
            "customers",
            lambda: _read_csv(self._native.customers_csv(), {"records": pa.int64()}),
        )

    @property
    def hubs(self) -> pa.Table:
        """Values carried by too many records to pair them all: rule, hashed key, size."""
        return self._cached(
            "hubs", lambda: _read_csv(self._native.hubs_csv(), {"records": pa.int64()})
        )

    @property
    def stats(self) -> Dict[str, Any]:
        """The run's summary (``summary.json`` of the command line)."""
        return json.loads(self._native.summary_json())

    @property
    def model(self) -> Dict[str, Any]:
        """The trained model, JSON-serialisable."""
        return json.loads(self._native.model_json())

    def explain(
        self, record_a: Union[str, Tuple[str, str]], record_b: Union[str, Tuple[str, str]]
    ) -> List[Dict[str, Any]]:
        """Why two records score as they do: the prior, then each field's level and weight.

        A record is ``(source, record_id)``, or its ``record_id`` alone when that is unique.

        >>> import omnilink
        >>> records, _ = omnilink.generate(50, seed=1)
        >>> res = omnilink.resolve(records)
        >>> m = res.memberships
        >>> a = (m["source"][0].as_py(), m["record_id"][0].as_py())
        >>> [f["field"] for f in res.explain(a, a)][:2]
        ['prior', 'phone']
        """
        a, b = self._record(record_a), self._record(record_b)
        text = self._native.explain_json(a, b)
        if text is None:
            raise InputError("no such record in this resolution")
        e = json.loads(text)
        return [{"field": "prior", "level": None, "weight": e["prior"], "frequency": None}] + e[
            "fields"
        ]

    def _record(self, r: Union[str, Tuple[str, str]]) -> Tuple[str, str]:
        if isinstance(r, tuple):
            return (str(r[0]), str(r[1]))
        m = self.memberships
        ids = m["record_id"].to_pylist()
        hits = [i for i, x in enumerate(ids) if x == r]
        if len(hits) != 1:
            raise InputError("record id is not unique or not found: give (source, record_id)")
        return (m["source"][hits[0]].as_py(), r)

    def __repr__(self) -> str:
        s = self.stats
        return f"<Resolution: {s['records_resolved']} records, {s['stats'].get('customers', '?')} customers>"


def resolve(
    data: Any,
    *,
    config: Union[None, Mapping[str, Any], PathLike] = None,
    columns: Optional[Mapping[str, str]] = None,
    region: Optional[str] = None,
    regions: Optional[Sequence[str]] = None,
) -> Resolution:
    """Resolves records into customers.

    ``data`` is a pandas or Polars DataFrame, a pyarrow Table or RecordBatchReader, or a path
    to a CSV / JSON Lines file. Columns are mapped from their headers as the command line maps
    them, or by ``columns={"header": "kind"}``. ``config`` is a dict (the config file's keys:
    ``{"resolve": {...}, "input": {...}}``, or only the ``[resolve]`` keys) or a TOML path;
    ``region`` is the default country of phone numbers, ``regions`` the candidates tried for
    numbers without a country code.

    >>> import pandas as pd, omnilink
    >>> df = pd.DataFrame({"phone": ["+7 912 345-67-89", "8 (912) 345-67-89"], "name": ["Anna Petrova", "Anna Petrova"]})
    >>> res = omnilink.resolve(df, region="RU")
    >>> len(set(res.memberships["customer_id"].to_pylist()))
    1
    """
    settings = _settings(config, columns, region, regions)
    if isinstance(data, (str, os.PathLike)):
        return Resolution(_native.resolve_path(os.fspath(data), settings))
    table = _to_table(data)
    headers, cols, rows = _columns(table)
    return Resolution(_native.resolve_columns(headers, cols, rows, settings))


def normalize(
    kind: str,
    values: Any,
    *,
    region: Optional[str] = None,
    regions: Optional[Sequence[str]] = None,
) -> pa.StructArray:
    """Normalises values of one kind: a StructArray of ``value`` (canonical text, or null)
    and ``reason`` (null, or why there is no value: ``empty``, ``placeholder``, ``invalid``,
    ...), one row per input.

    ``values`` is a list, a pyarrow Array or a pandas or Polars Series. Kinds: ``KINDS``.

    >>> import omnilink
    >>> out = omnilink.normalize("phone", ["8 (912) 345-67-89", "n/a", None], region="RU")
    >>> out.field("value").to_pylist()
    ['+79123456789', None, None]
    >>> out.field("reason").to_pylist()
    [None, 'placeholder', 'empty']
    """
    settings = _settings(None, None, region, regions)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        array = values
    elif type(values).__module__.split(".")[0] in ("pandas", "polars"):
        array = pa.array(values.to_arrow() if hasattr(values, "to_arrow") else values)
    else:
        array = pa.array(list(values), type=pa.large_string())
    column = _text_column(array)
    rows = len(array)
    (n, v_valid, v_off, v_data), (_, r_valid, r_off, r_data) = _native.normalize_column(
        kind, column, rows, settings
    )

    def arr(valid: bytes, off: bytes, data: bytes) -> pa.Array:
        return pa.Array.from_buffers(
            pa.large_string(), n, [pa.py_buffer(valid), pa.py_buffer(off), pa.py_buffer(data)]
        )

    return pa.StructArray.from_arrays(
        [arr(v_valid, v_off, v_data), arr(r_valid, r_off, r_data)], names=["value", "reason"]
    )


_LABEL_COLUMNS = ("entity_id", "customer_id", "cluster_id", "cluster")


def _labels(data: Any) -> Dict[Tuple[Optional[str], str], str]:
    if isinstance(data, (str, os.PathLike)):
        table = pa_csv.read_csv(
            os.fspath(data),
            convert_options=pa_csv.ConvertOptions(strings_can_be_null=False),
            read_options=pa_csv.ReadOptions(),
        )
        table = table.cast(pa.schema([(f.name, pa.large_string()) for f in table.schema]))
    else:
        table = _to_table(data)
    names = table.column_names
    if "record_id" not in names:
        raise InputError("a truth or prediction table needs a `record_id` column")
    label = next((c for c in _LABEL_COLUMNS if c in names), None)
    if label is None:
        raise InputError(f"no label column: expected one of {', '.join(_LABEL_COLUMNS)}")
    ids = [str(x) for x in table["record_id"].to_pylist()]
    labels = [str(x) for x in table[label].to_pylist()]
    sources = [str(x) for x in table["source"].to_pylist()] if "source" in names else [None] * len(ids)
    return {(s, i): l for s, i, l in zip(sources, ids, labels)}


def evaluate(truth: Any, prediction: Any) -> Dict[str, Any]:
    """Pairwise and B-cubed precision, recall and F1, and cluster figures, of a prediction
    against a truth. Each is a table (or CSV path) of ``record_id`` and a label column
    (``entity_id``, ``customer_id``, ``cluster_id`` or ``cluster``), with ``source`` when ids
    repeat across sources; ``Resolution.memberships`` is a prediction.

    >>> import omnilink
    >>> records, truth = omnilink.generate(300, seed=3)
    >>> m = omnilink.evaluate(truth, omnilink.resolve(records).memberships)
    >>> m["pairwise"]["precision"] > 0.9
    True
    """
    t = _labels(truth)
    p = _labels(prediction)
    if all(s is None for s, _ in t):
        p = {(None, i): l for (_, i), l in p.items()}
    elif all(s is None for s, _ in p):
        t = {(None, i): l for (_, i), l in t.items()}
    missing = [k for k in t if k not in p]
    if missing:
        raise InputError(f"{len(missing)} records of the truth are not in the prediction")
    keys = list(t)
    return json.loads(_native.evaluate_labels([t[k] for k in keys], [p[k] for k in keys]))


def generate(customers: int, seed: int = 42) -> Tuple[pa.Table, pa.Table]:
    """A synthetic omnichannel export with ground truth: ``(records, truth)`` Tables, the
    same bytes as ``omnilink generate`` writes for the same seed.

    >>> import omnilink
    >>> records, truth = omnilink.generate(10, seed=1)
    >>> records.num_rows == truth.num_rows
    True
    """
    records, truth = _native.generate_csv(int(customers), int(seed))
    return _read_csv(records, {}), _read_csv(truth, {})


class Resolver:
    """A long-lived resolver: records come one at a time, lookups answer at once. Safe to use
    from several threads (lookups share a read lock; adds take the write lock).

    >>> import omnilink
    >>> r = omnilink.Resolver(region="RU")
    >>> cid, events = r.add({"id": "1", "source": "web", "phone": "+7 912 345-67-89", "name": "Anna"})
    >>> r.lookup("phone", "8 912 345 67 89") == [cid]
    True
    >>> r.customer_of("web", "1") == cid
    True
    """

    def __init__(
        self,
        config: Union[None, Mapping[str, Any], PathLike] = None,
        *,
        columns: Optional[Mapping[str, str]] = None,
        region: Optional[str] = None,
        regions: Optional[Sequence[str]] = None,
        _native_resolver: Any = None,
    ) -> None:
        if _native_resolver is not None:
            self._native = _native_resolver
        else:
            self._native = _native.NativeResolver(_settings(config, columns, region, regions))

    def add(self, record: Mapping[str, Any], *, source: str = "input") -> Tuple[str, List[Dict[str, Any]]]:
        """Adds (or replaces, for a known ``(source, id)``) a record given as a dict of column
        name to value; returns its customer id and the events (merges, splits) it caused."""
        headers = [str(k) for k in record]
        values = [None if v is None else str(v) for v in record.values()]
        table = pa.table({h: pa.array([v], type=pa.large_string()) for h, v in zip(headers, values)})
        return self._add_table(table, source)[0]

    def add_batch(self, data: Any, *, source: str = "input") -> List[Tuple[str, List[Dict[str, Any]]]]:
        """Adds the records of a table (any input ``resolve`` takes but a path), in order."""
        return self._add_table(_to_table(data), source)

    def _add_table(self, table: pa.Table, source: str) -> List[Tuple[str, List[Dict[str, Any]]]]:
        headers, cols, rows = _columns(table)
        out = self._native.add_columns(headers, cols, rows, source)
        return [(cid, json.loads(events)) for cid, events in out]

    def lookup(self, kind: str, raw_value: str) -> List[str]:
        """The customer ids whose records carry this identifier (normalised first)."""
        return self._native.lookup(kind, raw_value)

    def customer(self, customer_id: str) -> Optional[Dict[str, Any]]:
        """A customer's records ``(source, id)`` and golden record, or None."""
        text = self._native.customer_json(customer_id)
        return None if text is None else json.loads(text)

    def customer_of(self, source: str, record_id: str) -> Optional[str]:
        """The customer id of a record, or None."""
        return self._native.customer_of(source, record_id)

    def remove(self, source: str, record_id: str) -> List[Dict[str, Any]]:
        """Removes a record; returns the events (splits) it caused."""
        return json.loads(self._native.remove(source, record_id))

    def save(self, path: PathLike) -> None:
        """Writes the whole state to a file, atomically."""
        self._native.save(os.fspath(path))

    @classmethod
    def open(
        cls,
        directory: PathLike,
        config: Union[None, Mapping[str, Any], PathLike] = None,
        *,
        columns: Optional[Mapping[str, str]] = None,
        region: Optional[str] = None,
        regions: Optional[Sequence[str]] = None,
        sync: str = "every",
    ) -> "Resolver":
        """A resolver kept in a state directory (created when new): every ``add``,
        ``add_batch`` and ``remove`` is journaled before it returns, and opening again replays
        the journal, so a crash loses no acknowledged operation and customer ids stay the
        same. ``sync``: ``"every"`` (an fsync per operation, the default), ``"grouped"``
        (concurrent writers share fsyncs) or ``"os"`` (no fsync: survives the process
        crashing, not a power cut). An existing directory keeps the config it was created
        with; another config is a ``ConfigError``. The directory is locked while the resolver
        lives (``del`` it to release): a second open raises ``StateError``, as does a damaged
        journal (the message names the file and byte offset).

        >>> import omnilink, tempfile
        >>> d = tempfile.mkdtemp()
        >>> r = omnilink.Resolver.open(d, region="RU")
        >>> cid, _ = r.add({"id": "1", "source": "web", "phone": "+7 912 345-67-89"})
        >>> del r
        >>> omnilink.Resolver.open(d, region="RU").customer_of("web", "1") == cid
        True
        """
        settings = _settings(config, columns, region, regions)
        return cls(_native_resolver=_native.NativeResolver.open(os.fspath(directory), settings, sync))

    def checkpoint(self) -> None:
        """Folds the journal into a new snapshot (a resolver from ``open``), so that opening
        again replays nothing; a crash at any point opens to the same state."""
        self._native.checkpoint()

    @property
    def recovery(self) -> Optional[Dict[str, Any]]:
        """What opening the state directory found and did (``created``, ``generation``,
        ``snapshot_records``, ``replayed``, ``torn_at``, ``torn_bytes``, ``removed_files``),
        or None for a resolver not from ``open``."""
        text = self._native.recovery_json()
        return None if text is None else json.loads(text)

    @classmethod
    def load(cls, path: PathLike) -> "Resolver":
        """A resolver from a file written by ``save``."""
        return cls(_native_resolver=_native.NativeResolver.load(os.fspath(path)))

    def __len__(self) -> int:
        return len(self._native)

    @property
    def customer_count(self) -> int:
        """How many customers are held."""
        return self._native.customer_count()

    def __repr__(self) -> str:
        return f"<Resolver: {len(self)} records, {self.customer_count} customers>"
