// Checkpoints: parameters, optimizer state and training metadata in one safetensors file.
export type { CheckpointProblem, Problem } from './problem.js';
export { formatCheckpointProblem } from './problem.js';
export type { Dtype, RawTensor } from './safetensors-dtype.js';
export { DTYPES, DTYPE_BYTES, f32Bytes, f32FromBytes, f32Tensor } from './safetensors-dtype.js';
export { encodeSafetensors, safetensorsHeader } from './safetensors-encode.js';
export type { Safetensors } from './safetensors-decode.js';
export { decodeSafetensors } from './safetensors-decode.js';
export type { BestCheckpoint, CheckpointMeta, GeneratorPosition } from './meta.js';
export { CHECKPOINT_FORMAT_VERSION, decodeMeta, encodeMeta, generatorVersionProblems } from './meta.js';
export type { CheckpointExpectation, CheckpointShapes } from './tensors.js';
export { OPT_PREFIX, PARAM_PREFIX } from './tensors.js';
export type { WriteIo } from './atomic-write.js';
export { nodeWriteIo, writeFileAtomically } from './atomic-write.js';
export type { Checkpoint, SavedCheckpoint } from './save.js';
export { encodeCheckpoint, saveCheckpoint } from './save.js';
export type { LoadedCheckpoint } from './load.js';
export { decodeCheckpoint, loadCheckpoint } from './load.js';
export { checkpointOf, checkpointShapes, optimizerStateOf } from './optimizer-state.js';
