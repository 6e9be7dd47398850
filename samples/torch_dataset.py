#!/usr/bin/python3
"""A PyTorch IterableDataset over sensorpipe pipelines.

Each item is one frame's bird's-eye-view raster (a float32 (3, H, W)
tensor) and its timestamp. The dataset is a list of launch strings, one per
log (a KITTI folder, a bag, ...); DataLoader workers split the list between
them, so each worker runs its own pipelines and nothing is read twice.

Inside a worker the raster reaches torch without a copy: torch.from_numpy()
of frame.tensor shares the frame's pool block (the tensor keeps the frame,
and with it the block, alive). Batching (the default collate) copies the
rasters into the batch, after which the blocks go back to their pools; with
num_workers > 0 the batch crosses to the main process through shared memory
as usual.

    python3 samples/torch_dataset.py                       # synthetic rig
    python3 samples/torch_dataset.py --workers 2 \\
        'kitti path=../shared/data/kitti_object streams=velodyne'

Needs python3-torch (Debian) or torch from pip, and sensorpipe importable
(build/python on PYTHONPATH, or installed).
"""

import argparse
import sys

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

import sensorpipe as sp

CHAIN = "crop x=0:70 y=-40:40 z=-3:2 ! voxel leaf=0.2 ! bev res=0.2"


class BevDataset(IterableDataset):
    """Frames of the given sources through ``chain`` as (raster, stamp_ns).

    sources: launch strings of source stages ("kitti path=...",
    "bag path=... topics=/points"); budget: each pipeline's pool budget."""

    def __init__(self, sources, chain=CHAIN, budget="256M"):
        super().__init__()
        self.sources = list(sources)
        self.chain = chain
        self.budget = budget

    def __iter__(self):
        info = get_worker_info()
        mine = self.sources
        if info is not None:  # worker k of n takes sources k, k + n, ...
            mine = self.sources[info.id::info.num_workers]
        for src in mine:
            with sp.Pipeline(f"{src} ! {self.chain}", budget=self.budget) as p:
                for frame in p:
                    if frame.kind != "tensor":
                        continue  # a camera frame the chain let through
                    yield torch.from_numpy(frame.tensor), frame.stamp_ns


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="*",
                    help="source launch strings (default: 4 synthetic drives)")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--frames", type=int, default=6,
                    help="frames per synthetic drive")
    a = ap.parse_args(argv)
    sources = a.sources or [f"synth camera=false frames={a.frames} seed={s}"
                            for s in range(1, 5)]
    loader = DataLoader(BevDataset(sources), batch_size=a.batch,
                        num_workers=a.workers)
    n = 0
    for rasters, stamps in loader:
        n += len(rasters)
        print(f"batch {tuple(rasters.shape)} {rasters.dtype}, occupied cells "
              f"{int((rasters[:, 2] > 0).sum())}, stamps {stamps.tolist()}")
    print(f"{n} rasters")
    return n


if __name__ == "__main__":
    sys.exit(0 if main() > 0 else 1)
