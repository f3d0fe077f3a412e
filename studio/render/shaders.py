"""GLSL 3.30 programs (core profile: what llvmpipe, Qt's OpenGL surfaces and every desktop GPU offer).

Three vertex programs share one fragment program:
- ``direct`` (unskinned primitives): model matrix, morphs;
- ``skin`` (transform feedback, no rasterisation): skins a skinned primitive once per pose, writing
  per vertex the world position and normal (resting morphs included) and the blended linear skin
  matrix into a buffer;
- ``cached`` (skinned primitives): reads that buffer and adds the hot morphs through the cached
  matrix. A frame then costs an attribute read per vertex instead of 16 joint texel fetches and a
  4-matrix blend; the skin pass reruns only when the pose (a bone edit) or the resting morphs change.
Skinning is linear, so skinning the rest shape once and the hot deltas through the same matrix gives
the same vertices as skinning their sum (glTF 2.0 §3.7.3.3: morphs apply before skinning).

Joint matrices live in an RGBA32F texture, one row per joint, four texels (columns) per row; morph
deltas live in RGBA16F textures (positions, and normals when the file has them), texel
``slot * vertex_count + gl_VertexID`` wrapped at ``MORPH_TEX_WIDTH``; only the *hot* targets (the
slider being dragged, ``u_morph_count`` <= ``MAX_ACTIVE_MORPHS``) are read there, every other non-zero
target arrives pre-summed in the ``in_morph_pos``/``in_morph_nrm`` attributes (:mod:`studio.render.gpu`).
"""

from __future__ import annotations

MAX_ACTIVE_MORPHS = 8
MORPH_TEX_WIDTH = 4096
#: what the skin pass writes per vertex, in order (all vec3): the cached program's inputs
SKIN_VARYINGS = ("o_pos", "o_nrm", "o_m0", "o_m1", "o_m2")
SKIN_FORMAT = "3f 3f 3f 3f 3f"
CACHED_ATTRIBUTES = ("c_pos", "c_nrm", "c_m0", "c_m1", "c_m2")

_MORPHS = """
uniform sampler2D u_morph_pos;
uniform sampler2D u_morph_nrm;
uniform int u_morph_count;
uniform int u_morph_normals;
uniform int u_vertex_count;
uniform int u_morph_slots[MAX_ACTIVE];
uniform float u_morph_weights[MAX_ACTIVE];

ivec2 morph_texel(int slot) {
    int i = slot * u_vertex_count + gl_VertexID;
    return ivec2(i % TEX_WIDTH, i / TEX_WIDTH);
}

void hot_morphs(out vec3 dp, out vec3 dn) {
    dp = vec3(0.0);
    dn = vec3(0.0);
    for (int k = 0; k < u_morph_count; ++k) {
        ivec2 t = morph_texel(u_morph_slots[k]);
        dp += u_morph_weights[k] * texelFetch(u_morph_pos, t, 0).xyz;
        if (u_morph_normals == 1) dn += u_morph_weights[k] * texelFetch(u_morph_nrm, t, 0).xyz;
    }
}
"""

_PLACE = """
uniform float u_outline_world;   // MToon outline hull: pushed out along the normal by metres
uniform float u_outline_screen;  // ... or by this fraction of the picture's height
uniform float u_aspect;          // picture width / height

vec4 place(vec3 world, vec3 normal) {
    if (u_outline_world > 0.0) world += normalize(normal) * u_outline_world;
    vec4 clip = u_view_proj * vec4(world, 1.0);
    if (u_outline_screen > 0.0) {
        vec2 dir = (u_view_proj * vec4(normal, 0.0)).xy * vec2(u_aspect, 1.0);  // in picture units
        if (dot(dir, dir) > 1e-12) {
            clip.xy += normalize(dir) / vec2(u_aspect, 1.0) * (u_outline_screen * 2.0 * clip.w);
        }
    }
    return clip;
}
"""

DIRECT_VERTEX = """
#version 330
in vec3 in_pos;
in vec3 in_normal;
in vec2 in_uv;
in vec4 in_color;
in vec3 in_morph_pos;
in vec3 in_morph_nrm;
uniform mat4 u_model;
uniform mat4 u_view_proj;
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_color;
MORPHS
OUTLINE_PLACE

void main() {
    vec3 dp, dn;
    hot_morphs(dp, dn);
    v_normal = mat3(u_model) * (in_normal + in_morph_nrm + dn);
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = place((u_model * vec4(in_pos + in_morph_pos + dp, 1.0)).xyz, v_normal);
}
"""

