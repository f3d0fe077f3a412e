"""QA3 F13 and F21: settings that only change how the studio talks to Fal apply at once, and the
first window fits the screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication

from studio.generation.standin import FalStandIn
from studio.secrets import store_fal_key
from studio.ui.main_window import FIRST_WINDOW, MIN_WINDOW


@pytest.fixture
def proxy():
    with FalStandIn("127.0.0.1", 0) as server:  # like `studio fake-fal`: the proxy holds the key
        yield server


def generate(window, prompt: str) -> None:
    pane = window.prompt
    pane.prompt.setPlainText(prompt)
    pane.generate_button.click()


def test_a_saved_fal_proxy_url_works_without_a_restart(
    make_main_window, make_studio, proxy, monkeypatch
) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    studio = make_studio()
    window = make_main_window(studio)
    generate(window, "a fox ranger")
    assert "No Fal key is set up yet" in window.prompt.message.text()  # before: nothing set up
    window.apply_settings(studio.settings.model_copy(update={"fal_proxy_url": proxy.url}))
    assert "next starts" not in window.statusBar().currentMessage()
    generate(window, "a fox ranger")
    assert window.prompt.message.text() == ""
    assert window.prompt.result.status == "success" and len(proxy.jobs) == 1


def test_a_changed_proxy_url_is_used_by_the_next_generation(
    make_main_window, make_studio, monkeypatch
) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    with FalStandIn("127.0.0.1", 0) as first, FalStandIn("127.0.0.1", 0) as second:
        studio = make_studio(fal_proxy_url=first.url, max_generations_per_window="5")
        window = make_main_window(studio)
        generate(window, "a knight")
        window.apply_settings(studio.settings.model_copy(update={"fal_proxy_url": second.url}))
        generate(window, "a knight")
        assert (len(first.jobs), len(second.jobs)) == (1, 1)


def test_a_stored_fal_key_works_without_a_restart(make_main_window, make_studio, monkeypatch) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    with FalStandIn("127.0.0.1", 0, keys={"key-typed-in-settings-0123"}) as fal:
        studio = make_studio(fal_proxy_url=fal.url)  # a proxy that wants the user's own key
        window = make_main_window(studio)
        store_fal_key("key-typed-in-settings-0123")  # what Settings ▸ Fal key does on Save
        window.apply_settings(studio.settings)
        generate(window, "a knight")
        assert window.prompt.result.status == "success"


def test_server_and_folder_changes_still_wait_for_a_restart(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    window.apply_settings(studio.settings.model_copy(update={"s3_bucket": "team-bucket"}))
    assert "next starts" in window.statusBar().currentMessage()


def test_the_first_window_fits_the_screen(make_main_window, tmp_path) -> None:
    free = QGuiApplication.primaryScreen().availableGeometry()  # 800×800 on the test display
    window = make_main_window(ini=tmp_path / "fresh.ini", show=True)
    assert window.height() <= max(free.height(), MIN_WINDOW[1])  # the status bar is on the screen
    assert window.width() <= max(free.width(), MIN_WINDOW[0])
    assert window.height() < FIRST_WINDOW[1]


def test_a_remembered_geometry_is_kept_and_brought_on_screen(make_main_window, qtbot, tmp_path) -> None:
    ini = tmp_path / "ui.ini"
    window = make_main_window(ini=ini, show=True)
    window.setGeometry(QRect(30, 40, 960, 640))
    window.save_layout()
    again = make_main_window(ini=ini, show=True)
    assert (again.width(), again.height()) == (960, 640)  # what the user chose, kept
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    window.move(5000, 4000)  # from a larger monitor that is gone now
    settings.setValue("window/geometry", QByteArray(window.saveGeometry()))
    settings.sync()
    moved = make_main_window(ini=ini, show=True)
    free = moved.screen().availableGeometry()
    assert free.intersects(moved.frameGeometry()) and free.contains(moved.geometry().topLeft())


def test_the_onboarding_wizard_keeps_its_buttons_on_screen(make_main_window, make_studio, qtbot) -> None:
    from PySide6.QtWidgets import QLineEdit

    from studio.ui.onboarding import OnboardingWizard

    window = make_main_window(make_studio(identity=False), show=True)
    wizard = OnboardingWizard(window)
    wizard.open()
    qtbot.waitExposed(wizard)
    free = wizard.screen().availableGeometry()
    wizard.move(wizard.x(), free.bottom() - wizard.height() + 1)  # just fits, at the bottom
    name, address = wizard.identity.findChildren(QLineEdit)[:2]
    name.setText("tester")
    address.setText("0x" + "0" * 61 + "abc")
    wizard.next()  # the next page is taller
    qtbot.waitUntil(lambda: free.contains(wizard.frameGeometry()), timeout=5000)
    assert wizard.currentPage() is wizard.create_page
    wizard.reject()
