// Hugging Face model folders in and out: config.json and safetensors weights under transformers' names.
export type { HfBertConfig } from './bert-hf-config.js';
export { decodeHfBertConfig, hfBertConfigJson } from './bert-hf-config.js';
export type { FloatDtype } from './half-floats.js';
export { bf16BitsToF32Bits, f16BitsToF32Bits, widenToF32 } from './half-floats.js';
export type { HfTensor, HfWeights } from './hf-weights.js';
export { HF_FILES, readHfWeights } from './hf-weights.js';
export type { MatchedWeights } from './bert-weights.js';
export { matchBertWeights } from './bert-weights.js';
export type { LoadHfBertOptions, LoadedHfBert } from './load-hf-bert.js';
export { loadHfBert, oversizedNote } from './load-hf-bert.js';
export type { FolderWrite } from './write-folder.js';
export type { ExportedHfBert } from './save-hf-bert.js';
export { PT_METADATA, encodeHfBert, exportHfBert, saveHfBert } from './save-hf-bert.js';
export type { ImportedHfBert } from './import-hf-bert.js';
export { importHfBert } from './import-hf-bert.js';
export type { TokenizerFiles } from './tokenizer-check.js';
export { folderTokenizerProblems, tokenizerProblems } from './tokenizer-check.js';