SKIN_VERTEX = """
#version 330
in vec3 in_pos;
in vec3 in_normal;
in vec3 in_morph_pos;
in vec3 in_morph_nrm;
in ivec4 in_joints;
in vec4 in_weights;
uniform sampler2D u_joints;
uniform mat4 u_model;
out vec3 o_pos;
out vec3 o_nrm;
out vec3 o_m0;
out vec3 o_m1;
out vec3 o_m2;

mat4 joint(int j) {
    return mat4(texelFetch(u_joints, ivec2(0, j), 0), texelFetch(u_joints, ivec2(1, j), 0),
                texelFetch(u_joints, ivec2(2, j), 0), texelFetch(u_joints, ivec2(3, j), 0));
}

void main() {
    mat4 m = u_model;
    if (dot(in_weights, vec4(1.0)) > 0.0) {
        m = in_weights.x * joint(in_joints.x) + in_weights.y * joint(in_joints.y)
          + in_weights.z * joint(in_joints.z) + in_weights.w * joint(in_joints.w);
    }
    o_pos = (m * vec4(in_pos + in_morph_pos, 1.0)).xyz;
    o_nrm = mat3(m) * (in_normal + in_morph_nrm);
    o_m0 = m[0].xyz;
    o_m1 = m[1].xyz;
    o_m2 = m[2].xyz;
}
"""

CACHED_VERTEX = """
#version 330
in vec3 c_pos;
in vec3 c_nrm;
in vec3 c_m0;
in vec3 c_m1;
in vec3 c_m2;
in vec2 in_uv;
in vec4 in_color;
uniform mat4 u_view_proj;
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_color;
MORPHS
OUTLINE_PLACE

void main() {
    vec3 dp, dn;
    hot_morphs(dp, dn);
    mat3 m = mat3(c_m0, c_m1, c_m2);
    v_normal = c_nrm + m * dn;
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = place(c_pos + m * dp, v_normal);
}
"""

FRAGMENT = """
#version 330
in vec3 v_normal;
in vec2 v_uv;
in vec4 v_color;
uniform vec4 u_base_color;
uniform vec3 u_shade_color;
uniform vec3 u_emissive;
uniform sampler2D u_base_tex;
uniform mat3 u_uv_xform;   // KHR_texture_transform and expression texture binds
uniform int u_has_tex;
uniform int u_mode;        // 0 lambert, 1 toon (MToon approximation), 2 unlit
uniform int u_alpha_mode;  // 0 opaque, 1 mask, 2 blend
uniform float u_cutoff;
uniform vec3 u_light_dir;  // towards the light, world space
uniform int u_outline_pass;     // 1: drawing the MToon outline hull
uniform vec3 u_outline_color;
uniform float u_outline_mix;    // 0: the outline colour as is, 1: multiplied by the lit colour
out vec4 f_color;

vec3 to_linear(vec3 c) { return pow(c, vec3(2.2)); }
vec3 to_srgb(vec3 c) { return pow(clamp(c, 0.0, 1.0), vec3(1.0 / 2.2)); }

void main() {
    vec4 base = u_base_color * v_color;
    if (u_has_tex == 1) {
        vec4 t = texture(u_base_tex, (u_uv_xform * vec3(v_uv, 1.0)).xy);
        base *= vec4(to_linear(t.rgb), t.a);
    }
    if (u_alpha_mode == 1 && base.a < u_cutoff) discard;
    vec3 n = normalize(gl_FrontFacing ? v_normal : -v_normal);
    float ndl = dot(n, normalize(u_light_dir));
    vec3 color;
    if (u_mode == 2) {
        color = base.rgb;
    } else if (u_mode == 1) {
        float lit = smoothstep(-0.1, 0.2, ndl);
        color = mix(u_shade_color * base.rgb, base.rgb, lit);
    } else {
        color = base.rgb * (0.35 + 0.75 * max(ndl, 0.0));
    }
    if (u_outline_pass == 1) {
        f_color = vec4(to_srgb(u_outline_color * mix(vec3(1.0), color, u_outline_mix)), 1.0);
        return;
    }
    f_color = vec4(to_srgb(color + u_emissive), u_alpha_mode == 2 ? base.a : 1.0);
}
"""

LINE_VERTEX = """
#version 330
in vec3 in_pos;
uniform mat4 u_view_proj;
void main() { gl_Position = u_view_proj * vec4(in_pos, 1.0); gl_PointSize = 5.0; }
"""

LINE_FRAGMENT = """
#version 330
uniform vec4 u_color;
out vec4 f_color;
void main() { f_color = u_color; }
"""


def vertex_source(kind: str) -> str:
    """The vertex program ``kind``: "direct", "skin" or "cached"."""
    body = {"direct": DIRECT_VERTEX, "skin": SKIN_VERTEX, "cached": CACHED_VERTEX}[kind]
    head = f"#define MAX_ACTIVE {MAX_ACTIVE_MORPHS}\n#define TEX_WIDTH {MORPH_TEX_WIDTH}\n"
    version, rest = body.strip().split("\n", 1)
    rest = rest.replace("MORPHS", _MORPHS.strip()).replace("OUTLINE_PLACE", _PLACE.strip())
    return f"{version}\n{head}{rest}"
