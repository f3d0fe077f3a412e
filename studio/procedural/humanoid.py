"""Assemble the parametric humanoid: skeleton -> parts -> skinned meshes with morphs -> materials.

The supermesh parameters are baked into the rest shape (so every viewer shows them, even one without
morph support); the same displacement fields are also written as morph targets so the shape stays
adjustable at runtime.
"""

from __future__ import annotations

import numpy as np

from studio.procedural import body, eyes, head, morphs
from studio.procedural.geometry import Part
from studio.procedural.hair import HairModel, build_hair, style_of
from studio.procedural.items import ItemGeometry, build_item
from studio.procedural.materials import HAIR_BACK, avatar_materials, item_material
from studio.procedural.model import (
    AvatarMeta,
    AvatarModel,
    Collider,
    Joint,
    Mesh,
    MorphBind,
    Primitive,
    SpringChain,
)
from studio.procedural.rig import Rig, primitive, refresh_normals
from studio.procedural.skeleton import FEMININE, MASCULINE, Bone, Proportions, build_bones
from studio.procedural.spec import AvatarSpec

DEFAULT_HAIR = {"feminine": "fem-long-01", "masculine": "masc-short-01"}


class _Build:
    """One generation run; holds what the steps share."""

    def __init__(self, spec: AvatarSpec, hair_joints: str = "J_Sec_Hair") -> None:
        self.spec = spec
        #: spring joints are ``<hair_joints><chain>_<01..03>``
        self.hair_joint_prefix = hair_joints
        self.res = spec.detail.res
        self.p: Proportions = FEMININE if spec.feminine else MASCULINE
        bones = build_bones(self.p)
        self.heads = {b.name: np.asarray(b.head, np.float64) for b in bones}
        self.head_part, self.face = head.head(
            self.p, self.heads["J_Bip_C_Head"], feminine=spec.feminine, res=self.res
        )
        # eye joints at the eyeball centres, behind the surface, so lookAt slides the irises
        back = np.array([0.0, 0.0, -0.2 * self.face.radius])
        bones = [
            Bone(b.name, b.parent, tuple(self.face.eyes[0 if "_L_" in b.name else 1] + back))
            if "FaceEye" in b.name
            else b
            for b in bones
        ]
        self.heads = {b.name: np.asarray(b.head, np.float64) for b in bones}
        style = style_of(spec.params.hair or DEFAULT_HAIR[spec.params.base])
        self.hair: HairModel = build_hair(style, self.face, self.res)
        self.rig = Rig(bones, self._hair_joints())
        self.scale = self.p.height / 1.6

    def _hair_joints(self) -> list[Joint]:
        joints = []
        for n, chain in enumerate(self.hair.chains, start=1):
            parent = "J_Bip_C_Head"
            for k, pos in enumerate(chain, start=1):
                name = f"{self.hair_joint_prefix}{n}_{k:02d}"
                joints.append(Joint(name, parent, pos))
                parent = name
        return joints

    # -- meshes -------------------------------------------------------------------------------
    def body_mesh(self) -> Mesh:
        parts = body.body_parts(self.p, self.heads, feminine=self.spec.feminine, res=self.res)
        prim = primitive("Body_00_SKIN", parts, self.rig)
        return self._with_body_morphs("Body", [prim])

    def _with_body_morphs(self, name: str, prims: list[Primitive]) -> Mesh:
        params = self.spec.params.body_morphs
        names = list(morphs.body_fields(self._surface(prims[0], "skin"), self.heads, self.scale))
        for prim in prims:
            fields = morphs.body_fields(self._surface(prim, "skin"), self.heads, self.scale)
            for key, weight in params.items():
                prim.positions = prim.positions + fields[key] * weight
            refresh_normals(prim)
            prim.morphs = [fields[k] for k in names]
        return Mesh(name, prims, names)

    def _surface(self, prim: Primitive, kind: str) -> morphs.Surface:
        return morphs.Surface(
            prim.positions, prim.normals, prim.joints, prim.weights, [j.name for j in self.rig.joints], kind
        )

    def face_mesh(self) -> Mesh:
        whites, irises = eyes.eye_parts(self.head_part, self.face, self.res)
        ears = [head.ear(self.face, self.head_part, side, self.res) for side in ("L", "R")]
        prims = [
            (primitive("Face_00_SKIN", [self.head_part], self.rig), "head"),
            (primitive("Body_00_SKIN", ears, self.rig), "head"),
            (primitive("EyeWhite_00_EYE", whites, self.rig, rigid_to="J_Bip_C_Head"), "eye"),
            (self._eyes("EyeIris_00_EYE", irises), "iris"),
        ]
        params = self.spec.params.face_morphs
        for prim, kind in prims:
            fields = morphs.face_fields(self._surface(prim, kind), self.face)
            for key, weight in params.items():
                prim.positions = prim.positions + fields[key] * weight
            refresh_normals(prim)
            prim.morphs = [fields[k] for k in fields]
        names = list(morphs.face_fields(self._surface(prims[0][0], "head"), self.face))
        extra = dict(self._expression_mixes())
        for prim, kind in prims:
            atoms = morphs.expression_atoms(self._surface(prim, kind), self.face)
            prim.morphs += [morphs.mix(atoms, mix) for mix in extra.values()]
        return Mesh("Face", [p for p, _ in prims], names + list(extra))

    def _expression_mixes(self) -> list[tuple[str, dict[str, float]]]:
        mixes = [(target, mix) for target, mix in morphs.EXPRESSIONS.values()]
        if self.spec.detail.heavy:
            mixes += list(morphs.HEAVY_FACE.items())
        return mixes

    def _eyes(self, material: str, parts: list[Part]) -> Primitive:
        bound = [self.rig.bind(p, rigid_to=f"J_Adj_{p.tags['side']}_FaceEye") for p in parts]
        prim = primitive(material, parts, self.rig, rigid_to="J_Bip_C_Head")
        prim.joints = np.vstack([b[0] for b in bound])
        prim.weights = np.vstack([b[1] for b in bound])
        return prim

    def hair_mesh(self) -> Mesh:
        prims = []
        for part, chain in zip(self.hair.parts, self.hair.part_chain, strict=True):
            names = (
                None
                if chain < 0
                else ["J_Bip_C_Head", *[f"{self.hair_joint_prefix}{chain + 1}_{k:02d}" for k in (1, 2, 3)]]
            )
            prims.append(primitive("Hair_00_HAIR", [part], self.rig, names=names))
        if self.spec.detail.heavy:  # VRoid splits the scalp ("HairBack") from the strands
            back = [p for p, chain in zip(prims, self.hair.part_chain, strict=True) if chain < 0]
            strands = [p for p, chain in zip(prims, self.hair.part_chain, strict=True) if chain >= 0]
            for prim in back:
                prim.material = HAIR_BACK
            return Mesh("Hair", [_concat(back), _concat(strands)], [])
        return Mesh("Hair", [_concat(prims)], [])

    def item_mesh(self, item: ItemGeometry) -> Mesh:
        bind = {"rigid_to": item.rigid_to} if item.rigid_to else {}
        prim = primitive(item.material_name, item.parts, self.rig, **bind)
        if item.rigid_to:
            return Mesh(item.mesh_name, [prim], [])
        return self._with_body_morphs(item.mesh_name, [prim])

    def items(self, ids: list[str]) -> list[ItemGeometry]:
        return [
            build_item(i, self.p, self.heads, self.face, feminine=self.spec.feminine, res=self.res)
            for i in ids
        ]

    # -- VRM features -------------------------------------------------------------------------
    def springs(self) -> tuple[list[SpringChain], list[Collider]]:
        chains = [
            SpringChain(
                f"Hair{n}",
                [f"{self.hair_joint_prefix}{n}_{k:02d}" for k in (1, 2, 3)],
                stiffness=1.2,
                gravity=0.15,
                drag=0.45,
                hit_radius=0.012 * self.scale,
            )
            for n in range(1, len(self.hair.chains) + 1)
        ]
        hr = self.face.radius
        colliders = [
            Collider("J_Bip_C_Head", (0.0, hr * 0.95, 0.0), hr * 1.02),
            Collider("J_Bip_C_Neck", (0.0, 0.03 * self.scale, 0.0), 0.05 * self.scale),
            Collider("J_Bip_C_UpperChest", (0.0, 0.0, 0.0), 0.11 * self.scale),
            Collider("J_Bip_L_UpperArm", (0.0, 0.0, 0.0), 0.05 * self.scale),
            Collider("J_Bip_R_UpperArm", (0.0, 0.0, 0.0), 0.05 * self.scale),
        ]
        return chains, colliders


