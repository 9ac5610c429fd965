"""The diagnosis ladder from bare numbers: the course's worked examples, intervals, input errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from yearn.diagnose import GAP_NAMES, NEXT_STEPS, diagnose, newcombe_diff, parse_errors, wilson
from yearn.errors import ConfigError, YearnError

# (errors given, the course's verdict). Human level is 0 unless given.
COURSE = [
    (dict(train="1%", dev="11%"), "variance"),
    (dict(train="15%", dev="16%"), "avoidable_bias"),
    (dict(train="15%", dev="30%"), ["avoidable_bias", "variance"]),
    (dict(train="0.5%", dev="1%"), "none"),
    (dict(human="0%", train="1%", train_dev="9%", dev="10%"), "variance"),
    (dict(train="1%", train_dev="1.5%", dev="10%"), "data_mismatch"),
    (dict(human="0%", train="10%", train_dev="11%", dev="12%"), "avoidable_bias"),
    (
        dict(human="0%", train="10%", train_dev="11%", dev="20%"),
        ["avoidable_bias", "data_mismatch"],
    ),
    (dict(dev="1%", test="5%"), "dev_overfitting"),
]


@pytest.mark.parametrize(("errors", "verdict"), COURSE)
def test_course_examples_give_the_course_verdict(errors, verdict):
    d = diagnose(**errors)
    assert d.principal_name == verdict
    if verdict == "none":
        assert list(d.recommendations) == ["none"]
    else:
        names = [verdict] if isinstance(verdict, str) else verdict
        assert d.recommendations == {g: NEXT_STEPS[g] for g in names}


@pytest.mark.parametrize(("errors", "verdict"), COURSE)
def test_course_examples_hold_with_large_samples(errors, verdict):
    sizes = {f"n_{k}": 100_000 for k in errors if k != "human"}
    assert diagnose(**errors, **sizes).principal_name == verdict


@pytest.mark.parametrize(("errors", "verdict"), COURSE)
def test_tiny_samples_claim_nothing_they_cannot_see(errors, verdict):
    sizes = {f"n_{k}": 20 for k in errors if k != "human"}
    d = diagnose(**errors, **sizes)
    claimed = d.principal
    for g in claimed:  # anything claimed must have an interval that excludes zero
        assert d.gaps[g].ci_low is not None and d.gaps[g].ci_low > 0
    # gaps between two measured 20-example sets are never visible at these sizes
    assert not set(claimed) & {"variance", "data_mismatch", "dev_overfitting"}
    # a train error against an exact human level of 0 is visible (3 errors in 20 are
    # not noise around 0), but only when the train error is clearly above the tolerance
    bias = d.gaps["avoidable_bias"].value
    expected = ("avoidable_bias",) if bias is not None and bias >= 0.1 else ()
    assert claimed == expected
    if claimed and verdict != "avoidable_bias":
        assert any("cannot be ruled out" in c or "includes zero" in c for c in d.caveats)


def test_tiny_sets_flag_the_gap_they_cannot_resolve():
    d = diagnose(train="1%", train_dev="1.5%", dev="10%", n_train=20, n_train_dev=20, n_dev=20)
    assert d.principal_name == "none"
    assert any("data mismatch" in c and "includes zero" in c for c in d.caveats)


def test_missing_human_level_is_assumed_zero_with_a_caveat():
    d = diagnose(train="8%", dev="10%")
    assert d.errors["human"].value == 0 and d.errors["human"].assumed
    assert any("avoidable bias cannot be separated from unavoidable" in c for c in d.caveats)
    assert d.gaps["avoidable_bias"].value == pytest.approx(0.08)


def test_missing_train_dev_says_variance_and_mismatch_cannot_be_separated():
    d = diagnose(human="1%", train="2%", dev="10%")
    assert d.gaps["data_mismatch"].value is None
    assert "cannot be separated" in d.gaps["data_mismatch"].note
    assert "together" in d.gaps["variance"].note
    assert any("variance and data mismatch cannot be separated" in c for c in d.caveats)


def test_no_sizes_means_no_intervals_and_says_so():
    d = diagnose(train="1%", dev="11%")
    assert d.gaps["variance"].ci_low is None and d.gaps["variance"].distinguishable is None
    assert any("judged on size alone" in c for c in d.caveats)


def test_similar_ratio_defines_reported_together():
    assert diagnose(train="10%", dev="16%").principal_name == ["avoidable_bias", "variance"]
    assert diagnose(train="10%", dev="14.9%").principal_name == "avoidable_bias"
    assert diagnose(train="10%", dev="14.9%", similar_ratio=0.4).principal_name == [
        "avoidable_bias",
        "variance",
    ]


def test_tolerance_is_settable():
    assert diagnose(train="0.5%", dev="1.2%").principal_name == "none"
    assert diagnose(train="0.5%", dev="1.2%", tolerance=0.005).principal_name == "variance"


def test_human_level_above_train_is_called_out():
    d = diagnose(human="5%", train="2%", dev="2.5%")
    assert any("below the human-level error" in c for c in d.caveats)


# -- intervals against references ---------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 20), (50, 100), (999, 1000), (7, 7)])
def test_wilson_matches_scipy(k, n):
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(k / n, n) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_newcombe_matches_the_papers_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, table II: 56/70 − 48/80, method 10
    low, high = newcombe_diff(56 / 70, 70, 48 / 80, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_gap_against_an_exact_human_level_is_the_shifted_wilson_interval():
    d = diagnose(human="1%", train="5%", dev="6%", n_train=400, n_dev=400)
    assert d.gap_confidence == pytest.approx(0.975)  # two gaps, simultaneous at 95%
    lo, hi = wilson(0.05, 400, 0.975)
    assert (d.gaps["avoidable_bias"].ci_low, d.gaps["avoidable_bias"].ci_high) == pytest.approx(
        (lo - 0.01, hi - 0.01)
    )


# -- properties ------------------------------------------------------------------------------

# a plain 1 is refused as ambiguous (1% or 100%?), so rates stay below it
rates = st.integers(min_value=0, max_value=999).map(lambda k: k / 1000)


@settings(max_examples=60, deadline=None)
@given(h=rates, tr=rates, td=rates, dv=rates, te=rates)
def test_human_plus_gaps_equals_test_error(h, tr, td, dv, te):
    d = diagnose(human=h, train=tr, train_dev=td, dev=dv, test=te)
    total = d.errors["human"].value + sum(d.gaps[g].value for g in GAP_NAMES)
    assert total == pytest.approx(te, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(h=rates, tr=rates, dv=rates, te=rates)
def test_decomposition_adds_up_without_train_dev(h, tr, dv, te):
    d = diagnose(human=h, train=tr, dev=dv, test=te)
    gaps = [d.gaps[g].value for g in GAP_NAMES if d.gaps[g].value is not None]
    assert d.errors["human"].value + sum(gaps) == pytest.approx(te, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    p1=st.floats(0.0, 1.0, exclude_max=True),
    p2=st.floats(0.0, 1.0, exclude_max=True),
    n=st.integers(10, 5000),
    factor=st.integers(2, 50),
)
def test_intervals_shrink_as_samples_grow(p1, p2, n, factor):
    small = diagnose(train=p1, dev=p2, n_train=n, n_dev=n).gaps["variance"]
    large = diagnose(train=p1, dev=p2, n_train=n * factor, n_dev=n * factor).gaps["variance"]
    assert large.ci_high - large.ci_low < small.ci_high - small.ci_low
    assert large.ci_low <= large.value <= large.ci_high
    w_small, w_large = wilson(p1, n), wilson(p1, n * factor)
    assert w_large[1] - w_large[0] < w_small[1] - w_small[0]


# -- input errors ------------------------------------------------------------------------------


def test_percent_strings_and_fractions_are_both_accepted():
    assert parse_errors({"train": "8%", "dev": "10.5%"}) == pytest.approx(
        {"train": 0.08, "dev": 0.105}
    )
    assert parse_errors({"train": 0.08, "dev": "0.105"}) == pytest.approx(
        {"train": 0.08, "dev": 0.105}
    )
    assert parse_errors({"human": 0, "train": "8%"}) == pytest.approx({"human": 0, "train": 0.08})


@pytest.mark.parametrize(
    ("errors", "message"),
    [
        (dict(train="8", dev="10%"), "mixed notations"),
        (dict(train=0.08, dev="10%"), "mixed notations"),
        (dict(train="8", dev="10"), "if you mean 8%"),
        (dict(train="120%", dev="10%"), "cannot exceed 100%"),
        (dict(train="-1%", dev="10%"), "cannot be negative"),
        (dict(train="nan", dev="0.1"), "finite"),
        (dict(train="eight", dev="0.1"), "cannot read 'eight'"),
        (dict(train="8%"), "at least two rungs"),
        (dict(), "no errors given"),
    ],
)
def test_bad_errors_are_refused_clearly(errors, message):
    with pytest.raises(ConfigError, match=message):
        diagnose(**errors)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (dict(n_dev=-5), "positive number of examples"),
        (dict(n_dev=0), "positive number of examples"),
        (dict(n_dev=2.5), "integer"),
        (dict(n_test=100), "--n-test is given but --test is not"),
    ],
)
def test_bad_sizes_are_refused_clearly(sizes, message):
    with pytest.raises(ConfigError, match=message):
        diagnose(train="8%", dev="10%", **sizes)


def test_unknown_or_wrong_direction_metric():
    with pytest.raises(ConfigError, match="unknown metric"):
        diagnose(train="8%", dev="10%", metric="bogus")
    with pytest.raises(ConfigError, match="1-f1"):
        diagnose(train="8%", dev="10%", metric="f1")


def test_other_metrics_in_error_form():
    d = diagnose(train="2%", dev="12%", metric="1-f1", n_train=100, n_dev=100)
    assert d.principal_name == "variance" and d.gaps["variance"].ci_low is None
    assert any("not a share of examples" in c for c in d.caveats)
    r = diagnose(human=2.9, train=3.0, dev=4.5, metric="rmse")
    assert r.principal_name == "variance" and r.tolerance == pytest.approx(0.05 * 4.5)
    with pytest.raises(ConfigError, match="not a rate"):
        diagnose(train="3%", dev="4%", metric="rmse")


# -- display -------------------------------------------------------------------------------------


def test_repr_html_and_chart(tmp_path):
    d = diagnose(
        human="1%",
        train="8%",
        train_dev="9%",
        dev="10%",
        test="10.5%",
        n_train=1000,
        n_train_dev=1000,
        n_dev=1000,
        n_test=1000,
    )
    import matplotlib
    import matplotlib.pyplot as plt

    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    page = d._repr_html_()
    assert "<svg" in page and "avoidable bias" in page and "principal gap" in page
    png, svg = d.save_chart(tmp_path / "ladder.png"), d.save_chart(tmp_path / "ladder.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()
    with pytest.raises(ConfigError, match=r"\.png or \.svg"):
        d.save_chart(tmp_path / "ladder.jpg")
    # drawing files and inline SVG leaves the user's pyplot state alone
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures


# -- CLI -----------------------------------------------------------------------------------------


def test_cli_json_has_the_contract_keys(cli):
    r = cli(
        "diagnose",
        "--human",
        "1%",
        "--train",
        "8%",
        "--train-dev",
        "9%",
        "--dev",
        "10%",
        "--test",
        "10.5%",
        "--n-train",
        "10000",
        "--n-train-dev",
        "2000",
        "--n-dev",
        "2000",
        "--n-test",
        "2000",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out["errors"]) == {"human", "train", "train_dev", "dev", "test"}
    assert out["errors"]["dev"] == pytest.approx(0.10)
    for g in GAP_NAMES:
        assert {"value", "ci_low", "ci_high"} <= set(out["gaps"][g])
    assert out["gaps"]["avoidable_bias"]["value"] == pytest.approx(0.07)
    assert out["principal"] == "avoidable_bias"
    assert out["recommendations"]["avoidable_bias"][0].startswith("train a bigger model")


def test_cli_table_and_chart(cli, tmp_path):
    r = cli(
        "diagnose",
        "--train",
        "1%",
        "--train-dev",
        "1.5%",
        "--dev",
        "10%",
        "--chart",
        tmp_path / "c.svg",
    )
    assert r.exit_code == 0, r.output
    assert "principal gap: data mismatch" in r.output
    assert "yearn errors" in r.output  # each step names the command that carries it out
    assert (tmp_path / "c.svg").exists()


def test_cli_list_of_principal_gaps(cli):
    r = cli("diagnose", "--train", "15%", "--dev", "30%", "--json")
    assert json.loads(r.output)["principal"] == ["avoidable_bias", "variance"]
    r = cli("diagnose", "--train", "0.5%", "--dev", "1%", "--json")
    assert json.loads(r.output)["principal"] == "none"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train", "8", "--dev", "10%"], "mixed notations"),
        (["--train", "150%", "--dev", "10%"], "cannot exceed 100%"),
        (["--train", "8%", "--dev", "10%", "--n-dev", "-5"], "positive number"),
        (["--train", "8%", "--dev", "10%", "--tolerance", "abc"], "--tolerance"),
        ([], "give exactly one source"),
        (["--train", "8%", "--predictions", "x.csv"], "give exactly one source"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(cli, args, message):
    r = cli("diagnose", *args)
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_errors_are_yearn_errors():
    with pytest.raises(YearnError):
        diagnose(train="8", dev="10%")


def test_strict_rule_needs_the_interval_above_the_tolerance(cli):
    kw = dict(train="1%", train_dev="1.5%", dev="4%", n_train=1000, n_train_dev=1000, n_dev=1000)
    assert diagnose(**kw).principal_name == "data_mismatch"
    strict = diagnose(**kw, strict=True)
    assert strict.principal_name == "none" and strict.strict
    assert any("not clearly above" in c and "--strict" in c for c in strict.caveats)
    big = diagnose(**{**kw, "dev": "6%"}, strict=True)
    assert big.principal_name == "data_mismatch"
    r = cli(
        "diagnose",
        "--train",
        "1%",
        "--train-dev",
        "1.5%",
        "--dev",
        "3.5%",
        "--n-train",
        "1000",
        "--n-train-dev",
        "1000",
        "--n-dev",
        "1000",
        "--strict",
        "--json",
    )
    assert r.exit_code == 0 and json.loads(r.output)["principal"] == "none"


def test_numpy_scalars_are_numbers():
    import numpy as np

    d = diagnose(
        train=np.float64(0.01), dev=np.float32(0.11), n_train=np.int64(100), n_dev=np.int32(100)
    )
    assert d.principal_name == "variance" and d.errors["dev"].n == 100
    with pytest.raises(ConfigError, match="integer"):
        diagnose(train=0.1, dev=0.2, n_dev=float("nan"))


def test_exported_members():
    import yearn
    import yearn.diagnose as pkg

    for name in pkg.__all__:
        assert getattr(pkg, name) is not None, name
    for name in ("diagnose_predictions", "diagnose_run", "learning_curve", "training_health"):
        assert getattr(yearn, name) is getattr(pkg, name)
