"""Portrait generation with Fal: adapter, job lifecycle, image keeping."""
