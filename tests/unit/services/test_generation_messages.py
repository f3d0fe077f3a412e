"""A failed generation says whether it counted against the generation limit (the log's status)."""

from __future__ import annotations

from studio.services.generate import _with_quota_note


def test_a_failure_that_did_not_count_says_so() -> None:
    text = _with_quota_note("Fal reported an error: The model failed to generate images", "failed")
    assert text == "Fal reported an error: The model failed to generate images. It did not use up your quota."


def test_a_failure_on_a_job_that_counts_says_that_instead() -> None:
    text = _with_quota_note("Fal reported an error: timeout.", "cancelled")
    assert text == "Fal reported an error: timeout. It still counts against your generation limit."
    assert "did not use up" not in text
