"""Exporters: the lossless source VRM and the runtime GLB (see docs/export.md)."""
