import { z } from "zod";
import { parseWithSchema, readYamlFile } from "../config/yaml-file.js";
import type { ModelPrice } from "./prices.js";

const priceSchema = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    maxOutputTokens: z.number().int().positive().optional(),
    contextWindow: z.number().int().positive().optional(),
    fixedSampling: z.boolean().optional(),
  })
  .strict();

/** A user's price table (`--prices`): model name -> USD per million input/output tokens and optional limits. */
export const priceFileSchema = z.record(z.string(), priceSchema);

/** Reads a YAML or JSON price table; errors name the file and the model entry. */
export function readPriceFile(file: string): Record<string, ModelPrice> {
  return parseWithSchema(priceFileSchema, readYamlFile(file), file) as Record<string, ModelPrice>;
}
