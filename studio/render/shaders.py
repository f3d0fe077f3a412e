"""GLSL 3.30 programs (core profile: what llvmpipe, QOpenGLWidget and every desktop GPU offer).

Skinning and morphs run in the vertex shader, so a slider drag only changes a few uniforms:
- joint matrices live in an RGBA32F texture, one row per joint, four texels (columns) per row;
- morph deltas live in RGBA16F textures (positions, and normals when the file has them), texel
  ``slot * vertex_count + gl_VertexID`` wrapped at ``MORPH_TEX_WIDTH``; only the *hot* targets (the
  slider being dragged, ``u_morph_count`` <= ``MAX_ACTIVE_MORPHS``) are read there, every other
  non-zero target arrives pre-summed in the ``in_morph_pos``/``in_morph_nrm`` attributes
  (:mod:`studio.render.gpu`).
"""

from __future__ import annotations

MAX_ACTIVE_MORPHS = 8
MORPH_TEX_WIDTH = 4096

VERTEX = """
#version 330
in vec3 in_pos;
in vec3 in_normal;
in vec2 in_uv;
in vec4 in_color;
in vec3 in_morph_pos;
in vec3 in_morph_nrm;
#ifdef SKINNED
in ivec4 in_joints;
in vec4 in_weights;
uniform sampler2D u_joints;
#endif
uniform mat4 u_model;
uniform mat4 u_view_proj;
uniform sampler2D u_morph_pos;
uniform sampler2D u_morph_nrm;
uniform int u_morph_count;
uniform int u_morph_normals;
uniform int u_vertex_count;
uniform int u_morph_slots[MAX_ACTIVE];
uniform float u_morph_weights[MAX_ACTIVE];
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_color;

ivec2 morph_texel(int slot) {
    int i = slot * u_vertex_count + gl_VertexID;
    return ivec2(i % TEX_WIDTH, i / TEX_WIDTH);
}

#ifdef SKINNED
mat4 joint(int j) {
    return mat4(texelFetch(u_joints, ivec2(0, j), 0), texelFetch(u_joints, ivec2(1, j), 0),
                texelFetch(u_joints, ivec2(2, j), 0), texelFetch(u_joints, ivec2(3, j), 0));
}
#endif

void main() {
    vec3 pos = in_pos + in_morph_pos;
    vec3 nrm = in_normal + in_morph_nrm;
    for (int k = 0; k < u_morph_count; ++k) {
        ivec2 t = morph_texel(u_morph_slots[k]);
        pos += u_morph_weights[k] * texelFetch(u_morph_pos, t, 0).xyz;
        if (u_morph_normals == 1) nrm += u_morph_weights[k] * texelFetch(u_morph_nrm, t, 0).xyz;
    }
    mat4 m = u_model;
#ifdef SKINNED
    float total = dot(in_weights, vec4(1.0));
    if (total > 0.0) {
        m = in_weights.x * joint(in_joints.x) + in_weights.y * joint(in_joints.y)
          + in_weights.z * joint(in_joints.z) + in_weights.w * joint(in_joints.w);
    }
#endif
    v_normal = mat3(m) * nrm;
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = u_view_proj * m * vec4(pos, 1.0);
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
uniform int u_has_tex;
uniform int u_mode;        // 0 lambert, 1 toon (MToon approximation), 2 unlit
uniform int u_alpha_mode;  // 0 opaque, 1 mask, 2 blend
uniform float u_cutoff;
uniform vec3 u_light_dir;  // towards the light, world space
out vec4 f_color;

vec3 to_linear(vec3 c) { return pow(c, vec3(2.2)); }
vec3 to_srgb(vec3 c) { return pow(clamp(c, 0.0, 1.0), vec3(1.0 / 2.2)); }

void main() {
    vec4 base = u_base_color * v_color;
    if (u_has_tex == 1) {
        vec4 t = texture(u_base_tex, v_uv);
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


def vertex_source(*, skinned: bool) -> str:
    head = f"#define MAX_ACTIVE {MAX_ACTIVE_MORPHS}\n#define TEX_WIDTH {MORPH_TEX_WIDTH}\n"
    if skinned:
        head += "#define SKINNED 1\n"
    version, body = VERTEX.strip().split("\n", 1)
    return f"{version}\n{head}{body}"
