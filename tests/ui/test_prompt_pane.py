from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from studio.ui.panes.prompt_pane import CHOSEN, RESULT_SLOTS, describe_progress


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
    assert pane.progress.label.text() == "4 portraits ready — pick one to keep."
    pane.results.button(2).setChecked(True)
    assert pane.choose_button.isEnabled()
    pane.choose_button.click()
    profile = studio.profiles.me(studio.identity())
    assert profile is not None and profile.avatar_url == log.image_urls[2]
    assert "profile avatar" in pane.progress.label.text()
    # the chosen portrait says so and stays framed; the others do not
    assert [pane.results.button(i).text() for i in range(RESULT_SLOTS)] == ["", "", CHOSEN, ""]
    assert pane.results.button(2).isChecked() and "4px solid" in pane.results.button(2).styleSheet()
    assert not pane.choose_button.isEnabled()  # it already is the profile avatar
    # ... and the profile portrait shows next to "Signed in as" in the status bar
    assert not window.avatar_label.isHidden() and not window.avatar_label.pixmap().isNull()


def test_rate_limit_keeps_the_portraits_says_when_in_local_time_and_waits(
    make_main_window, make_studio, fal_env, tmp_path
) -> None:
    ini = tmp_path / "rate.ini"
    window = make_main_window(make_studio(fal_proxy_url=fal_env.url), ini=ini)
    pane = window.prompt
    pane.prompt.setPlainText("a knight")
    pane.start_generate()
    icons = [pane.results.button(i).icon().cacheKey() for i in range(RESULT_SLOTS)]
    assert pane.result is not None
    assert not pane.generate_button.isEnabled()  # the one generation of the window is used
    pane.block_until(None)  # pretend the button was still enabled, as before the fix
    pane.prompt.setPlainText("a second knight")
    pane.start_generate()
    text = pane.message.text()
    assert text.startswith("You have used all your portrait generations for now. The next one is available ")
    assert re.search(r"(today|tomorrow) at \d\d:\d\d\.$", text), text
    assert "UTC" not in text and "Traceback" not in text
    # the previous four portraits are still there, and Generate waits with the time in its tooltip
    assert [pane.results.button(i).icon().cacheKey() for i in range(RESULT_SLOTS)] == icons
    assert not pane.generate_button.isEnabled()
    assert "available again" in pane.generate_button.toolTip()
    assert pane.blocked_until is not None and pane._unblock.isActive()
    # a new window (a restart) knows it too, before anyone clicks
    window.close()
    again = make_main_window(window.studio, ini=ini)
    again.start()
    assert again.prompt.blocked_until is not None and not again.prompt.generate_button.isEnabled()
    note = again.prompt.limit_note  # said in the pane, not only in the disabled button's tooltip
    assert not note.isHidden() and note.text().startswith("The generation limit is reached: available again")
    again.prompt.block_until(datetime.now(UTC) - timedelta(seconds=1))  # the time has come
    assert again.prompt.generate_button.isEnabled() and note.isHidden()


def test_prompt_and_style_are_remembered_and_a_recall_clears_an_old_error(make_main_window, tmp_path) -> None:
    ini = tmp_path / "prompt.ini"
    first = make_main_window(ini=ini)
    first.prompt.set_prompt("a moss golem", "fantasy")
    first.close()
    second = make_main_window(ini=ini)
    pane = second.prompt
    assert pane.prompt.toPlainText() == "a moss golem" and pane.selected_style() == "fantasy"
    pane.message.setText("Fal reported an error: The model failed to generate images")
    second.gallery.recall.emit("a robot", None)
    assert pane.message.text() == "" and pane.prompt.toPlainText() == "a robot"


def test_no_key_points_to_settings_first(make_main_window, make_studio, monkeypatch) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    window = make_main_window(make_studio())
    pane = window.prompt
    pane.prompt.setPlainText("a knight")
    pane.start_generate()
    assert pane.message.text().startswith("No Fal key is set up yet. Open File ▸ Settings…"), (
        pane.message.text()
    )


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


