"""Light pandas pre-processing shared by the peer runners.

This is the cleaning a typical user does in a few lines of pandas before handing data to a
linkage library. It is deliberately generic: no country rules, no transliteration, no nickname
tables, no placeholder lists. Every step is listed in README.md; keep the two in step.
"""

import pandas as pd

# Strings that mean "no value" in almost any export; compared after strip + lower-case.
NULL_TOKENS = {"", "-", "n/a", "na", "none", "null", "nan"}
MIN_PHONE_DIGITS = 7
# Phones are compared on their last digits: national ("8 916 ...", "0912 ...") and international
# ("+7 916 ...", "0098 912 ...") forms of one number share them, without any numbering plan.
# Nine is the shortest national significant number among the generator's markets (Uzbekistan).
PHONE_TAIL_DIGITS = 9
# The default "drop hub values" threshold: an identifier value held by more records than this
# is a placeholder or a shared till card, not a person's (see README.md).
DEFAULT_NULL_FREQUENT = 20

OUTPUT_COLUMNS = [
    "record_id", "country", "phone", "email", "card", "device_id", "social", "first_name",
    "last_name", "first_last", "birth_date", "city",
]
IDENTIFIER_COLUMNS = ["phone", "email", "card", "device_id", "social"]


def _first_value(s: pd.Series) -> pd.Series:
    """First of the `;`-joined values, stripped; generic null tokens become NA."""
    out = s.fillna("").astype(str).str.split(";").str[0].str.strip()
    return out.where(~out.str.lower().isin(NULL_TOKENS))


def _text(s: pd.Series) -> pd.Series:
    """Lower-case, strip, collapse inner whitespace."""
    return s.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()


def _nonempty(s: pd.Series) -> pd.Series:
    return s.where(s.notna() & (s != ""))


def prepare(records_csv, null_frequent: int = DEFAULT_NULL_FREQUENT) -> pd.DataFrame:
    """Read records.csv (a path, or the file already read as a DataFrame of text) and return
    one row per record with the cleaned columns above.

    With null_frequent > 0, an identifier value (phone, e-mail, card, device, social handle)
    held by more than that many records is set to null: the generic "drop hub values" step a
    user may take after looking at value counts (0 turns it off).
    """
    if isinstance(records_csv, pd.DataFrame):
        raw = records_csv
    else:
        raw = pd.read_csv(records_csv, dtype=str, keep_default_na=False, encoding="utf-8")
    df = pd.DataFrame({"record_id": raw["record_id"].astype(str)})

    df["country"] = _first_value(raw["country"]).str.upper()

    # An extension ("... ext. 451", "... x12") is not part of the number.
    phone = _first_value(raw["phone"]).str.replace(r"(?i)\s*(ext|x|доб)\.?\s*\d+\s*$", "",
                                                    regex=True)
    phone = phone.str.replace(r"\D", "", regex=True)
    phone = phone.where(phone.str.len() >= MIN_PHONE_DIGITS)
    df["phone"] = phone.str[-PHONE_TAIL_DIGITS:]

    df["email"] = _first_value(raw["email"]).str.lower()

    df["card"] = _nonempty(_first_value(raw["card"]).str.replace(r"[\s-]", "", regex=True))
    df["device_id"] = _first_value(raw["device_id"]).str.lower()

    network = _text(_first_value(raw["social_network"]))
    handle = _text(_first_value(raw["social"])).str.lstrip("@")
    df["social"] = _nonempty(network.fillna("") + ":" + handle).where(handle.notna())

    first = _text(_first_value(raw["first_name"]))
    last = _text(_first_value(raw["last_name"]))
    full = _text(_first_value(raw["full_name"]))
    tokens = full.str.split(" ")
    # Only a full name: take its first token as the first name and its last as the last name.
    first = first.fillna(tokens.str[0])
    last = last.fillna(tokens.str[-1].where(tokens.str.len() >= 2))
    df["first_name"] = _nonempty(first)
    df["last_name"] = _nonempty(last)
    df["first_last"] = (df["first_name"] + " " + df["last_name"]).where(
        df["first_name"].notna() & df["last_name"].notna())

    dob = pd.to_datetime(_first_value(raw["birth_date"]), format="mixed", dayfirst=True,
                         errors="coerce")
    df["birth_date"] = dob.dt.strftime("%Y-%m-%d").where(dob.notna())

    df["city"] = _text(_first_value(raw["city"]))

    if null_frequent > 0:
        for col in IDENTIFIER_COLUMNS:
            counts = df[col].map(df[col].value_counts())
            df[col] = df[col].where(~(counts > null_frequent))

    df = df[OUTPUT_COLUMNS]
    return df.astype(object).where(df.notna(), None)


def sweep_path(clusters_csv: str, label: str) -> str:
    """Where a runner writes the clusters of one sweep point, beside its main clusters file."""
    stem = clusters_csv[:-4] if clusters_csv.endswith(".csv") else clusters_csv
    return "%s.sweep-%s.csv" % (stem, label)


def describe(df: pd.DataFrame) -> dict:
    """Share of non-null values per column, for the run log."""
    return {c: round(float(df[c].notna().mean()), 3) for c in df.columns if c != "record_id"}



def components(ids: pd.Series, left: pd.Series, right: pd.Series) -> pd.DataFrame:
    """Connected components of the pairs (left[k], right[k]) over ids: record_id, cluster_id."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = pd.Index(ids)
    n = len(index)
    a, b = index.get_indexer(left), index.get_indexer(right)
    ok = (a >= 0) & (b >= 0)
    graph = coo_matrix((np.ones(int(ok.sum()), dtype=np.int8), (a[ok], b[ok])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return pd.DataFrame({"record_id": index, "cluster_id": labels})
