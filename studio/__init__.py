"""Avatar Studio: make, edit and publish game avatars (GLB/VRM)."""

__version__ = "0.1.0"