def test_a_restart_shows_the_last_portraits_again_with_the_chosen_one_marked(
    make_main_window, make_studio, fal_env, tmp_path
) -> None:
    ini = tmp_path / "restart.ini"
    studio = make_studio(fal_proxy_url=fal_env.url)
    first = make_main_window(studio, ini=ini)
    first.prompt.prompt.setPlainText("a lighthouse keeper")
    first.prompt.start_generate()
    log = first.prompt.result
    first.prompt.results.button(1).setChecked(True)
    first.prompt.choose_selected()
    first.close()
    again = make_main_window(studio, ini=ini)
    again.start()
    pane = again.prompt
    assert pane.result is not None and pane.result.id == log.id
    assert all(not pane.results.button(i).icon().isNull() for i in range(RESULT_SLOTS))
    assert [pane.results.button(i).text() for i in range(RESULT_SLOTS)] == ["", CHOSEN, "", ""]
    assert pane.results.button(1).isChecked() and not pane.choose_button.isEnabled()
    assert pane.progress.label.text().startswith("Your last portraits (today at ")
    assert "is your profile avatar" in pane.progress.label.text()
    # another one can still be chosen after the restart
    pane.results.button(3).setChecked(True)
    assert pane.choose_button.isEnabled()
    pane.choose_button.click()
    assert studio.profiles.me(studio.identity()).avatar_url == log.image_urls[3]
    assert [pane.results.button(i).text() for i in range(RESULT_SLOTS)] == ["", "", "", CHOSEN]
    # the prompt text is the one typed last, not lost
    assert pane.prompt.toPlainText() == "a lighthouse keeper"


def test_a_restart_with_no_generation_yet_shows_empty_slots(make_main_window, make_studio) -> None:
    window = make_main_window(make_studio())
    window.start()
    pane = window.prompt
    assert pane.result is None
    assert all(pane.results.button(i).icon().isNull() for i in range(RESULT_SLOTS))
    assert not any(pane.results.button(i).isEnabled() for i in range(RESULT_SLOTS))
    assert "last portraits" not in pane.progress.label.text()


def test_a_restart_picks_an_unchosen_last_generation_to_keep(make_main_window, make_studio, fal_env) -> None:
    studio = make_studio(fal_proxy_url=fal_env.url)
    first = make_main_window(studio)
    first.prompt.prompt.setPlainText("a tea merchant")
    first.prompt.start_generate()
    log = first.prompt.result
    first.close()
    studio.local_blob_store.delete(log.image_urls[3])  # e.g. not synced to this computer yet
    again = make_main_window(studio)
    again.start()
    pane = again.prompt
    assert pane.progress.label.text().endswith("pick one to keep.")
    assert [pane.results.button(i).text() for i in range(RESULT_SLOTS)] == [""] * RESULT_SLOTS
    assert pane.results.checkedId() < 0 and not pane.choose_button.isEnabled()
    icons = [pane.results.button(i).icon().pixmap(16, 16).toImage() for i in range(RESULT_SLOTS)]
    assert [icon.pixelColor(8, 8).name() == "#3a3f44" for icon in icons] == [False, False, False, True]
    pane.results.button(0).setChecked(True)
    pane.choose_button.click()
    assert studio.profiles.me(studio.identity()).avatar_url == log.image_urls[0]


def test_a_fal_failure_says_the_quota_was_not_used(make_main_window, make_studio, fal_env) -> None:
    window = make_main_window(make_studio(fal_proxy_url=fal_env.url))
    pane = window.prompt
    pane.prompt.setPlainText("a bard [[fake:fail=1]]")
    pane.start_generate()
    text = pane.message.text()
    assert text.startswith("Fal reported an error"), text
    assert text.endswith("It did not use up your quota."), text
    assert pane.generate_button.isEnabled()  # and indeed it may try again at once
    pane.prompt.setPlainText("a bard")
    pane.start_generate()
    assert pane.message.text() == "" and pane.result is not None
    assert not pane.generate_button.isEnabled()  # a success does count


def test_one_portrait_is_singular(make_main_window, make_studio, fal_env) -> None:
    window = make_main_window(make_studio(fal_proxy_url=fal_env.url))
    pane = window.prompt
    pane.prompt.setPlainText("a bard [[fake:expire=1|2|3]]")
    pane.start_generate()
    assert pane.progress.label.text() == "1 portrait ready — pick one to keep."
    assert not pane.results.button(0).icon().isNull() and pane.results.button(1).icon().isNull()
