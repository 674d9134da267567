"""The promise as a script: the lecture's three labs, imports changed, run on chainrule.

../shared/lecture/run_labs.py (beside this repository) holds the lecture's own code with only
the imports (and offline data/weights sources) changed. Quick mode: few images, 2 epochs.
"""
import subprocess
import sys
from pathlib import Path

import pytest

RUN_LABS = Path(__file__).resolve().parents[2] / "shared" / "lecture" / "run_labs.py"


@pytest.mark.slow
@pytest.mark.skipif(not RUN_LABS.exists(), reason=f"{RUN_LABS} is not beside this checkout")
def test_the_three_lecture_labs_run_in_quick_mode(tmp_path):
    done = subprocess.run([sys.executable, str(RUN_LABS)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for lab in ("rps", "horse", "cats"):
        assert f"===== lab: {lab} =====" in out
    assert "Found 48 images belonging to 3 classes." in out
    assert "Total params: 3,473,475" in out and "Total params: 941,506" in out
    assert "Total params: 15,829,698" in out and "Non-trainable params: 14,714,688" in out
    assert "Epoch 1: val_loss improved from inf to" in out
    assert (tmp_path / "tmp_checkpoint.ckpt").is_file()
    assert (tmp_path / "my_checkpoint.ckpt").is_file()
    assert (tmp_path / "horse-or-human-samples.png").is_file()
