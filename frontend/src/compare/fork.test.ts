import { describe, expect, test } from "vitest";
import { DEFAULT_TRAINING } from "../state/setup";
import { OPTIMIZERS } from "../testing/fixtures";
import { forkBody, forkFields, forkValue, sourceText, type ForkField } from "./fork";

const fields = forkFields(OPTIMIZERS);
const field = (name: string) => fields.find((f) => f.name === name) as ForkField;

describe("the fork form", () => {
  test("offers the optimizer, every optimizer's hyperparameters once, then batch size, max steps, seed and pace", () => {
    expect(fields.map((f) => f.name)).toEqual([
      "optimizer", "lr", "momentum", "nesterov", "weight_decay", "alpha", "eps", "beta1", "beta2",
      "batch_size", "max_steps", "seed", "max_steps_per_s",
    ]);
    expect(field("optimizer")).toMatchObject({ kind: "choice", choices: ["sgd", "rmsprop", "adam", "adamw"] });
    expect(field("nesterov").kind).toBe("boolean");
    expect(field("lr")).toMatchObject({ kind: "number", integer: false, label: "learning rate" });
    expect(field("seed")).toMatchObject({ kind: "number", integer: true });
  });

  test("the value starts as the source's", () => {
    const training = { ...DEFAULT_TRAINING, optimizer: "sgd", lr: 0.05 };
    expect(sourceText(field("optimizer"), training)).toBe("sgd");
    expect(sourceText(field("lr"), training)).toBe("0.05");
    expect(sourceText(field("nesterov"), training)).toBe("false");
    expect(sourceText(field("optimizer"), undefined)).toBe("sgd");
  });

  test("text is read as the field's value, or said to be none", () => {
    expect(forkValue(field("optimizer"), "adam")).toEqual({ value: "adam" });
    expect(forkValue(field("optimizer"), "lbfgs")).toEqual({ problem: "no optimizer “lbfgs” on this server" });
    expect(forkValue(field("lr"), "0.1")).toEqual({ value: 0.1 });
    expect(forkValue(field("lr"), "fast")).toEqual({ problem: "learning rate must be a number" });
    expect(forkValue(field("batch_size"), "12.5")).toEqual({ problem: "batch size must be a whole number" });
    expect(forkValue(field("nesterov"), "true")).toEqual({ value: true });
  });

  test("the body changes one training field and says where the weights come from", () => {
    expect(forkBody("optimizer", "adam", "fresh")).toEqual({ training: { optimizer: "adam" }, weights: "fresh" });
    expect(forkBody("lr", 0.1, "current")).toEqual({ training: { lr: 0.1 }, weights: "current" });
  });
});
