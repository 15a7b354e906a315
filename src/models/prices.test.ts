import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "./model.js";
import { builtinPrices, estimateTokens, findPrice, ModelPricing } from "./prices.js";

const user = (content: string): ChatMessage => ({ role: "user", content });

describe("findPrice", () => {
  it("matches exact names and dated snapshots of a base model, not other variants", () => {
    assert.equal(findPrice("gpt-4o")?.input, 2.5);
    assert.equal(findPrice("gpt-4o-2024-08-06")?.input, 2.5);
    assert.equal(findPrice("gpt-4o-2024-05-13")?.input, 5, "an exact snapshot entry wins");
    assert.equal(findPrice("gpt-4o-mini-2024-07-18")?.input, 0.15);
    assert.equal(findPrice("claude-sonnet-4-20250514")?.output, 15);
    assert.equal(findPrice("claude-3-5-sonnet-latest")?.maxOutputTokens, 8192);
    assert.equal(findPrice("claude-opus-4-1-20250805")?.input, 15);
    assert.equal(findPrice("gpt-4o-audio-preview"), undefined);
    assert.equal(findPrice("meta-llama/Llama-3.1-8B-Instruct"), undefined);
  });

  it("lays user prices over the table, keeping what they leave out", () => {
    const extra = { "gpt-4o": { input: 1, output: 4 }, "my-model": { input: 0.5, output: 1 } };
    assert.deepEqual(findPrice("gpt-4o-2024-11-20", extra), {
      ...builtinPrices["gpt-4o"],
      input: 1,
      output: 4,
    });
    assert.deepEqual(findPrice("my-model", extra), { input: 0.5, output: 1 });
  });

  it("gives every built-in model its output cap and context window", () => {
    for (const [name, price] of Object.entries(builtinPrices)) {
      assert.ok(price.input > 0 && price.output >= price.input, name);
      assert.ok(
        price.maxOutputTokens && price.contextWindow && price.maxOutputTokens < price.contextWindow,
        name,
      );
    }
  });
});

describe("estimateTokens", () => {
  it("counts about four characters a token for prose, plus message framing", () => {
    const text = "The baseline trains a small convolutional network for ten epochs. ".repeat(20);
    const estimate = estimateTokens([user(text)]);
    assert.ok(
      estimate >= text.length / 4 && estimate <= text.length / 3,
      `${estimate} for ${text.length} chars`,
    );
    assert.equal(estimateTokens([]), 3);
  });

  it("counts dense text (code, numbers) higher than four characters a token", () => {
    const code = "x[0]=f(a,b);y[1]=g(c,d);".repeat(50);
    assert.ok(estimateTokens([user(code)]) > code.length / 2.5);
    const digits = "0123456789".repeat(100);
    assert.ok(estimateTokens([user(digits)]) >= digits.length / 3);
  });
});

describe("estimateTokens, other scripts and tools", () => {
  it("counts letters of scripts without Latin word packing a token each, symbols a token a byte", () => {
    const han = "汉".repeat(1000);
    assert.ok(estimateTokens([user(han)]) >= 1000, "CJK: about a token a character or more");
    const cyrillic = "обучение ".repeat(100);
    assert.ok(estimateTokens([user(cyrillic)]) >= 800);
    assert.ok(estimateTokens([user("🙂".repeat(100))]) >= 400, "an emoji is up to four byte tokens");
  });

  it("counts the tool definitions sent with the prompt", () => {
    const tools = [
      { name: "edit", description: "Replace lines of the open file", parameters: { type: "object" } },
    ];
    const messages = [user("hello")];
    const withTools = estimateTokens(messages, tools);
    assert.ok(withTools >= estimateTokens(messages) + JSON.stringify(tools).length / 4);
    const pricing = new ModelPricing("m", { m: { input: 1, output: 1, maxOutputTokens: 10 } });
    assert.ok(pricing.maxCostUsd(messages, undefined, tools)! > pricing.maxCostUsd(messages)!);
  });
});

describe("ModelPricing", () => {
  const extra = { m: { input: 2, output: 10, maxOutputTokens: 1000, contextWindow: 10_000 } };
  const messages = [user("a".repeat(4000))]; // 1000 tokens + 4 framing + 3 priming
  const prompt = estimateTokens(messages);

  it("bounds the next call by prompt x input price + output cap x output price", () => {
    const pricing = new ModelPricing("m", extra);
    assert.equal(prompt, 1007);
    assert.equal(pricing.maxCostUsd(messages), (prompt * 2 + 1000 * 10) / 1e6);
    assert.equal(pricing.maxCostUsd(messages, 100), (prompt * 2 + 100 * 10) / 1e6);
  });

  it("costs a finished call from its usage, and nothing for unknown models", () => {
    assert.equal(new ModelPricing("m", extra).costUsd({ inputTokens: 500_000, outputTokens: 100_000 }), 2);
    const unknown = new ModelPricing("mystery");
    assert.equal(unknown.costUsd({ inputTokens: 1, outputTokens: 1 }), undefined);
    assert.equal(unknown.maxCostUsd(messages), undefined);
    assert.equal(unknown.outputCap(messages), undefined);
    assert.equal(unknown.outputCap(messages, undefined, 4096), 4096);
  });

  it("keeps the output cap inside what the context window leaves, but never below 1024", () => {
    const small = { m: { input: 1, output: 1, maxOutputTokens: 9500, contextWindow: 10_000 } };
    const pricing = new ModelPricing("m", small);
    assert.equal(pricing.outputCap(messages), 10_000 - prompt);
    assert.equal(pricing.outputCap([user("a".repeat(39_000))]), 1024);
    assert.equal(pricing.outputCap(messages, 500), 500);
    assert.equal(new ModelPricing("p", { p: { input: 1, output: 1 } }).outputCap(messages), 4096);
  });

  it("scales estimates up to the provider's token counts, never down", () => {
    const pricing = new ModelPricing("m", extra);
    pricing.observe(messages, prompt * 2);
    assert.equal(pricing.promptTokens(messages), prompt * 2);
    assert.equal(pricing.maxCostUsd(messages), (prompt * 2 * 2 + 1000 * 10) / 1e6);
    pricing.observe(messages, Math.floor(prompt / 2));
    assert.equal(pricing.promptTokens(messages), prompt);
  });
});
