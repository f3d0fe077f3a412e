from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtGui import QUndoStack

from studio.domain.errors import CancelledError, InvalidInputError
from studio.ui.commands import EquipItemCommand, SetBoneScaleCommand, SetMorphCommand, SetTintCommand
from studio.ui.edits import AvatarEdits
from studio.ui.tasks import StallMeter, TaskRunner


def test_worker_result_and_progress_arrive_on_the_main_thread(qtbot) -> None:
    runner = TaskRunner()
    main = threading.get_ident()
    seen: dict[str, object] = {}

    def work(ctx):
        seen["worker"] = threading.get_ident()
        ctx.progress(0.5, "half")
        return 42

    task = runner.submit(
        "t",
        work,
        on_done=lambda r: seen.update(result=r, done_on=threading.get_ident()),
        on_progress=lambda f, m: seen.update(progress=(f, m), progress_on=threading.get_ident()),
    )
    qtbot.waitUntil(lambda: "result" in seen and runner.running == 0, timeout=5000)
    assert task.done
    assert seen["worker"] != main and seen["done_on"] == main and seen["progress_on"] == main
    assert seen["result"] == 42 and seen["progress"] == (0.5, "half")
    assert runner.running == 0


def test_cancel_stops_the_work_and_reports_cancelled(qtbot) -> None:
    runner = TaskRunner()
    started = threading.Event()
    errors: list[BaseException] = []

    def work(ctx):
        started.set()
        while True:
            ctx.check_cancelled()
            time.sleep(0.005)

    task = runner.submit("loop", work, on_error=errors.append)
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], CancelledError)


def test_synchronous_mode_runs_inline_and_reports_errors() -> None:
    runner = TaskRunner(synchronous=True)
    errors: list[BaseException] = []

    def fail(ctx):
        raise InvalidInputError("bad value")

    task = runner.submit("fail", fail, on_error=errors.append)
    assert task.done and isinstance(errors[0], InvalidInputError)


def test_stall_meter_sees_a_blocked_event_loop(qtbot) -> None:
    meter = StallMeter(interval_ms=5)
    meter.start()
    qtbot.wait(30)
    time.sleep(0.15)  # the main thread blocked on purpose
    qtbot.wait(20)
    assert meter.stop() >= 140


def test_tint_undo_redo_restores_the_authored_colour() -> None:
    edits, stack = AvatarEdits(), QUndoStack()
    stack.push(SetTintCommand(edits, "Body_00_SKIN", "#d4a574"))
    assert edits.metadata() == {"materials": {"Body_00_SKIN": {"tint": "#d4a574"}}}
    stack.undo()
    assert edits.metadata() == {"materials": {}}
    stack.redo()
    assert edits.tint("Body_00_SKIN") == "#d4a574"


def test_one_drag_is_one_step_and_two_drags_are_two() -> None:
    edits, stack = AvatarEdits(), QUndoStack()
    for value in (0.1, 0.2, 0.3):
        stack.push(SetMorphCommand(edits, "bodyMorphs", "muscularity", value, drag=1))
    for value in (0.5, 0.7):
        stack.push(SetMorphCommand(edits, "bodyMorphs", "muscularity", value, drag=2))
    assert stack.count() == 2 and edits.morph("bodyMorphs", "muscularity") == 0.7
    stack.undo()
    assert edits.morph("bodyMorphs", "muscularity") == 0.3
    stack.undo()
    assert edits.morph("bodyMorphs", "muscularity") == 0.0
    for value in (1.1, 1.2):
        stack.push(SetBoneScaleCommand(edits, "hips", value, drag=3))
    stack.push(SetBoneScaleCommand(edits, "head", 0.9, drag=3))  # another bone: a new step
    assert stack.count() == 2


def test_equip_hair_replaces_and_clothing_accumulates() -> None:
    edits, stack = AvatarEdits({"hair": "fem-short-01"}), QUndoStack()
    stack.push(EquipItemCommand(edits, "hair", "fem-long-01"))
    stack.push(EquipItemCommand(edits, "clothing", "tops-tshirt-01"))
    stack.push(EquipItemCommand(edits, "clothing", "bottoms-jeans-01"))
    assert edits.equipped() == ["fem-long-01", "tops-tshirt-01", "bottoms-jeans-01"]
    stack.push(EquipItemCommand(edits, "clothing", "tops-tshirt-01", equip=False))
    assert edits.slot_items("clothing") == ["bottoms-jeans-01"]
    while stack.canUndo():
        stack.undo()
    assert edits.metadata() == {"hair": "fem-short-01"}


def test_equipping_a_second_top_replaces_the_first_and_undo_restores_it() -> None:
    edits = AvatarEdits(
        {"clothing": ["tops-tshirt-01", "bottoms-jeans-01"], "attachments": ["earring-hoop-gold"]}
    )
    stack = QUndoStack()
    stack.push(EquipItemCommand(edits, "clothing", "tops-hoodie-02"))
    assert edits.slot_items("clothing") == ["bottoms-jeans-01", "tops-hoodie-02"]
    stack.push(EquipItemCommand(edits, "clothing", "bottoms-skirt-pleated-02"))
    stack.push(EquipItemCommand(edits, "clothing", "shoes-boot-01"))
    stack.push(EquipItemCommand(edits, "clothing", "my-cape"))  # no known kind: adds
    assert edits.slot_items("clothing") == [
        "tops-hoodie-02",
        "bottoms-skirt-pleated-02",
        "shoes-boot-01",
        "my-cape",
    ]
    stack.push(EquipItemCommand(edits, "attachments", "necklace-pendant-01"))  # attachments add up
    assert edits.slot_items("attachments") == ["earring-hoop-gold", "necklace-pendant-01"]
    for _ in range(4):
        stack.undo()
    assert edits.slot_items("clothing") == ["bottoms-jeans-01", "tops-hoodie-02"]
    stack.undo()
    assert edits.slot_items("clothing") == ["tops-tshirt-01", "bottoms-jeans-01"]


def test_unknown_morph_group_is_refused() -> None:
    with pytest.raises(ValueError, match="morph group"):
        AvatarEdits().set_morph("legs", "x", 0.1)
