"""The UI fixtures (``make_main_window`` and the studio/keyring it needs) for the desktop flows."""

from tests.ui.conftest import make_main_window, make_studio, memory_keyring, shared_cache_dir

__all__ = ["make_main_window", "make_studio", "memory_keyring", "shared_cache_dir"]
