"""Small class-per-folder image trees for tests that train on images."""
import numpy as np
from PIL import Image, ImageDraw


def shape_folder(root, per_class=12, size=40, seed=0):
    """Three classes of drawn shapes (circle, square, triangle) on white, as PNG files."""
    rng = np.random.default_rng(seed)
    for kind in ("circle", "square", "triangle"):
        folder = root / kind
        folder.mkdir(parents=True)
        for i in range(per_class):
            img = Image.new("RGB", (size, size), "white")
            d = ImageDraw.Draw(img)
            r = int(rng.integers(8, 14))
            cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
            color = tuple(int(v) for v in rng.integers(0, 160, 3))
            if kind == "circle":
                d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=color)
            elif kind == "square":
                d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=color)
            else:
                d.polygon([(cx - r, cy + r), (cx + r, cy + r), (cx, cy - r)], fill=color)
            img.save(folder / f"{kind}{i:02d}.png")
    return root
