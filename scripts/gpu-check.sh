#!/usr/bin/env bash
# The GPU check (needs CUDA; about 3 minutes on one modern GPU after setup): run on a folder,
# compare two models, 50 training steps with AMP, bench at 256 and 1024, with throughput and peak
# GPU memory. Everything goes to ${OUT:-gpu-check}/ (JSON + the reports); the summary is printed.
#   bash scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${OUT:-gpu-check}")
[ -x .venv/bin/colorzoo ] || bash scripts/setup.sh >/dev/null
# shellcheck disable=SC1091
. .venv/bin/activate
python - <<'PY'
import sys, torch
if not torch.cuda.is_available():
    sys.exit("gpu-check: no CUDA device visible to PyTorch")
p = torch.cuda.get_device_properties(0)
print(f"== {p.name}, {p.total_memory / 2**30:.0f} GiB, torch {torch.__version__}, CUDA {torch.version.cuda}")
PY
mkdir -p "$out/photos"
python - "$out/photos" <<'PY'
import sys
from pathlib import Path
from PIL import Image
from skimage import data
names = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "hubble_deep_field", "immunohistochemistry")
for i in range(32):  # 32 color photos, sizes varying from 256 to ~1100 px
    image = Image.fromarray(getattr(data, names[i % len(names)])()[..., :3]).convert("RGB")
    side = 256 + 27 * i
    image.resize((side, side * 3 // 4)).save(Path(sys.argv[1]) / f"photo{i:02d}.jpg", quality=92)
PY
t() { local start; start=$(date +%s.%N); "$@"; echo "   ($(echo "$(date +%s.%N) - $start" | bc) s)"; }
echo "== run: 32 photos, zhang-rebal (bundled), --precision auto, batch 8"
t colorzoo run zhang-rebal "$out/photos" -o "$out/run" --device cuda --precision auto --batch-size 8 --overwrite
echo "== compare: zhang-rebal vs zhang-unbal on the same photos"
t colorzoo compare zhang-rebal zhang-unbal --data "$out/photos" -o "$out/compare" --device cuda --precision auto \
  --no-fid
echo "== train: 50 steps of zhang-rebal with AMP (batch 32, crop 176)"
rm -rf "$out/train"
t colorzoo train zhang-rebal --data "$out/photos" --out "$out/train" --steps 50 --batch-size 32 --crop 176 \
  --amp --device cuda --log-every 10 --eval-every 50 --workers 4
tail -n 1 "$out/train/train_log.jsonl"
echo "== bench: full-width zhang-rebal (the paper's weights, or random ones of its shape offline), 256 (batch 1 and 128) and 1024"
colorzoo bench zhang-rebal.paper --size 256 --size 1024 --device cuda --precision auto --json "$out/bench-b1.json"
colorzoo bench zhang-rebal.paper --size 256 --device cuda --precision auto --batch-size 128 --json "$out/bench-b128.json"
python - "$out" <<'PY'
import json, sys, torch
from pathlib import Path
out = Path(sys.argv[1])
# full-width zhang-rebal: 83.5 GFLOP per 256x256 image (a multiply-add counted as two)
name = torch.cuda.get_device_name(0)
peaks = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12, "4090": 165e12}
peak = next((v for k, v in peaks.items() if k in name), None)
for file in ("bench-b1.json", "bench-b128.json"):
    for r in json.loads((out / file).read_text()):
        line = (f"{file}: {r['model']} {r['size']}px batch {r.get('batch_size', '?')}: {r['images_per_s']:.1f} img/s, "
                f"peak {r['peak_memory_mb']:.0f} MB ({r['memory_kind']})")
        if r["size"] == 256 and peak:
            line += f", {r['images_per_s'] * 83.5e9 / peak:.1%} of the dense bf16 peak ({peak / 1e12:.0f} TFLOP/s)"
        print(line)
PY
