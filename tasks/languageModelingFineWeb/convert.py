"""Full scale: puts the downloaded FineWeb10B GPT-2 shards where the task reads them (data/fineweb10B/), after
checking each file's header (magic 20240520, version 1) and size. Usage: python convert.py <raw dir> <out dir>."""
import os
import shutil
import sys
from pathlib import Path

import numpy as np

MAGIC, VERSION = 20240520, 1


def main(raw, out):
    target = Path(out) / "fineweb10B"
    target.mkdir(parents=True, exist_ok=True)
    shards = sorted(Path(raw).glob("fineweb_*.bin"))
    if not shards:
        raise SystemExit(f"no fineweb_*.bin shards in {raw}")
    for shard in shards:
        header = np.fromfile(shard, dtype=np.int32, count=256)
        if len(header) != 256 or header[0] != MAGIC or header[1] != VERSION:
            raise SystemExit(f"{shard} is not a FineWeb token shard (magic {header[:1]}, version {header[1:2]})")
        expected = 256 * 4 + 2 * int(header[2])
        if shard.stat().st_size != expected:
            raise SystemExit(f"{shard} has {shard.stat().st_size} bytes; its header says {expected}")
        destination = target / shard.name
        try:
            os.link(shard, destination)
        except OSError:
            shutil.copyfile(shard, destination)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python convert.py <raw dir> <out dir>")
    main(sys.argv[1], sys.argv[2])
