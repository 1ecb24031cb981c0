#!/usr/bin/env bash
# Runs on the GPU host, from the repository root, inside a device-tool call.
#   run_remote.sh stage [BUNDLE]  : copy the carried model pieces of BUNDLE (default .device_bundle)
#                                   to /tmp/sqlfix_bundle/<its name> (kept while the host stays
#                                   warm) and print what the image holds.
#   run_remote.sh run [BUNDLE]    : the same, then install the carried wheels, reassemble and check
#                                   the model (sha256), train, score on the test split, answer the
#                                   recorded requests, time generation, and write the adapter,
#                                   answers, metrics and logs to $OUT.
#                                   With BUNDLE/resume (git-ignored; the resume.tar chunks a call
#                                   stopped by its time limit brought back, unpacked there),
#                                   training goes on from that step; a call the limit stops
#                                   again brings back the next resume point.
#   run_remote.sh prepare [BUNDLE]: install the wheels, reassemble, check and convert the base into
#                                   the host's cache, nothing else: a call of its own before `run`,
#                                   so the conversion (~2 minutes for the 1.5B) leaves `run` its
#                                   whole 10 minutes for training.
#   run_remote.sh ddp [BUNDLE]    : train only, data-parallel on GPUS processes (default: every
#                                   GPU) under accelerate launch, the same code as one GPU; the
#                                   main process writes the metrics and their throughput to $OUT.
#                                   TIME_LIMIT_MINUTES overrides the bundle's limit.
#   run_remote.sh teacher BUNDLE RUN : answer a planned teacher run (sqlfix datagen teacher plan):
#                                   reassemble and convert BUNDLE's base (staged as above), load
#                                   it once, answer round 1 and round 2 in batches of 192 into
#                                   $OUT/teacher-r*-*.jsonl (skipping keys answered in RUN/answers,
#                                   where the lead puts what earlier calls brought back); no batch
#                                   starts after TEACHER_MINUTES (default 8). See docs/teacher.md.
#   run_remote.sh answer [BUNDLE] : go on answering the requests earlier calls left unanswered,
#                                   with the adapter the run call brought back, carried in
#                                   BUNDLE/adapter (git-ignored, so stage calls never carry it).
set -euo pipefail
BUNDLE=${2:-.device_bundle}
STAGE=/tmp/sqlfix_bundle/$(basename "$BUNDLE")
mkdir -p "$STAGE"
first_stage=$([ -z "$(ls -A "$STAGE")" ] && echo yes || echo no)
for piece in "$BUNDLE"/part*/model.gguf.part*; do
  [ -e "$piece" ] && cp "$piece" "$STAGE/"
done
ls -la "$STAGE"
if [ "${1:-}" = stage ]; then
  [ "$first_stage" = no ] && exit 0  # what the image holds is printed once per bundle
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import sys, torch, transformers, accelerate; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available(), transformers.__version__, accelerate.__version__)'
  python3 -m pip list 2>/dev/null | grep -iE '^(peft|pyarrow|fsspec|pandas|huggingface.hub|tokenizers|safetensors|matplotlib|filelock|typer|rich) ' || true
  exit 0
fi
: "${OUT:?OUT must name the folder whose files come back}"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$BUNDLE"/run/wheels/*.whl
export PYTHONPATH="/tmp/site:$PWD" SQLFIX_CACHE_DIR=/tmp/sqlfix_cache HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
# Batches of long prompts fragment the allocator; without this a teacher batch of 512 ran out of memory.
export PYTORCH_CUDA_ALLOC_CONF=${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}
extra=()
[ -n "${TIME_LIMIT_MINUTES:-}" ] && extra+=(--time-limit-minutes "$TIME_LIMIT_MINUTES")
if [ "${1:-}" = teacher ]; then
  RUN=${3:?teacher mode needs the run folder: run_remote.sh teacher BUNDLE RUN}
  answers=()
  [ -d "$RUN/answers" ] && answers+=(--answers "$RUN/answers")
  python3 scripts/gpu/teacher_remote.py --run "$RUN" --manifest "$BUNDLE/run/manifest.json" --pieces "$STAGE" \
    --out "$OUT" --minutes "${TEACHER_MINUTES:-8}" --batch-size "${TEACHER_BATCH:-192}" --chunk "${TEACHER_CHUNK:-0}" \
    "${answers[@]}" 2>&1 | tee "$OUT/teacher.log"
  exit 0
fi
prepare_base() {  # reassemble, check and convert the base into the host's cache
  python3 scripts/gpu/train_remote.py --bundle "$BUNDLE"/run --pieces "$STAGE" --out "$OUT" --prepare-only 2>&1 | tee "$OUT/run.log"
}
if [ "${1:-}" = prepare ]; then
  prepare_base
  exit 0
fi
if [ "${1:-}" = ddp ]; then
  gpus=${GPUS:-$(nvidia-smi -L | wc -l)}
  # Fewer processes than GPUs: show each process only the GPUs it uses (a lone process that sees
  # several wraps the model in nn.DataParallel, which TRL refuses).
  export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-$(seq -s, 0 $((gpus - 1)))}
  launch=(--num_processes "$gpus" --num_machines 1 --mixed_precision bf16 --dynamo_backend no)
  [ "$gpus" -gt 1 ] && launch+=(--multi_gpu)
  prepare_base
  python3 -m accelerate.commands.launch "${launch[@]}" scripts/gpu/train_remote.py --bundle "$BUNDLE"/run \
    --pieces "$STAGE" --out "$OUT" --train-only "${extra[@]}" 2>&1 | tee -a "$OUT/run.log"
  exit 0
fi
if [ "${1:-}" = answer ]; then
  extra+=(--answer-only)
  adapter=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["adapter"])' "$BUNDLE/run/manifest.json")
  [ -d "$BUNDLE/adapter" ] && mkdir -p "$adapter" && cp "$BUNDLE"/adapter/* "$adapter"/
fi
# A resume point an earlier call brought back (scripts/gpu/transfer.py unpack ... --name resume.tar):
# training goes on from its step.
[ "${1:-}" = run ] && [ -d "$BUNDLE/resume" ] && extra+=(--resume "$BUNDLE/resume")
python3 scripts/gpu/train_remote.py --bundle "$BUNDLE"/run --pieces "$STAGE" --out "$OUT" --answer-minutes "${ANSWER_MINUTES:-8}" "${extra[@]}" 2>&1 | tee "$OUT/run.log"
