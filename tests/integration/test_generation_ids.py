"""QA finding 11: `generate` printed Fal's request id after "submitted:", but generations are listed
and chosen by their log id; it now prints the id `studio generations choose` takes."""

from __future__ import annotations

import json

import pytest

from studio.cli import main
from studio.generation.standin import FalStandIn


@pytest.mark.usefixtures("studio_home")
def test_generate_prints_the_id_generations_choose_takes(
    fal_env: FalStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_USERNAME", "Alice")
    monkeypatch.setenv("STUDIO_ADDRESS", "0x5a")
    assert main(["generate", "storm mage [[fake:queue=1,run=1]]", "--wait"]) == 0
    err = capsys.readouterr().err
    assert main(["generations", "list", "--json"]) == 0
    log_id = json.loads(capsys.readouterr().out)[0]["id"]
    submitted = [line for line in err.splitlines() if "submitted" in line]
    assert len(submitted) == 1 and log_id in submitted[0]
    assert f"studio generations choose {log_id}" in submitted[0]
    assert main(["generations", "choose", log_id]) == 0
