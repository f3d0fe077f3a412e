"""Transforms on a :class:`~studio.gltf.document.Document`, one verb per module (glTF-Transform's
``functions/``): tint, transform_bones, morphs (set/bake), equip, extract, prune, dedup,
resize_textures, compress_textures, sparse. Each edits the document in place and touches only the
JSON fields and accessors it changes; new bytes are appended to the BIN buffer."""
