from __future__ import annotations

from studio.ui.panes.prompt_pane import RESULT_SLOTS, describe_progress


def test_generate_shows_four_portraits_and_choosing_one_sets_the_profile(
    make_main_window, make_studio, fal_env
) -> None:
    studio = make_studio(fal_proxy_url=fal_env.url)
    window = make_main_window(studio)
    pane = window.prompt
    assert {"cyberpunk", "fantasy", "minimalist"} <= {
        pane.style_box.itemText(i) for i in range(pane.style_box.count())
    }
    assert not pane.generate_button.isEnabled()  # nothing to send yet
    pane.prompt.setPlainText("a fox ranger with a green hood")  # view -> model
    pane.style_box.setCurrentText("fantasy")
    messages: list[str] = []
    pane.progress.bar.valueChanged.connect(lambda _: messages.append(pane.progress.label.text()))
    pane.generate_button.click()
    assert pane.message.text() == ""
    log = pane.result
    assert (
        log.status == "success" and log.style == "fantasy" and log.prompt == "a fox ranger with a green hood"
    )
    icons = [pane.results.button(i).icon() for i in range(RESULT_SLOTS)]
    assert all(not icon.isNull() for icon in icons)  # model -> view: four portraits shown
    assert "ready" in pane.progress.label.text()
    pane.results.button(2).setChecked(True)
    assert pane.choose_button.isEnabled()
    pane.choose_button.click()
    profile = studio.profiles.me(studio.identity())
    assert profile is not None and profile.avatar_url == log.image_urls[2]
    assert "profile avatar" in pane.progress.label.text()


def test_rate_limit_is_explained_in_plain_words(make_main_window, make_studio, fal_env) -> None:
    window = make_main_window(make_studio(fal_proxy_url=fal_env.url))
    pane = window.prompt
    pane.prompt.setPlainText("a knight")
    pane.start_generate()
    pane.prompt.setPlainText("a second knight")
    pane.start_generate()
    text = pane.message.text().lower()
    assert "next" in text or "limit" in text, text
    assert "Traceback" not in pane.message.text()
    assert pane.generate_button.isEnabled()  # the pane is usable again


def test_blocked_prompt_is_refused_with_a_reason(make_main_window, make_studio, fal_env) -> None:
    window = make_main_window(make_studio(fal_proxy_url=fal_env.url))
    pane = window.prompt
    pane.prompt.setPlainText("a n4zi officer")
    pane.start_generate()
    assert pane.message.text() and pane.result is None
    assert fal_env.jobs == {}  # nothing was sent to Fal


def test_recalled_prompt_fills_the_fields() -> None:
    assert describe_progress(type("U", (), {"state": "queued", "position": 2})())[1].endswith("position 3")


def test_set_prompt_adds_an_unknown_style(make_main_window) -> None:
    pane = make_main_window().prompt
    pane.set_prompt("a robot", "noir")  # model -> view
    assert pane.prompt.toPlainText() == "a robot" and pane.selected_style() == "noir"
    pane.set_prompt("a robot", None)
    assert pane.selected_style() is None
