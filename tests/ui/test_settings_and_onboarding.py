from __future__ import annotations

import json

import keyring
from keyring.backends import fail
from PySide6.QtWidgets import QDialog

from studio.secrets import KEYRING_FAL_USER, KEYRING_SERVICE
from studio.services.item_library import builtin_item_ids
from studio.ui.onboarding import OnboardingWizard
from studio.ui.settings_dialog import S3_SECRET_USER, SettingsDialog
from tests.ui.avatars import VRM1, add_avatar
from tests.ui.conftest import ADDRESS

CANONICAL = "0x" + "0" * 61 + "abc"
BUILTIN = {i for ids in builtin_item_ids().values() for i in ids}


def test_settings_show_current_values_and_save_secrets_to_the_keyring(make_main_window, studio_home) -> None:
    window = make_main_window()
    dialog = SettingsDialog(window.studio.settings, parent=window)
    assert dialog.fields["username"].text() == "artist"  # model -> view
    assert dialog.fields["address"].text() == ADDRESS
    dialog.fields["username"].setText("  Artist  ")  # view -> model
    dialog.fields["s3_bucket"].setText("avatars")
    dialog.fields["remote_database_url"].setText("postgresql://me@db:5432/avatars")
    dialog.fal_key.setText("fal-secret-123456")
    dialog.s3_secret.setText("s3-secret-abcdef")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = dialog.saved_settings
    assert saved.username == "artist" and saved.s3_bucket == "avatars"
    config = (saved.config_dir / "config.json").read_text()
    assert json.loads(config)["s3_bucket"] == "avatars"
    assert "fal-secret" not in config and "s3-secret" not in config  # secrets never in the file
    assert keyring.get_password(KEYRING_SERVICE, KEYRING_FAL_USER) == "fal-secret-123456"
    assert keyring.get_password(KEYRING_SERVICE, S3_SECRET_USER) == "s3-secret-abcdef"
    window.apply_settings(saved)
    assert "avatars" not in window.online_label.text()


def test_settings_refuse_a_bad_address_in_plain_words(make_main_window) -> None:
    window = make_main_window()
    dialog = SettingsDialog(window.studio.settings, parent=window)
    dialog.fields["address"].setText("not-an-address")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "Starknet address" in dialog.error.text()
    dialog.fields["address"].setText(ADDRESS)
    dialog.fields["remote_database_url"].setText("mysql://x")
    dialog.accept()
    assert "postgresql://" in dialog.error.text()
    dialog.reject()


def test_onboarding_identity_then_choose_the_active_avatar(make_main_window, make_studio) -> None:
    studio = make_studio(identity=False)
    window = make_main_window(studio)
    assert not window.has_identity()
    wizard = OnboardingWizard(window)
    wizard.show()
    page = wizard.identity
    assert not page.isComplete()
    page.username.setText("newplayer")
    page.address.setText("0xZZ")
    assert not page.validatePage() and "Starknet address" in page.error.text()
    page.address.setText("0xABC")
    assert page.validatePage()
    assert window.has_identity() and window.me().address == CANONICAL
    saved = json.loads((studio.settings.config_dir / "config.json").read_text())
    assert saved["username"] == "newplayer"
    # the new player's inventory holds the built-in items (their Outfit tab is never empty)
    granted = studio.inventory.list(window.me())
    assert {i.item_id for i in granted} == BUILTIN and {i.source for i in granted} == {"default"}
    # create: a body arrives in the wardrobe (here as a file); the portrait path is the prompt pane
    add_avatar(studio, VRM1, "First")
    wizard.next()
    wizard.next()
    choose = wizard.choose
    assert choose.list.count() == 1 and choose.isComplete()
    assert choose.validatePage()
    assert studio.wardrobe.active(window.me()).name == "First"
    wizard.close()
    assert len(studio.inventory.list(window.me())) == len(BUILTIN)  # granted once
    # finishing opens the chosen active avatar in the editor and the preview
    assert window.wardrobe.entry is not None and window.wardrobe.entry.name == "First"
    assert window.preview.session is window.wardrobe.session


def test_a_new_username_in_settings_gets_the_built_in_items(make_main_window, make_studio) -> None:
    studio = make_studio()
    me = studio.identity()
    studio.inventory.acquire(me, "hair", "fem-short-01", source="purchased")
    window = make_main_window(studio)
    window.start()
    assert [i.item_id for i in studio.inventory.list(me)] == ["fem-short-01"]  # owns items: left alone
    dialog = SettingsDialog(window.studio.settings, parent=window)
    dialog.fields["username"].setText("second_artist")  # view -> model: a new identity
    dialog.accept()
    window.apply_settings(dialog.saved_settings)
    newcomer = window.me()
    assert newcomer.username == "second_artist"
    assert {i.item_id for i in studio.inventory.list(newcomer)} == BUILTIN
    assert [i.item_id for i in studio.inventory.list(me)] == ["fem-short-01"]


def test_settings_are_wide_enough_and_set_up_the_fal_proxy(make_main_window, qtbot) -> None:
    window = make_main_window()
    dialog = SettingsDialog(window.studio.settings, parent=window)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() >= 560
    address = dialog.fields["address"]
    assert address.width() >= address.fontMetrics().horizontalAdvance(ADDRESS)  # not cut off
    assert "studio fake-fal" in dialog.proxy_hint.text() and dialog.proxy_hint.isVisible()
    assert not dialog.keyring_note.isVisible()  # a keyring is available: nothing to explain
    dialog.fields["fal_proxy_url"].setText("localhost:8787")
    dialog.accept()
    assert "http://" in dialog.error.text()
    dialog.fields["fal_proxy_url"].setText("http://127.0.0.1:8787/")
    dialog.accept()
    assert dialog.saved_settings.fal_proxy_url == "http://127.0.0.1:8787/"
    saved = json.loads((dialog.saved_settings.config_dir / "config.json").read_text())
    assert saved["fal_proxy_url"] == "http://127.0.0.1:8787/"
    window.apply_settings(dialog.saved_settings)
    assert "next starts" not in window.statusBar().currentMessage()  # it applies at once (QA3 F13)


def test_without_a_keyring_settings_explain_the_environment_variables(make_main_window, qtbot) -> None:
    window = make_main_window()
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = SettingsDialog(window.studio.settings, parent=window)
        dialog.show()
        qtbot.waitExposed(dialog)
        note = dialog.keyring_note
        assert note.isVisible() and "no password store" in note.text()
        assert "FAL_KEY" in note.text() and "never writes them to a file" in note.text()
        assert not dialog.fal_key.isEnabled() and not dialog.s3_secret.isEnabled()
        dialog.fields["s3_bucket"].setText("avatars")
        dialog.accept()  # the rest still saves
        assert dialog.result() == QDialog.DialogCode.Accepted
    finally:
        keyring.set_keyring(previous)