def _concat(prims: list[Primitive]) -> Primitive:
    offsets = np.cumsum([0] + [len(p.positions) for p in prims[:-1]])
    return Primitive(
        prims[0].material,
        np.vstack([p.positions for p in prims]),
        np.vstack([p.normals for p in prims]),
        np.vstack([p.uvs for p in prims]),
        np.vstack([p.faces + o for p, o in zip(prims, offsets, strict=True)]),
        np.vstack([p.joints for p in prims]),
        np.vstack([p.weights for p in prims]),
    )


def build_avatar(spec: AvatarSpec) -> AvatarModel:
    """The full humanoid for ``spec`` (body, face with eyes, hair, worn items)."""
    b = _Build(spec)
    worn = b.items([*spec.params.clothing, *spec.params.attachments])
    meshes = [b.body_mesh(), b.face_mesh(), b.hair_mesh(), *[b.item_mesh(i) for i in worn]]
    springs, colliders = b.springs()
    expressions = {preset: [MorphBind("Face", target)] for preset, (target, _) in morphs.EXPRESSIONS.items()}
    expressions["neutral"] = []
    return AvatarModel(
        meta=AvatarMeta(name=spec.name),
        joints=b.rig.joints,
        meshes=meshes,
        materials=avatar_materials(spec, b.head_part, b.face) + [item_material(i, spec) for i in worn],
        expressions=expressions,
        springs=springs,
        colliders=colliders,
        head_meshes=("Face", "Hair"),
        extras={"supermesh": spec.params.to_json()},
    )


