"""Which OpenGL context backend each platform tries (studio.render.context.backend_order) and what a
user is told when none works. The GLX fallback itself is exercised for real under Xvfb in
tests/integration/test_render_backends.py."""

from __future__ import annotations

from studio.render.context import backend_order, unavailable_message


def test_linux_tries_egl_first_then_glx_only_with_a_display() -> None:
    assert backend_order("linux", None) == ("egl",)
    assert backend_order("linux", "") == ("egl",)
    assert backend_order("linux", ":0") == ("egl", "glx")
    assert backend_order("freebsd14", ":1") == ("egl", "glx")  # other Unixes: like Linux


def test_windows_and_macos_use_their_own_backend_and_never_egl() -> None:
    # moderngl's default standalone backend there: WGL (Windows), CGL (macOS); DISPLAY is irrelevant
    assert backend_order("win32", None) == ("wgl",)
    assert backend_order("darwin", None) == ("cgl",)
    assert backend_order("darwin", ":0") == ("cgl",)


def test_message_names_every_failure_and_what_to_install() -> None:
    text = unavailable_message("linux", ("egl", "glx"), ["EGL: libEGL.so.1 not loaded", "GLX: bad"])
    assert "EGL: libEGL.so.1 not loaded" in text and "GLX: bad" in text
    assert "libegl1" in text and "DISPLAY" not in text
    headless = unavailable_message("linux", ("egl",), ["EGL: libEGL.so.1 not loaded"])
    assert "GLX was not tried: DISPLAY is not set" in headless
    assert "graphics driver" in unavailable_message("win32", ("wgl",), ["WGL: no pixel format"])
    assert "macOS" in unavailable_message("darwin", ("cgl",), ["CGL: failed"])
