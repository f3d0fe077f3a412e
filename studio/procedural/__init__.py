"""The parametric humanoid: default avatars, items and test fixtures, written as VRM 1.0 / 0.x / GLB."""
