"""Scene building and OpenGL rendering (moderngl), shared by thumbnails and the 3D preview."""
