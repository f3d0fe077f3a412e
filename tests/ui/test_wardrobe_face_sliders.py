"""QA3 F7: the Face tab offers shape sliders, not the raw morphs a VRM expression drives ("Fcl all
joy", "Fcl mth a"…): those belong to the expression preview."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel

from studio.gltf.export.runtime import expression_targets


def _labels(editor) -> list[str]:
    form = editor.widget().layout()
    assert isinstance(form, QFormLayout)
    out = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if item is not None and isinstance(item.widget(), QLabel):
            out.append(item.widget().text())
    return out


def test_face_tab_leaves_expression_morphs_to_the_expression_preview(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.refresh()
    pane.add_prebuilt("default-fem-02")
    assert pane.session is not None, pane.message.text()
    editor = pane.session.editor
    bound = {m.name for m in editor.morphs() if (m.mesh, m.target) in expression_targets(editor.document)}
    assert any(n.startswith("Fcl_") for n in bound)  # the file has VRoid's expression morphs
    labels = _labels(pane.face)
    assert labels and not any(text.lower().startswith("fcl") for text in labels), labels
    assert not {f"faceMorphs/{n}" for n in bound} & set(pane.face.sliders)
    assert not {f"bodyMorphs/{n}" for n in bound} & set(pane.body.sliders)
    # the face's own shapes are still there to drag (view -> model)
    key = next(iter(pane.face.sliders))
    pane.face.sliders[key].setValue(40)
    group, name = key.split("/", 1)
    assert pane.edits.metadata()[group][name] == 0.4
