"""Root test configuration. Server fixtures live in tests/fixtures/ as plugins, one per server."""

import os

# Qt never needs a display in the test suite; Xvfb is started only by the tests that screenshot.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.paths",
    "tests.fixtures.postgres",
    "tests.fixtures.s3",
    "tests.fixtures.fal",
]
