"""Checks of the shared error-analysis fixture (``tests/_demo_predictions.py``), so the
end-to-end tests that use it mean what they say."""

from __future__ import annotations

from tests._demo_predictions import demo_predictions


def test_fixture_has_every_split_and_planted_labels():
    demo = demo_predictions()
    from yearn.predictions import load_predictions

    preds = load_predictions(demo.path)
    assert set(preds.splits) == {"train", "dev", "test"}
    dev = preds.split("dev")
    assert 0.1 < dev.error_rate() < 0.5
    # the planted wrong labels fall in every split, dev included
    assert dev.frame["id"].isin(demo.mislabeled).sum() >= 10


def test_fixture_errors_concentrate_on_blurry_images():
    demo = demo_predictions()
    dev = demo.frame[demo.frame["split"] == "dev"]
    pred = dev[[c for c in dev if c.startswith("proba:")]].to_numpy().argmax(axis=1)
    wrong = pred != dev["label"].to_numpy()
    blurry = (dev["blur"] > 1.2).to_numpy()
    assert wrong[blurry].mean() > 1.3 * wrong[~blurry].mean()
