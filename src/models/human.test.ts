import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, it } from "node:test";
import { FIXTURE_TASKS } from "../../test/helpers/fixtures.js";
import { runAgent } from "../agent/agent.js";
import { loadAgentConfig } from "../agent/config.js";
import { mlgymThoughtActionParser } from "../agent/parser.js";
import { make } from "../env/make.js";
import { HumanInputClosedError, HumanModel } from "./human.js";
import type { ChatMessage } from "./model.js";

/** A human who types `text`, and the screen they see. */
function human(text: string | string[], endings?: Record<string, string>) {
  const output = new PassThrough();
  let screen = "";
  output.on("data", (chunk: Buffer) => {
    screen += chunk.toString();
  });
  const input = Readable.from(typeof text === "string" ? [text] : text);
  const model = new HumanModel({ name: "tester", input, output, ...(endings ? { endings } : {}) });
  return { model, screen: () => screen };
}

const user = (content: string): ChatMessage => ({ role: "user", content });

/** The action the agent's parser takes from an answer. */
async function action(model: HumanModel, messages: ChatMessage[] = [user("obs")]): Promise<string> {
  return mlgymThoughtActionParser((await model.query(messages)).content).action;
}

describe("HumanModel", () => {
  it("answers one typed line as a fenced action", async () => {
    const { model } = human("ls -a\n");
    assert.equal(model.id, "human:tester");
    const answer = await model.query([user("obs")]);
    assert.equal(answer.content, "```\nls -a\n```");
    assert.equal(mlgymThoughtActionParser(answer.content).action, "ls -a\n");
  });

  it("keeps reading a multi-line edit until its end marker, and the next action after it", async () => {
    const { model, screen } = human([
      "edit 1:2\n    return 6\n",
      "\n# a blank line above is part of the edit\nend_of_edit\n",
      "validate\n",
    ]);
    assert.equal(
      await action(model),
      "edit 1:2\n    return 6\n\n# a blank line above is part of the edit\nend_of_edit\n",
    );
    assert.equal(await action(model), "validate\n");
    assert.equal(screen(), "obs\n> ... ... ... ... obs\n> ", "a prompt per line: `> ` first, `... ` after");
  });

  it("knows insert, start_multiline_command, and endings given to it", async () => {
    const { model } = human(
      "insert 3\nx = 1\nend_of_insert\nstart_multiline_command\nfor i in 1 2; do\n  echo $i\ndone\nend_multiline_command\n",
    );
    assert.equal(await action(model), "insert 3\nx = 1\nend_of_insert\n");
    assert.equal(await action(model), "for i in 1 2; do\n  echo $i\ndone\n");

    const custom = human("note a.txt\nhello\nEND_NOTE\nedit 1:1\n", { note: "END_NOTE" }).model;
    assert.equal(await action(custom), "note a.txt\nhello\nEND_NOTE\n");
    assert.equal(await action(custom), "edit 1:1\n", "edit is not multi-line with custom endings");
  });

  it("ignores blank lines and takes lines that arrive in pieces", async () => {
    const input = new PassThrough();
    const model = new HumanModel({ input, output: new PassThrough() });
    const answer = action(model);
    input.write("\n  \n");
    setTimeout(() => input.write("python tr"), 10);
    setTimeout(() => input.write("ain.py\r\n"), 20);
    assert.equal(await answer, "python train.py\n");
  });

  it("shows the whole conversation first, then only the newest message", async () => {
    const { model, screen } = human("ls\npwd\n");
    await model.query([{ role: "system", content: "SYSTEM PROMPT" }, user("TASK")]);
    await model.query([{ role: "system", content: "SYSTEM PROMPT" }, user("TASK"), user("OBSERVATION")]);
    assert.equal(screen(), "SYSTEM PROMPT\nTASK\n> OBSERVATION\n> ");
  });

  it("raises HumanInputClosedError at the end of the input, also in the middle of an edit", async () => {
    await assert.rejects(human("").model.query([user("obs")]), HumanInputClosedError);
    await assert.rejects(human("edit 1:1\nx = 1\n").model.query([user("obs")]), /input ended \(EOF\)/);
    const { model } = human("ls");
    assert.equal(await action(model), "ls\n", "a last line without a newline still counts");
    await assert.rejects(model.query([user("obs")]), HumanInputClosedError);
  });

  it("in an episode, the end of the input ends it with exit_error and an autosubmission", async () => {
    const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: 5 });
    const outputDir = mkdtempSync(join(tmpdir(), "mlgym-human-"));
    try {
      const { model } = human("cat strategy.py\n");
      const result = await runAgent({ env, model, config: loadAgentConfig(), outputDir });
      assert.equal(result.exitStatus, "autosubmission (exit_error)");
      assert.deepEqual(result.scores.at(-1), { Score: 7 });
    } finally {
      await env.close();
      rmSync(outputDir, { recursive: true, force: true });
    }
  });
});
