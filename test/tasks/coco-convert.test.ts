import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { TASKS_DIR } from "./catalogue.js";

// imageCaptioningCOCO's full-scale converter, on a tiny MS-COCO 2014 in the publisher's structure (the three zip
// archives, or the folders they extract to), and the small scale's generator, which must write the same format.

const TASK = join(TASKS_DIR, "imageCaptioningCOCO");

/** Writes the three COCO archives (JPEGs + captions_{train,val}2014.json as COCO lays them out) into argv[1]. */
const MAKE_RAW = `
import io, json, os, sys, zipfile
from PIL import Image
raw, extracted = sys.argv[1], sys.argv[2] == "extracted"
def jpeg(shade):
    buf = io.BytesIO(); Image.new("RGB", (40, 30), (shade, 0, 0)).save(buf, format="JPEG"); return buf.getvalue()
members, ann_id = {}, 100
for split, ids in (("train2014", [9, 25, 30]), ("val2014", [42, 73, 74, 133])):
    images, anns = [], []
    for i in ids:
        name = f"COCO_{split}_{i:012d}.jpg"
        members[(split, f"{split}/{name}")] = jpeg(i)
        images.append({"license": 3, "file_name": name, "coco_url": f"http://images.cocodataset.org/{split}/{name}",
                       "height": 30, "width": 40, "date_captured": "2013-11-14 16:28:13",
                       "flickr_url": f"http://farm1.staticflickr.com/{i}.jpg", "id": i})
        for k in range(5):
            ann_id -= 1
            anns.append({"image_id": i, "id": ann_id, "caption": f"picture {i} caption {k}"})
    members[("annotations_trainval2014", f"annotations/captions_{split}.json")] = json.dumps(
        {"info": {}, "images": images, "licenses": [], "annotations": anns}).encode()
for (archive, member), data in members.items():
    if extracted:
        os.makedirs(os.path.dirname(os.path.join(raw, member)), exist_ok=True)
        open(os.path.join(raw, member), "wb").write(data)
    else:
        with zipfile.ZipFile(os.path.join(raw, archive + ".zip"), "a") as z:
            z.writestr(member, data)
`;

/** Prints a JSON summary of a data folder: schemas, ids per table, caption lists, image files. */
const SUMMARY = `
import json, os, sys, hashlib
import pyarrow.parquet as pq
d = sys.argv[1]; out = {}
for name in ("train_images", "val_images", "test_images", "test_references"):
    t = pq.read_table(os.path.join(d, name + ".parquet"))
    out[name] = {"schema": str(t.schema), "ids": t.column("id").to_pylist(),
                 "anns": t.column("anns").to_pylist() if "anns" in t.column_names else None}
for split in ("train", "val", "test"):
    out[split] = {f: hashlib.sha256(open(os.path.join(d, split, f), "rb").read()).hexdigest() for f in sorted(os.listdir(os.path.join(d, split)))}
print(json.dumps(out))
`;

interface Table {
  schema: string;
  ids: number[];
  anns: { image_id: number; id: number; caption: string }[][] | null;
}
type Summary = Record<"train_images" | "val_images" | "test_images" | "test_references", Table> &
  Record<"train" | "val" | "test", Record<string, string>>;

describe("imageCaptioningCOCO data format", () => {
  let root: string;
  let python: string;
  const run = (args: string[], cwd = root) => {
    const r = spawnSync(python, args, { cwd, encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr || r.stdout);
    return r.stdout;
  };
  const summary = (dir: string): Summary => JSON.parse(run(["-c", SUMMARY, dir]));
  const convert = (variant: "zip" | "extracted") => {
    const raw = join(root, `raw-${variant}`);
    mkdirSync(raw, { recursive: true });
    run(["-c", MAKE_RAW, raw, variant]);
    run([join(TASK, "convert.py"), raw, join(root, `out-${variant}`)]);
    return summary(join(root, `out-${variant}`));
  };
  const prepareCopy = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const file of ["prepare.py", "convert.py"]) copyFileSync(join(TASK, file), join(dir, file));
    run(["prepare.py"], dir);
    return join(dir, "data");
  };

  before(async () => {
    python = join((await ensurePythonRuntime()).binDir, "python");
    root = mkdtempSync(join(tmpdir(), "mlgym-coco-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("convert.py builds the data folder from COCO's archives: train2014, val2014 halved into val and test", () => {
    const out = convert("zip");
    assert.deepEqual(out.train_images.ids, [9, 25, 30]);
    assert.equal(out.val_images.ids.length + out.test_images.ids.length, 4);
    assert.deepEqual(
      [...out.val_images.ids, ...out.test_images.ids].sort((a, b) => a - b),
      [42, 73, 74, 133],
    );
    assert.deepEqual(out.test_references.ids, out.test_images.ids);
    // Captions stay with their images as COCO's annotation records, sorted by annotation id; the test table has none.
    const first = out.train_images.anns![0]!;
    assert.equal(first.length, 5);
    assert.deepEqual(first[0], { image_id: 9, id: 95, caption: "picture 9 caption 4" });
    assert.equal(out.test_images.anns, null);
    assert.ok(
      out.test_references.anns!.every((anns, i) => anns.every((a) => a.image_id === out.test_images.ids[i])),
    );
    assert.deepEqual(
      Object.keys(out.train),
      [9, 25, 30].map((i) => `COCO_train2014_${String(i).padStart(12, "0")}.jpg`),
    );
    assert.equal(Object.keys(out.test).length, out.test_images.ids.length);
    // The extracted folders give the same data.
    assert.deepEqual(convert("extracted"), out);
  });

  test("prepare.py writes the same files, columns and types, deterministically", () => {
    const converted = summary(join(root, "out-zip"));
    const small = summary(prepareCopy("small-a"));
    for (const table of ["train_images", "val_images", "test_images", "test_references"] as const) {
      assert.equal(small[table].schema, converted[table].schema, table);
    }
    assert.deepEqual(
      [small.train_images.ids.length, small.val_images.ids.length, small.test_images.ids.length],
      [2000, 300, 300],
    );
    assert.ok(small.train_images.anns!.every((anns) => anns.length === 5));
    assert.ok(Object.keys(small.val).every((name) => name.startsWith("COCO_val2014_")));
    assert.deepEqual(summary(prepareCopy("small-b")), small);
  });

  test("a raw folder without the archives is a clear error", () => {
    const r = spawnSync(python, [join(TASK, "convert.py"), join(root, "nothing"), join(root, "out-none")], {
      encoding: "utf8",
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /has neither annotations_trainval2014\.zip nor annotations_trainval2014\//);
  });
});
