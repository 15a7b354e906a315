// The viewer in a real browser: Debian's headless `chromium` driven by playwright-core (scripts/setup.sh installs
// it). Without a chromium the tests are skipped, saying why. Screenshots go to $MLGYM_TEST_OUTPUT/view (default
// .mlgym/test-output/view).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { TrajectoryRecorder } from "../../src/trajectory/recorder.js";
import { startViewServer, type ViewServer } from "../../src/view/server.js";
import { step, viewerFixture } from "./fixtures.js";

const CANDIDATES = [process.env.MLGYM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
const executable = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const skip = executable
  ? false
  : "no chromium found (install Debian's `chromium`, e.g. by `bash scripts/setup.sh` as root)";
const shots = join(process.env.MLGYM_TEST_OUTPUT ?? ".mlgym/test-output", "view");

let browser: Browser;
let server: ViewServer;
let live: TrajectoryRecorder;
let page: Page;

before(async () => {
  if (!executable) return;
  const fixture = await viewerFixture();
  live = fixture.live;
  server = await startViewServer({ root: fixture.root, cacheDir: null, pollMs: 200 });
  await server.index.refresh();
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Waits until a script expression holds in the page. */
const until = (expression: string) => page.waitForFunction(expression, undefined, { timeout: 10_000 });
const rowCount = () => page.locator("tr.run").count();

test("the list shows every run and filters by task, audit flag and free text", { skip }, async () => {
  await page.goto(server.url);
  await page.waitForSelector("tr.run");
  assert.equal(await rowCount(), 4);
  await page.screenshot({ path: join(shots, "list.png"), fullPage: true });
  await page.selectOption('select[name="task"]', "otherTask");
  await until(`document.querySelectorAll("tr.run").length === 1`);
  assert.match((await page.locator("tr.run").textContent()) ?? "", /hidden-file-access/);
  await page.selectOption('select[name="task"]', "");
  await page.selectOption('select[name="flag"]', "unaudited");
  await until(`document.querySelectorAll("tr.run").length === 3`);
  await page.selectOption('select[name="flag"]', "");
  await page.fill('input[name="q"]', "modelB");
  await until(`document.querySelectorAll("tr.run").length === 1`);
  assert.match((await page.locator("tr.run").textContent()) ?? "", /modelB/);
  await page.screenshot({ path: join(shots, "list-filtered.png"), fullPage: true });
  await page.fill('input[name="q"]', "");
  await until(`document.querySelectorAll("tr.run").length === 4`);
});

test("a run opens from the list and steps with the keyboard", { skip }, async () => {
  await page.goto(server.url);
  await page.locator('tr.run[data-id="modelA__toyTask__default_run_0"] td').nth(1).click();
  await page.waitForSelector('[data-testid="position"]');
  assert.equal(await page.locator('[data-testid="position"]').textContent(), "step 1 of 6");
  assert.equal(await page.locator('[data-testid="exit-status"]').textContent(), "submitted");
  assert.equal(await page.locator('[data-testid="requeries"]').textContent(), "2");
  assert.equal(await page.locator('svg[data-testid="chart"] polyline').count(), 1);
  assert.equal(await page.locator('[data-testid="results"] tr').count(), 4); // header, baseline, 2 attempts
  await page.keyboard.press("j");
  await until(`document.querySelector('[data-testid="position"]')?.textContent === "step 2 of 6"`);
  assert.equal(await page.locator(".requery").count(), 2);
  await page.keyboard.press("ArrowDown");
  await until(`document.querySelector('[data-testid="position"]')?.textContent === "step 3 of 6"`);
  // Step 3's observation has 80 lines: collapsed.
  assert.equal(await page.locator(".step details").count(), 1);
  assert.equal(await page.locator('[data-testid="action"]').textContent(), "edit 1:2");
  await page.keyboard.press("k");
  await until(`document.querySelector('[data-testid="position"]')?.textContent === "step 2 of 6"`);
  await page.screenshot({ path: join(shots, "run.png"), fullPage: true });
});

test("a running episode's page shows a step appended to its trajectory", { skip }, async () => {
  await page.goto(`${server.url}#/run/modelC__toyTask__default_run_0`);
  await page.waitForSelector('[data-testid="position"]');
  assert.equal(await page.locator('[data-testid="exit-status"]').textContent(), "running");
  assert.equal(await page.locator("#outline div").count(), 2);
  assert.equal(await page.locator('[data-testid="position"]').textContent(), "step 2 of 2");
  live.step(step(2, "python train.py --epochs 3"), { scores: [{ accuracy: 0.55 }] });
  await live.settled();
  await until(`document.querySelectorAll("#outline div").length === 3`);
  await until(`document.querySelector('[data-testid="position"]')?.textContent === "step 3 of 3"`);
  assert.equal(await page.locator('[data-testid="action"]').textContent(), "python train.py --epochs 3");
  assert.equal(await page.locator("#live").isVisible(), true);
  live.step(step(3, "submit"), { scores: [{ accuracy: 0.55 }, { accuracy: 0.7 }], exitStatus: "submitted" });
  await live.settled();
  await until(`document.querySelector('[data-testid="exit-status"]')?.textContent === "submitted"`);
  assert.equal(await page.locator('svg[data-testid="chart"] circle').count(), 2);
  await page.screenshot({ path: join(shots, "live.png"), fullPage: true });
});

test("two runs of a task compare side by side, aligned by step, with both score curves", {
  skip,
}, async () => {
  await page.goto(server.url);
  await page.waitForSelector("tr.run");
  await page.locator('tr.run[data-id="modelA__toyTask__default_run_0"] .pick').check();
  await page.locator('tr.run[data-id="modelB__toyTask__default_run_0"] .pick').check();
  await page.click("#compare");
  await page.waitForSelector('[data-testid="aligned"]');
  assert.equal(await page.locator('[data-testid="aligned"] tr[data-i]').count(), 6);
  assert.equal(await page.locator('svg[data-testid="chart"] polyline').count(), 2);
  assert.equal(await page.locator("#pair .step").count(), 2);
  await page.keyboard.press("j");
  await until(`document.querySelector("tr.current")?.getAttribute("data-i") === "1"`);
  assert.deepEqual(await page.locator('#pair [data-testid="action"]').allTextContents(), [
    "cat train.py",
    "validate",
  ]);
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await until(`document.querySelector("tr.current")?.getAttribute("data-i") === "3"`);
  assert.equal(await page.locator("#pair .step").count(), 1); // run B has 3 steps
  await page.screenshot({ path: join(shots, "compare.png"), fullPage: true });
});
