"""glTF 2.0 / GLB / VRM: the only package that touches raw glTF bytes. Pure Python + numpy."""
