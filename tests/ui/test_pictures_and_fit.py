"""QA LOW items a user sees at once: onboarding stays within the window and shows a bad address as
an error; the "choose your active avatar" list and the prebuilt picker show portraits, which
arrive from workers without holding the dialog up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QWidget

from studio.services.prebuilt_previews import preview_path
from studio.ui.onboarding import COMBO_ICON, ICON, OnboardingWizard
from studio.ui.panes.wardrobe_dialogs import PrebuiltPicker
from tests.ui.modal import answering

GOOD_ADDRESS = "0xABC"


def _colours(image: QImage) -> int:
    """How many distinct colours a picture has: a portrait many, a placeholder square one."""
    return len({image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)})


def _icon_colours(icon: QIcon, size: int) -> int:
    return _colours(icon.pixmap(size, size).toImage())


def _reddish(widget: QWidget) -> int:
    image = widget.grab().toImage()
    return sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if (c := image.pixelColor(x, y)).red() > c.green() + 40 and c.red() > c.blue() + 40
    )


def test_onboarding_error_reads_as_an_error_and_the_wizard_fits_the_window(
    make_main_window, make_studio, qtbot
) -> None:
    studio = make_studio(identity=False)
    window = make_main_window(studio, show=True)
    window.resize(1200, 760)
    wizard = OnboardingWizard(window)
    wizard.show()
    qtbot.waitExposed(wizard)
    page = wizard.identity
    assert not page.error.isVisible()  # nothing wrong yet: no error shown
    page.username.setText("newplayer")
    page.address.setText("0xZZ")
    assert not page.validatePage()
    assert page.error.isVisible() and "Starknet address" in page.error.text()
    assert page.error.text().startswith("⚠") and _reddish(page.error) > 20  # red, not plain black text
    page.address.setText(GOOD_ADDRESS)
    wizard.next()  # valid: on to step 2, the error gone
    assert wizard.currentPage() is wizard.create_page and not page.error.isVisible()
    qtbot.wait(50)
    assert wizard.height() <= window.height()  # step 2 (the prompt pane) scrolls instead
    # the prebuilt list shows each prebuilt's portrait beside its name
    combo = wizard.create_page.prebuilt
    assert combo.count() >= 1
    assert all(_icon_colours(combo.itemIcon(i), COMBO_ICON) > 10 for i in range(combo.count()))
    wizard.close()


def test_choose_your_active_avatar_shows_their_portraits(make_main_window, make_studio) -> None:
    studio = make_studio()
    me = studio.identity()
    studio.avatars.add_prebuilt(me, "default-fem-01")  # added avatars get a portrait
    studio.avatars.new_supermesh(me, {"base": "masculine"})
    window = make_main_window(studio)
    wizard = OnboardingWizard(window)
    choose = wizard.choose
    choose.initializePage()
    assert choose.list.count() == 2
    icons = [choose.list.item(row).icon() for row in range(2)]
    assert all(_icon_colours(icon, ICON) > 10 for icon in icons)
    wizard.deleteLater()


def test_prebuilt_picker_shows_portraits_as_they_arrive_and_adds_the_choice(
    make_main_window, make_studio, qtbot
) -> None:
    studio = make_studio()
    # this one is not in the cache: it takes seconds to make
    preview_path("default-masc-01", studio.settings.cache_dir).unlink(missing_ok=True)
    window = make_main_window(studio, synchronous=False)  # real workers: the dialog must not wait
    pane = window.wardrobe
    seen: dict[str, int] = {}

    def pick(picker: PrebuiltPicker) -> None:
        items = [picker.list.item(row) for row in range(picker.list.count())]
        seen["rows"] = len(items)
        size = picker.list.iconSize().width()
        by_id = {i.data(Qt.ItemDataRole.UserRole): i for i in items}
        seen["masc blank at first"] = _icon_colours(by_id["default-masc-01"].icon(), size) <= 2
        qtbot.waitUntil(lambda: all(_icon_colours(i.icon(), size) > 10 for i in items), timeout=90_000)
        masc = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "default-masc-01")
        picker.list.setCurrentItem(masc)
        picker.accept()

    with answering(pick, kind=PrebuiltPicker):
        pane.ask_add_prebuilt()
    assert seen["rows"] == len(studio.avatars.prebuilts())
    assert seen["masc blank at first"]  # the dialog was up before that portrait was made
    qtbot.waitUntil(lambda: [e.name for e in studio.wardrobe.list(studio.identity())] == ["default-masc-01"])


def test_the_picker_lists_the_published_collection_by_name_with_its_own_portraits(
    make_main_window, make_studio, qtbot, tmp_path
) -> None:
    """QA3 F9: what artists published (here on this computer; a player gets it by sync) is in the
    picker under its catalogue name, with the portrait the build made, and can be added."""
    import json

    from studio.domain.supermesh import parse_supermesh
    from studio.procedural.collection import PREBUILTS
    from studio.services.make_avatar import avatar_bytes

    studio = make_studio()
    src = tmp_path / "src"
    src.mkdir()
    params = {**PREBUILTS["default-masc-02"], "skin": {"tone": "#5a3a2a"}}
    (src / "moss-knight.vrm").write_bytes(avatar_bytes(parse_supermesh(params), "vrm1", name="Moss"))
    (src / "moss-knight.json").write_text(json.dumps({"name": "Moss Knight"}))
    assert studio.prebuilts.build(src, tmp_path / "out", workers=1).ok
    studio.prebuilts.publish(tmp_path / "out")
    window = make_main_window(studio, synchronous=False)
    seen: dict[str, object] = {}

    def pick(picker: PrebuiltPicker) -> None:
        rows = [picker.list.item(r) for r in range(picker.list.count())]
        knight = next(i for i in rows if i.data(Qt.ItemDataRole.UserRole) == "moss-knight")
        seen["label"] = knight.text()
        size = picker.list.iconSize().width()
        qtbot.waitUntil(lambda: _icon_colours(knight.icon(), size) > 10, timeout=60_000)
        picker.list.setCurrentItem(knight)
        picker.accept()

    with answering(pick, kind=PrebuiltPicker):
        window.wardrobe.ask_add_prebuilt()
    assert seen["label"] == "Moss Knight"
    qtbot.waitUntil(lambda: [e.name for e in studio.wardrobe.list(studio.identity())] == ["Moss Knight"])
