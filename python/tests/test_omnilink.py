"""The Python package against the command line and against itself: every function, every
input type, the exceptions, threads."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

import omnilink

REPO = Path(__file__).resolve().parents[2]
DEV = REPO.parent / "shared" / "data" / "omni_dev_20k" / "records.csv"


def cli() -> Path:
    """The command line built by `cargo build --release` (the test command builds it)."""
    exe = Path(os.environ.get("OMNILINK_BIN", REPO / "target" / "release" / "omnilink"))
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    return exe


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    records, truth = omnilink.generate(1500, seed=11)
    d = tmp_path_factory.mktemp("synth")
    pa_csv.write_csv(records, d / "records.csv")
    return records, truth, d / "records.csv"


def cli_memberships(path: Path, out: Path, *args: str) -> dict:
    subprocess.run([str(cli()), "resolve", str(path), "-o", str(out), "-q", *args], check=True)
    with open(out / "memberships.csv", newline="", encoding="utf-8") as f:
        return {(r["source"], r["record_id"]): r["customer_id"] for r in csv.DictReader(f)}


def memberships(res: omnilink.Resolution) -> dict:
    m = res.memberships
    return {
        (s, r): c
        for s, r, c in zip(
            m["source"].to_pylist(), m["record_id"].to_pylist(), m["customer_id"].to_pylist()
        )
    }


def test_generate_is_the_command_lines_export(tmp_path, synth):
    records, truth, _ = synth
    subprocess.run(
        [str(cli()), "generate", "--customers", "1500", "--seed", "11", "-o", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    from_cli = pa_csv.read_csv(
        tmp_path / "records.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in records.column_names},
            strings_can_be_null=False,
        ),
    )
    assert from_cli.equals(records)
    assert truth.num_rows == records.num_rows


@pytest.mark.parametrize("kind", ["path", "arrow", "pandas", "polars", "reader", "batch"])
def test_every_input_gives_the_command_lines_customers(tmp_path, synth, kind):
    records, _, path = synth
    expected = cli_memberships(path, tmp_path / "cli")
    data = {
        "path": str(path),
        "arrow": records,
        "pandas": records.to_pandas(),
        "polars": pl.from_arrow(records),
        "reader": pa.RecordBatchReader.from_batches(records.schema, records.to_batches(max_chunksize=400)),
        "batch": records.combine_chunks().to_batches()[0],
    }[kind]
    got = memberships(omnilink.resolve(data))
    # A file's records take their source from a source column; both have one.
    assert got == expected


@pytest.mark.skipif(not DEV.exists(), reason="the development export is not beside the repository")
def test_development_export_matches_the_command_line(tmp_path):
    expected = cli_memberships(DEV, tmp_path / "cli")
    got = memberships(omnilink.resolve(pd.read_csv(DEV, dtype=str, keep_default_na=False)))
    assert got == expected


def test_outputs_stats_and_model(synth):
    records, truth, _ = synth
    res = omnilink.resolve(records)
    m = res.memberships
    assert m.num_rows == records.num_rows
    assert m.column_names == ["record_id", "source", "customer_id", "score", "probability"]
    assert pa.types.is_floating(m["score"].type)
    c = res.customers
    assert c.num_rows == len(set(m["customer_id"].to_pylist()))
    assert sum(c["records"].to_pylist()) == records.num_rows
    assert isinstance(res.hubs, pa.Table)
    s = res.stats
    assert s["records_resolved"] == records.num_rows and s["rows_skipped"] == 0
    assert s["stats"]["trained"] is True
    model = res.model
    json.dumps(model)
    again = omnilink.resolve(records, config={"model": model})
    assert memberships(again) == memberships(res)
    metrics = omnilink.evaluate(truth, m)
    assert metrics["pairwise"]["precision"] > 0.95
    assert 0 < metrics["pairwise"]["recall"] <= 1


def test_explain_adds_up_to_the_score(synth):
    records, _, _ = synth
    res = omnilink.resolve(records)
    m = res.memberships.to_pylist()
    by = {}
    for row in m:
        by.setdefault(row["customer_id"], []).append(row)
    a, b = next(v for v in by.values() if len(v) >= 2)[:2]
    parts = res.explain((a["source"], a["record_id"]), (b["source"], b["record_id"]))
    assert parts[0]["field"] == "prior"
    assert {p["field"] for p in parts} >= {"phone", "email", "first_name"}
    total = sum(p["weight"] for p in parts)
    score = json.loads(res._native.explain_json((a["source"], a["record_id"]), (b["source"], b["record_id"])))["score"]
    assert abs(total - score) < 1e-6
    # A record with itself agrees on everything it carries.
    same = res.explain((a["source"], a["record_id"]), (a["source"], a["record_id"]))
    assert sum(p["weight"] for p in same) > 0
    with pytest.raises(omnilink.InputError):
        res.explain(("nowhere", "x"), (a["source"], a["record_id"]))


def test_columns_region_and_config_dict_and_toml(tmp_path):
    df = pd.DataFrame(
        {
            "Моб. тел": ["8 (912) 345-67-89", "+7 912 345 67 89", "8 (912) 000-00-01"],
            "ФИО": ["Анна Петрова", "Анна Петрова", "Иван Иванов"],
        }
    )
    res = omnilink.resolve(df, columns={"Моб. тел": "phone", "ФИО": "full_name"}, region="RU")
    ids = res.memberships["customer_id"].to_pylist()
    assert ids[0] == ids[1] != ids[2]
    toml = tmp_path / "c.toml"
    toml.write_text('[input.columns]\n"Моб. тел" = "phone"\n"ФИО" = "full_name"\n', encoding="utf-8")
    again = omnilink.resolve(df, config=toml, region="RU")
    assert again.memberships["customer_id"].to_pylist() == ids
    both = omnilink.resolve(df, config={"input": {"columns": {"Моб. тел": "phone", "ФИО": "full_name"}}}, regions=["RU"])
    assert both.memberships["customer_id"].to_pylist() == ids


def test_errors_are_typed_and_carry_no_values(tmp_path):
    secret = "+7 912 345-67-89"
    with pytest.raises(omnilink.InputError) as e:
        omnilink.resolve(pd.DataFrame({"colour": [secret]}))
    assert secret not in str(e.value) and "colour" in str(e.value)
    with pytest.raises(omnilink.ConfigError):
        omnilink.resolve(pd.DataFrame({"phone": [secret]}), config={"match_probability": 2.0})
    with pytest.raises(omnilink.ConfigError) as e:
        omnilink.resolve(pd.DataFrame({"phone": [secret]}), config={"match_probability": "secret-x"})
    assert "secret-x" not in str(e.value)
    with pytest.raises(omnilink.ConfigError):
        omnilink.resolve(pd.DataFrame({"phone": [secret]}), columns={"phone": "telepathy"})
    with pytest.raises(omnilink.ConfigError):
        omnilink.resolve(pd.DataFrame({"phone": [secret]}), region="Narnia")
    with pytest.raises(omnilink.ConfigError):
        omnilink.normalize("telepathy", ["x"])
    with pytest.raises(omnilink.InputError):
        omnilink.resolve(tmp_path / "missing.csv")
    with pytest.raises(omnilink.InputError):
        omnilink.resolve(object())
    bad = tmp_path / "state.bin"
    bad.write_bytes(b"not a state")
    with pytest.raises(omnilink.StateError):
        omnilink.Resolver.load(bad)
    for cls in (omnilink.InputError, omnilink.ConfigError, omnilink.StateError):
        assert issubclass(cls, omnilink.Error)


@pytest.mark.parametrize("container", ["list", "arrow", "pandas", "polars"])
def test_normalize_every_container(container):
    raw = ["8 (912) 345-67-89", "n/a", None, "12", "+1 (415) 555-2671"]
    values = {
        "list": raw,
        "arrow": pa.array(raw),
        "pandas": pd.Series(raw, dtype="object"),
        "polars": pl.Series(raw),
    }[container]
    out = omnilink.normalize("phone", values, region="RU")
    assert isinstance(out, pa.StructArray) and len(out) == len(raw)
    assert out.field("value").to_pylist() == ["+79123456789", None, None, None, "+14155552671"]
    reasons = out.field("reason").to_pylist()
    assert reasons[0] is None and reasons[4] is None
    assert reasons[1] == "placeholder" and reasons[2] == "empty" and reasons[3] is not None


def test_normalize_every_kind_agrees_with_itself():
    samples = {
        "email": "Ivan.Petrov+shop@GMAIL.com",
        "card": "0038-9822-7448",
        "device": "{7208538E-0E5C-4564-9B3D-75A004279285}",
        "social": "https://vk.com/NIKONOVI",
        "name": "Жамшид Муҳаммадзиёев",
        "birth_date": "03.01.1973",
        "city": "Санкт-Петербург",
        "id_number": "536-90-4399",
        "postcode": "SW1A 1AA",
        "address": "ул. Ленина, д. 5, кв. 12",
        "attribute": "Engineer",
    }
    for kind, raw in samples.items():
        out = omnilink.normalize(kind, [raw, raw.upper()])
        v = out.field("value").to_pylist()
        assert v[0] is not None, kind
        again = omnilink.normalize(kind, [v[0]]).field("value").to_pylist()[0]
        if kind != "name":
            assert again == v[0], kind  # canonical text reads back as itself


def test_resolver_add_lookup_remove_save_load(tmp_path):
    r = omnilink.Resolver(region="RU")
    cid, events = r.add({"id": "1", "source": "web", "phone": "+7 912 345-67-89", "name": "Anna Petrova"})
    assert isinstance(events, list)
    cid2, _ = r.add({"id": "2", "source": "store", "phone": "8 912 345 67 89", "name": "Anna Petrova"})
    assert cid2 == cid
    assert r.lookup("phone", "89123456789") == [cid]
    assert r.lookup("email", "nobody@example.org") == []
    assert r.customer_of("web", "1") == cid
    view = r.customer(cid)
    assert sorted(map(tuple, view["members"])) == [("store", "2"), ("web", "1")]
    assert r.customer("C-nope") is None
    out = r.add_batch(pd.DataFrame({"id": ["3"], "source": ["app"], "email": ["anna@example.ru"], "name": ["Ivan Sidorov"]}))
    assert len(out) == 1 and out[0][0] != cid
    assert len(r) == 3 and r.customer_count == 2
    path = tmp_path / "state.bin"
    r.save(path)
    back = omnilink.Resolver.load(path)
    assert len(back) == 3 and back.customer_of("store", "2") == cid
    r.remove("store", "2")
    assert r.customer_of("store", "2") is None and len(r) == 2


def test_resolver_from_eight_threads_while_another_adds():
    records, _ = omnilink.generate(150, seed=5)
    rows = records.to_pylist()
    r = omnilink.Resolver()
    r.add_batch(records.slice(0, 200))
    phones = [x["phone"].split(";")[0] for x in rows[:200] if x["phone"]]
    known = {r.customer_of(x["source"], x["record_id"]) for x in rows[:200]}
    failures = []
    answered = []
    stop = threading.Event()

    def look():
        i = 0
        while not stop.is_set():
            for cid in r.lookup("phone", phones[i % len(phones)]):
                answered.append(cid)
                if r.customer(cid) is None and cid in r.lookup("phone", phones[i % len(phones)]):
                    # Merged away between the two calls is possible; named again after it
                    # was gone is not (ids are never reused).
                    failures.append(cid)
            i += 1
            time.sleep(0.0002)  # a caller's own work between lookups

    def add():
        for x in rows[200:]:
            r.add({k: v for k, v in x.items() if v}, source=x["source"])
        stop.set()

    threads = [threading.Thread(target=look) for _ in range(8)] + [threading.Thread(target=add)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(r) == len(rows)
    assert None not in known and answered
    assert not failures
    for cid in set(answered):
        # Every id a lookup gave is a customer now, or was merged into one that holds its phone.
        assert r.customer(cid) is not None or any(r.lookup("phone", p) for p in phones)


def test_evaluate_reads_common_truth_layouts(tmp_path, synth):
    records, truth, _ = synth
    res = omnilink.resolve(records)
    a = omnilink.evaluate(truth, res.memberships)
    renamed = truth.rename_columns(["record_id", "customer_id", *truth.column_names[2:]])
    assert omnilink.evaluate(renamed.select(["record_id", "customer_id"]), res.memberships) == a
    p = tmp_path / "truth.csv"
    pa_csv.write_csv(truth, p)
    assert omnilink.evaluate(p, res.memberships) == a
    with pytest.raises(omnilink.InputError):
        omnilink.evaluate(truth.select(["entity_id"]), res.memberships)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(omnilink, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0


def test_resolver_open_keeps_every_acknowledged_operation(tmp_path):
    d = tmp_path / "state"
    r = omnilink.Resolver.open(d, region="RU")
    assert r.recovery["created"]
    a, _ = r.add({"id": "1", "source": "store", "phone": "8 912 345-67-89", "name": "Anna Petrova"})
    b, _ = r.add({"id": "2", "source": "web", "phone": "+7 912 345 67 89", "email": "anna@mail.ru"})
    assert a == b
    r.add({"id": "3", "source": "web", "email": "ivan@mail.ru"})
    r.remove("web", "3")
    # A second open while the first lives is refused, naming no value.
    with pytest.raises(omnilink.StateError, match="locked"):
        omnilink.Resolver.open(d, region="RU")
    del r
    r = omnilink.Resolver.open(d, region="RU")
    assert r.recovery["replayed"] == 4
    assert r.customer_of("web", "2") == a and r.customer_of("web", "3") is None
    r.checkpoint()
    del r
    r = omnilink.Resolver.open(d, region="RU")
    assert (r.recovery["generation"], r.recovery["replayed"]) == (1, 0)
    assert r.lookup("email", "Anna@Mail.ru") == [a]
    del r
    # Another config, or a damaged journal: clear errors.
    with pytest.raises(omnilink.ConfigError):
        omnilink.Resolver.open(d, region="KZ")
    with pytest.raises(omnilink.ConfigError):
        omnilink.Resolver.open(tmp_path / "other", region="RU", sync="sometimes")


def test_sliced_chunked_and_typed_columns_read_as_their_values():
    base = pa.table(
        {
            "id": [str(i) for i in range(12)],
            "phone": ["+7 912 345-67-8" + str(i % 3) if i % 4 else None for i in range(12)],
            "card": pa.array([1000 + i if i % 5 else None for i in range(12)], pa.int64()),
            "name": pa.array(["Anna Petrova", "Ivan Sidorov", None] * 4).dictionary_encode(),
        }
    )
    chunked = pa.concat_tables([base.slice(0, 5), base.slice(5)])
    sliced = base.slice(2, 9)
    as_text = pa.table({n: pa.array([None if v is None else str(v) for v in base[n].to_pylist()], pa.large_string()) for n in base.column_names})
    want = memberships(omnilink.resolve(as_text))
    assert memberships(omnilink.resolve(chunked)) == want
    got = memberships(omnilink.resolve(sliced))
    direct = memberships(omnilink.resolve(as_text.slice(2, 9)))
    assert got == direct and len(got) == 9


def test_resolver_maps_columns_as_configured(tmp_path):
    r = omnilink.Resolver(columns={"Моб. тел": "phone", "ФИО": "full_name"}, region="RU")
    cid, _ = r.add({"id": "1", "source": "till", "Моб. тел": "8 (912) 345-67-89", "ФИО": "Анна Петрова"})
    assert r.lookup("phone", "+79123456789") == [cid]
    d = tmp_path / "state"
    durable = omnilink.Resolver.open(d, columns={"Моб. тел": "phone"}, region="RU")
    cid2, _ = durable.add({"id": "1", "source": "till", "Моб. тел": "8 (912) 345-67-89"})
    assert durable.lookup("phone", "+79123456789") == [cid2]
