// Spring bones as three-vrm sees them: for each FILE, one JSON line
//   {"file", "loaded", "vrm_version", "humanoid_bones", "expressions", "spring_joints", "spring_bones",
//    "springs_ok", "error"}
// spring_joints = vrm.springBoneManager.joints.size; spring_bones: the joints' bone names; springs_ok: every joint's bone is a node of the
// loaded scene and 30 steps of swaying the hips leave every joint's world position finite;
// spring_swing_deg: the largest rotation a joint made while swaying.
// Usage: node three_vrm_springs.mjs CHECKER_DIR FILE... (CHECKER_DIR = ../shared/tools/conformance,
// whose node_modules hold three and @pixiv/three-vrm; nothing is installed here).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const out = process.stdout.write.bind(process.stdout);
console.log = console.info = console.debug = console.warn = (...a) => process.stderr.write(a.join(' ') + '\n');
if (typeof globalThis.self === 'undefined') globalThis.self = globalThis;
if (typeof globalThis.createImageBitmap === 'undefined') {
  globalThis.createImageBitmap = async () => ({ width: 1, height: 1, close() {} });
}

const [checker, ...files] = process.argv.slice(2);
const modules = path.join(path.resolve(checker), 'node_modules');
const load = (rel) => import(pathToFileURL(path.join(modules, rel)).href);
const THREE = await load('three/build/three.module.js');
const { GLTFLoader } = await load('three/examples/jsm/loaders/GLTFLoader.js');
const { VRMLoaderPlugin } = await load('@pixiv/three-vrm/lib/three-vrm.module.js');

for (const file of files) {
  const result = { file, loaded: false, vrm_version: null, humanoid_bones: 0, expressions: 0,
    spring_joints: 0, spring_bones: [], springs_ok: false, spring_swing_deg: 0, error: null };
  try {
    const bytes = await readFile(file);
    const loader = new GLTFLoader();
    loader.register((parser) => new VRMLoaderPlugin(parser));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const gltf = await new Promise((resolve, reject) => loader.parse(buffer, '', resolve, reject));
    const vrm = gltf.userData.vrm;
    result.loaded = true;
    if (vrm) {
      result.vrm_version = vrm.meta?.metaVersion ?? null;
      result.humanoid_bones = Object.values(vrm.humanoid.humanBones).filter((b) => b?.node).length;
      result.expressions = vrm.expressionManager?.expressions.length ?? 0;
      const joints = [...(vrm.springBoneManager?.joints ?? [])];
      result.spring_joints = joints.length;
      result.spring_bones = joints.map((j) => j.bone.name);
      const inScene = new Set();
      vrm.scene.traverse((o) => inScene.add(o));
      vrm.scene.updateMatrixWorld(true);
      vrm.springBoneManager?.setInitState();
      const rest = joints.map((j) => j.bone.quaternion.clone());
      const hips = vrm.humanoid.getNormalizedBoneNode('hips');
      for (let frame = 0; frame < 30; frame++) {  // sway the body: the chains must lag and swing
        if (hips) hips.position.x = 0.2 * Math.sin(frame / 5);
        vrm.update(1 / 60);
      }
      const p = new THREE.Vector3();
      result.springs_ok = joints.every((j) => inScene.has(j.bone)
        && j.bone.getWorldPosition(p) && Number.isFinite(p.x + p.y + p.z));
      result.spring_swing_deg = Math.max(0, ...joints.map((j, k) => j.bone.quaternion.angleTo(rest[k]) * 180 / Math.PI));
    }
  } catch (e) {
    result.error = String(e && e.message ? e.message : e);
  }
  out(JSON.stringify(result) + '\n');
}
