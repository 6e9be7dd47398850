"""The Python samples: samples/torch_dataset.py (skips where torch is not
installed; Debian: python3-torch)."""
# ctest-timeout: 300

import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT, child_env


def test_torch_iterable_dataset():
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (Debian: python3-torch): the "
                    "IterableDataset sample is not run")
    sample = ROOT / "samples" / "torch_dataset.py"
    for workers in ("0", "2"):
        r = subprocess.run([sys.executable, str(sample), "--workers", workers,
                            "--frames", "3"], capture_output=True, text=True,
                           env=child_env(), timeout=240)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().endswith("12 rasters"), r.stdout
        assert "batch (4, 3, 350, 400) torch.float32" in r.stdout


STUB = {
    "torch/__init__.py": "import numpy as np\nfrom_numpy = np.asarray\nfrom . import utils\n",
    "torch/utils/__init__.py": "from . import data\n",
    "torch/utils/data.py": '''
import numpy as np

class IterableDataset:
    pass

def get_worker_info():
    return None

class DataLoader:
    """Batches like torch's default collate, in this process."""
    def __init__(self, ds, batch_size, num_workers=0):
        self.ds, self.n = ds, batch_size
    def __iter__(self):
        batch = []
        for item in self.ds:
            batch.append(item)
            if len(batch) == self.n:
                yield self.collate(batch)
                batch = []
        if batch:
            yield self.collate(batch)
    @staticmethod
    def collate(b):
        return np.stack([r for r, _ in b]), np.array([s for _, s in b])
''',
}


def test_torch_sample_with_a_stand_in(tmp_path):
    """Where torch is absent, the sample's own code (sources, pipelines,
    frames to arrays, batching order) still runs, under a minimal stand-in
    for the three torch names it uses."""
    for rel, text in STUB.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    env = child_env()
    env["PYTHONPATH"] = f"{tmp_path}:{env['PYTHONPATH']}"
    r = subprocess.run([sys.executable, str(ROOT / "samples" / "torch_dataset.py"),
                        "--frames", "3"], capture_output=True, text=True,
                       env=env, timeout=240)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("12 rasters"), r.stdout
    assert "batch (4, 3, 350, 400) float32" in r.stdout