#: spring joints of a hair item: not the avatar's own ``J_Sec_Hair*`` names, so equipping (which
#: matches joints by name) never binds an item's strands to an avatar's different hair joints
ITEM_HAIR_JOINTS = "J_Sec_HairItem"


def build_item_model(item_id: str, spec: AvatarSpec) -> AvatarModel:
    """A wardrobe item on its own: the J_Bip skeleton of ``spec``'s base plus the item mesh; hair
    items also carry their spring joints (under the head) and spring-bone data."""
    if _is_hair(item_id):
        return _hair_item(item_id, spec)
    b = _Build(spec)
    item = b.items([item_id])[0]
    # hair joints come last in the rig, so dropping them keeps every mesh's joint indices valid
    joints = [j for j in b.rig.joints if not j.name.startswith("J_Sec_")]
    return AvatarModel(
        meta=AvatarMeta(name=item_id),
        joints=joints,
        meshes=[b.item_mesh(item)],
        materials=[item_material(item, spec)],
        humanoid=False,
        extras={"item": item_id},
    )


def _hair_item(item_id: str, spec: AvatarSpec) -> AvatarModel:
    hair_spec = AvatarSpec(spec.params.model_copy(update={"hair": item_id}), spec.name, spec.detail)
    hb = _Build(hair_spec, hair_joints=ITEM_HAIR_JOINTS)
    mesh = hb.hair_mesh()
    used = {p.material for p in mesh.primitives}
    springs, colliders = hb.springs()
    return AvatarModel(
        meta=AvatarMeta(name=item_id),
        joints=hb.rig.joints,
        meshes=[mesh],
        materials=[m for m in avatar_materials(hair_spec, hb.head_part, hb.face) if m.name in used],
        springs=springs,
        colliders=colliders,
        humanoid=False,
        extras={"item": item_id},
    )


def _is_hair(item_id: str) -> bool:
    return item_id.startswith(("fem-", "masc-"))
