#!/usr/bin/env bash
# The prepared GPU benchmark, one command on a machine with a GPU and its Vulkan driver (a few minutes):
#   bench/gpu/run.sh [--bandwidth GB/s] [--peak GFLOP/s]      the device's rated figures, for the goals
#   bench/gpu/run.sh --tiny                                   tiny sizes, to check it works (SwiftShader)
# It prints the adapter, then resident figures (bench/gpu/resident.ts: fused AdamW and Child-Tuning AdamW F
# in GB/s at 28 B/param, goal >= 50% of memory bandwidth; matmul in GFLOP/s, goal >= 30% of f32 peak), then
# the optim and train suites with graft on webgpu beside its peers. JSON lines on stdout, tables on stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
tiny=0
rated=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny) tiny=1 ;;
    --bandwidth | --peak) rated+=("$1" "$2"); shift ;;
    *) echo "usage: bench/gpu/run.sh [--tiny] [--bandwidth GB/s] [--peak GFLOP/s]" >&2; exit 2 ;;
  esac
  shift
done
export GRAFT_BACKEND=webgpu
report=$(node bin/graft.mjs backend --json)
node bin/graft.mjs backend
case "$report" in
  *'"backend":"webgpu"'*) ;;
  *) echo "bench/gpu: no webgpu adapter here (see the line above)" >&2; exit 1 ;;
esac
# full sizes on a software adapter would take hours and measure a CPU: it needs the GPU's Vulkan driver
# (NVIDIA: the driver's Vulkan ICD, /usr/share/vulkan/icd.d/nvidia_icd.json, and libvulkan1)
if [ "$tiny" = 0 ] && [[ "$report" == *', software'* ]]; then
  echo "bench/gpu: the only adapter is a software one; install the GPU's Vulkan driver, or run with --tiny" >&2
  exit 1
fi
if [ "$tiny" = 1 ]; then
  node --import tsx bench/gpu/resident.ts --params 64K --matmul 128 --steps 4 "${rated[@]}"
  node --import tsx bench/run.ts optim --backend webgpu --quick --sizes 64K
else
  # a GPU with nvidia-smi says what it is; the rated figures still come from the flags
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv,noheader >&2 || true
  node --import tsx bench/gpu/resident.ts --params 16M --matmul 2048 --steps 20 "${rated[@]}"
  node --import tsx bench/run.ts optim --backend webgpu --sizes 4M,16M
  node --import tsx bench/run.ts train --backend webgpu --quick
fi
