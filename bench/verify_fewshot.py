#!/usr/bin/env python3
"""Compares GanService's few-shot (FastGAN) family with a PyTorch copy on the same weights and inputs.

Reads a folder written by `GanService.Worker fewshot-export` (tensors.json + raw float32 files), builds the network
of bench/fewshot_torch.py, loads the same weights, buffers and spectral-norm vectors, runs the same training step
(G forward, D on reals with its decoders and on detached fakes, D's backward; D on the fakes for G's loss and G's
backward) and an eval-mode G forward, in float64 (the reference) and in float32, and prints the norm-wise relative
error ||x - ref|| / ||ref|| of our engine's and of PyTorch float32's outputs and gradients against the float64
reference. (Why float64: PyTorch 1.13's own float32 backward of a 4x4 conv to one channel on an 8x8 input was
measured 1.5e-2 off here, the class of CPU kernel fault docs/TORCHSHARP.md records for libtorch 2.10.)
The last line is one JSON object; the exit code is 1 when an output's or a network's whole gradient's error exceeds
both the tolerance and twice PyTorch float32's own error on it (float32 rounding grows with depth and image size: at
1024 px both engines are about 1e-3 from float64). Single tensors are shown too, beside PyTorch float32's error.
  /usr/bin/python3 bench/verify_fewshot.py DIR [--tolerance 1e-3]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fewshot_torch as fs  # noqa: E402


def load(folder):
    with open(os.path.join(folder, "tensors.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    tensors = {}
    for name, entry in manifest["tensors"].items():
        data = np.fromfile(os.path.join(folder, entry["file"]), dtype="<f4")
        tensors[name] = torch.from_numpy(data.copy()).reshape(entry["shape"])
    return manifest, tensors


def relative(ours, theirs):
    ours, theirs = ours.double().flatten(), theirs.double().flatten()
    denominator = theirs.norm().item()
    numerator = (ours - theirs).norm().item()
    return numerator / denominator if denominator > 0 else numerator


def step(manifest, t, dtype):
    """The export's training step on the PyTorch copy, in dtype: outputs and parameter gradients by name."""
    c = manifest["config"]
    part = manifest["part"]
    classes = c["numClasses"] if c["conditional"] else 0
    g = fs.Generator(c["generatorChannels"], c["latentDim"], c["channels"], c["resolution"], classes)
    d = fs.Discriminator(c["discriminatorChannels"], c["channels"], c["resolution"], classes,
                         gradients=c["reconstruction"] == "l1-gradients")
    used = fs.load_engine_state(g, t, "G") | fs.load_engine_state(d, t, "D")
    exported = {n for n in t if n.startswith("G.") or n.startswith("D.")}
    if used != exported:
        raise SystemExit(f"state names differ: only in the export {sorted(exported - used)[:5]}, only here {sorted(used - exported)[:5]}")
    g.to(dtype)
    d.to(dtype)
    for noise in g.noises():
        noise.constant_mode = True
    z, real = t["input.z"].to(dtype), t["input.real"].to(dtype)
    labels = t["input.labels"].long() if "input.labels" in t else None
    g.train()
    d.train()
    fake = g(z, labels)
    real_logits, rec_big, rec_small, rec_part = d(real, labels, part)
    reconstruction = d.reconstruction_loss(real, rec_big, rec_small, rec_part, part)
    fake_logits = d(fake.detach(), labels)
    loss_d = (torch.relu(t["input.realMargins"].to(dtype) - real_logits).mean()
              + torch.relu(t["input.fakeMargins"].to(dtype) + fake_logits).mean() + reconstruction)
    loss_d.backward()
    grads = {"D." + n: p.grad.clone() for n, p in d.named_parameters()}
    d.zero_grad()
    loss_g = -d(fake, labels).mean()
    loss_g.backward()
    grads.update({"G." + n: p.grad.clone() for n, p in g.named_parameters()})
    g.eval()
    with torch.no_grad():
        fake_eval = g(z, labels)
    outputs = {"G images (training)": fake, "G images (eval)": fake_eval, "D logits (real)": real_logits,
               "D logits (fake)": fake_logits, "rebuilt from 8x8": rec_big, "rebuilt from small branch": rec_small,
               "rebuilt quadrant": rec_part, "reconstruction loss": reconstruction.reshape(1),
               "loss D": loss_d.reshape(1), "loss G": loss_g.reshape(1)}
    return {**{n: o.detach() for n, o in outputs.items()}, **{n + " gradient": gr for n, gr in grads.items()}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    manifest, t = load(args.folder)
    c = manifest["config"]
    classes = c["numClasses"] if c["conditional"] else 0
    reference = step(manifest, t, torch.float64)
    float32 = step(manifest, t, torch.float32)
    ours = {"G images (training)": t["out.fake"], "G images (eval)": t["out.fakeEval"],
            "D logits (real)": t["out.realLogits"], "D logits (fake)": t["out.fakeLogits"],
            "rebuilt from 8x8": t["out.recBig"], "rebuilt from small branch": t["out.recSmall"],
            "rebuilt quadrant": t["out.recPart"], "reconstruction loss": t["out.reconstructionLoss"],
            "loss D": t["out.lossD"], "loss G": t["out.lossG"]}
    for name, value in reference.items():
        if name.endswith(" gradient"):
            key = "grad." + name[: -len(" gradient")].replace("weight_orig", "weight")
            mine = t[key].permute(1, 0, 2, 3) if key == "grad.G.project.weight" else t[key]
            ours[name] = mine.reshape(value.shape)
    rows = [(n, relative(ours[n], reference[n]), relative(float32[n], reference[n])) for n in reference]
    outputs = [r for r in rows if not r[0].endswith(" gradient")]
    grads = [r for r in rows if r[0].endswith(" gradient")]
    print("      ours  torch f32  (relative error against the PyTorch copy in float64)")
    for name, mine, theirs in outputs:
        print(f"{mine:10.2e} {theirs:10.2e}  {name}")
    # Whole-network gradients (every parameter's gradient in one vector): the step's gradient as the optimiser sees it.
    # Single tensors can be ill-conditioned: a noise weight's gradient is one sum over every pixel of the batch, with
    # heavy cancellation, so both float32 engines can be far from float64 there while the step as a whole agrees.
    networks = []
    for prefix in ("G.", "D."):
        names = [n for n in reference if n.startswith(prefix) and n.endswith(" gradient")]
        flat = lambda source: torch.cat([source[n].double().flatten() for n in names])
        networks.append((f"{prefix[0]} gradient (all {len(names)} parameters)", relative(flat(ours), flat(reference)),
                         relative(flat(float32), flat(reference))))
    for name, mine, theirs in networks:
        print(f"{mine:10.2e} {theirs:10.2e}  {name}")
    worst_ours = max(grads, key=lambda r: r[1])
    worst_torch = max(grads, key=lambda r: r[2])
    print(f"{worst_ours[1]:10.2e} {worst_ours[2]:10.2e}  worst of our {len(grads)} parameter gradients ({worst_ours[0]})")
    print(f"{worst_torch[1]:10.2e} {worst_torch[2]:10.2e}  worst of PyTorch float32's ({worst_torch[0]})")
    worst = max(outputs + networks, key=lambda r: r[1])
    summary = {"resolution": c["resolution"], "width": c["generatorChannels"], "channels": c["channels"],
               "classes": classes, "reconstruction": c["reconstruction"], "outputs": len(outputs),
               "gradients": len(grads), "maxRelativeError": worst[1], "worst": worst[0],
               "torchFloat32MaxRelativeError": max(r[2] for r in outputs + networks),
               "worstTensor": worst_ours[0], "worstTensorError": worst_ours[1], "torchFloat32WorstTensorError": worst_torch[2],
               "torch": torch.__version__,
               "ok": all(mine <= max(args.tolerance, 2 * theirs) for _, mine, theirs in outputs + networks)}
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
