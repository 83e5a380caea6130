"""comic-from-video end to end: wall time and peak memory, against the bundled ffmpeg's
decode-only time of the same file, and the warm re-run after changing only the lettering.

    python benchmarks/comics.py [--quick] [--video FILE ...] [--minutes 10]

For each video (the shared `testvideo.mp4` when present, and a 10-minute 720p video synthesised
here with ffmpeg's lavfi sources and kept in ~/.cache/studio-bench/) it measures, each in a fresh
process:
  decode   `ffmpeg -i FILE -f null -` (bundled ffmpeg, decode only)
  cold     `studio run comic-from-video` with an empty cache (embedded defaults)
  warm     the same run again with an edited script (only the lettering changed)
and, in one more process that re-letters twice, the second re-lettering (a running process such
as the web UI: libraries loaded). It prints wall seconds and peak RSS, the ratios cold/decode
(goal <= 1.5) and warm/cold (goal < 0.10). `--quick` skips the 10-minute video.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH_CACHE = Path(os.environ.get("STUDIO_BENCH_CACHE", Path.home() / ".cache" / "studio-bench"))
EDITED = {"panels": [{"caption": "Re-lettered: a new opening line.", "speech": ["Narrator: Only the words changed."]}]}


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def synth_video(minutes: float, path: Path) -> Path:
    """A 720p30 H.264 video of `minutes` with a hard cut every 12 s (hue jumps on moving test
    patterns) and a gentle dissolve-free motion inside each shot."""
    if path.is_file() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    seconds = int(minutes * 60)
    src = (f"testsrc2=size=1280x720:rate=30:duration={seconds},"
           "hue=H=floor(t/12)*2.1:s=1+0.5*sin(floor(t/12)),"
           "drawbox=x=mod(t*80\\,1200):y=300:w=80:h=80:color=white@0.8:t=fill")
    tmp = path.with_suffix(".partial.mp4")
    cmd = [ffmpeg(), "-y", "-v", "error", "-f", "lavfi", "-i", src, "-c:v", "libx264", "-preset", "veryfast",
           "-crf", "26", "-pix_fmt", "yuv420p", "-g", "120", str(tmp)]
    print(f"synthesising a {minutes:g}-minute 720p video (once) ...", file=sys.stderr)
    subprocess.run(cmd, check=True)
    tmp.rename(path)
    return path


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0


RUNNER = """
import json, sys, studio
video, out, script = sys.argv[1], sys.argv[2], sys.argv[3]
inputs = {"video": video}
if script != "-":
    inputs["script"] = json.loads(script)
r = studio.run("comic-from-video", inputs, out=out)
print(json.dumps({"steps": [[s["id"], s["cached"], s["seconds"]] for s in r.steps], "pages": len(r.paths["pages"])}))
"""

# a running process (the web UI): one re-lettering to load everything (new words, so the lettering
# code runs and its libraries and fonts load; the script the warm run used would come from the
# cache and load nothing), then a second one, timed
IN_PROCESS = """
import json, sys, time, studio
video, out, script = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
script["panels"][0]["caption"] = "Lettered for the first time in this process."
studio.run("comic-from-video", {"video": video, "script": script}, out=out + "-1")
script["panels"][0]["caption"] = "Lettered once more."
t = time.perf_counter()
studio.run("comic-from-video", {"video": video, "script": script}, out=out + "-2")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def bench_video(video: Path, work: Path) -> dict:
    env = dict(os.environ, STUDIO_CACHE_DIR=str(work / "cache"), HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    decode, decode_mem = measure([ffmpeg(), "-v", "error", "-i", str(video), "-f", "null", "-"])
    py = [sys.executable, "-c", RUNNER, str(video)]
    cold, cold_mem = measure(py + [str(work / "cold"), "-"], env)
    warm, warm_mem = measure(py + [str(work / "warm"), json.dumps(EDITED)], env)
    ui = subprocess.run([sys.executable, "-c", IN_PROCESS, str(video), str(work / "ui"), json.dumps(EDITED)],
                        env=env, check=True, capture_output=True, text=True)
    warm_ui = json.loads(ui.stdout.strip().splitlines()[-1])["seconds"]
    manifest = json.loads((work / "warm" / "manifest.json").read_text())
    rerun = [s["id"] for s in manifest["steps"] if not s["cached"]]
    cold_steps = json.loads((work / "cold" / "manifest.json").read_text())["steps"]
    return {
        "cold_steps": {s["id"]: round(s["seconds"], 2) for s in cold_steps},
        "warm_steps": {s["id"]: round(s["seconds"], 2) for s in manifest["steps"]},
        "video": str(video), "decode_s": round(decode, 2), "decode_mib": round(decode_mem),
        "cold_s": round(cold, 2), "cold_mib": round(cold_mem), "warm_s": round(warm, 2), "warm_mib": round(warm_mem),
        "cold_over_decode": round(cold / decode, 2), "warm_over_cold": round(warm / cold, 3), "warm_reran": rerun,
        "warm_in_process_s": round(warm_ui, 3), "warm_in_process_over_cold": round(warm_ui / cold, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 10-minute synthetic video")
    ap.add_argument("--video", action="append", default=[], help="a video to measure (repeatable)")
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the synthetic video")
    args = ap.parse_args()
    videos = [Path(v) for v in args.video]
    if not videos:
        shared = REPO.parent / "shared" / "testdata" / "video" / "testvideo.mp4"
        if shared.is_file():
            videos.append(shared)
        if not args.quick:
            videos.append(synth_video(args.minutes, BENCH_CACHE / f"synth-{args.minutes:g}min-720p.mp4"))
    rows = []
    for v in videos:
        with tempfile.TemporaryDirectory(prefix="studio-bench-comics-") as tmp:
            print(f"measuring {v.name} ...", file=sys.stderr)
            rows.append(bench_video(v, Path(tmp)))
    print(f"{'video':36} {'decode s':>9} {'cold s':>8} {'cold MiB':>9} {'cold/dec':>9} {'warm s':>7} {'warm/cold':>10} "
          f"{'in-proc s':>10} {'in-proc/cold':>13}")
    for r in rows:
        print(f"{Path(r['video']).name[:36]:36} {r['decode_s']:9.2f} {r['cold_s']:8.2f} {r['cold_mib']:9.0f} "
              f"{r['cold_over_decode']:9.2f} {r['warm_s']:7.2f} {r['warm_over_cold']:10.3f} "
              f"{r['warm_in_process_s']:10.3f} {r['warm_in_process_over_cold']:13.3f}")
    print("goals: cold/decode <= 1.5, warm/cold < 0.10 (warm: a fresh process; in-proc: a running one, like the web UI)")
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
