import { describe, expect, test } from "vitest";
import { OPTIMIZERS } from "../testing/fixtures";
import { describeBounds, numberBounds, withinBounds } from "./schema";
import { fieldLabel, fieldTestId, hyperparameterFields } from "./training";

describe("the training panel's fields come from the optimizer registry", () => {
  test("each optimizer's hyperparameters, in its schema's order, with the page's test ids", () => {
    const names = (name: string) => hyperparameterFields(OPTIMIZERS.find((o) => o.name === name)).map((f) => f.testId);
    expect(names("sgd")).toEqual(["lr-input", "momentum-input", "nesterov-input", "weight-decay-input"]);
    expect(names("rmsprop")).toEqual(["lr-input", "momentum-input", "alpha-input", "eps-input", "weight-decay-input"]);
    expect(names("adam")).toEqual(["lr-input", "beta1-input", "beta2-input", "eps-input", "weight-decay-input"]);
    expect(hyperparameterFields(undefined)).toEqual([]);
  });

  test("numbers carry the schema's bounds and default; booleans are checkboxes", () => {
    const [lr, , nesterov] = hyperparameterFields(OPTIMIZERS[0]);
    expect(lr).toMatchObject({ kind: "number", label: "learning rate", default: 0.01 });
    expect(nesterov).toMatchObject({ kind: "boolean", label: "Nesterov", default: false });
    if (lr?.kind !== "number") throw new Error("lr is a number");
    expect(withinBounds(0, lr.bounds)).toBe(false);
    expect(withinBounds(1e-9, lr.bounds)).toBe(true);
    expect(withinBounds(10, lr.bounds)).toBe(true);
    expect(withinBounds(10.5, lr.bounds)).toBe(false);
    expect(describeBounds(lr.bounds)).toBe("a number above 0 and at most 10");
  });

  test("labels and test ids", () => {
    expect(fieldTestId("weight_decay")).toBe("weight-decay-input");
    expect(fieldLabel("weight_decay", { title: "Weight Decay" })).toBe("weight decay");
    expect(fieldLabel("beta1", {})).toBe("beta1");
    expect(fieldLabel("eps", { title: "Epsilon" })).toBe("Epsilon");
  });
});

describe("number bounds", () => {
  test("inclusive, exclusive, integers", () => {
    const batch = numberBounds({ type: "integer", minimum: 1, maximum: 4096 });
    expect(describeBounds(batch)).toBe("a whole number from 1 to 4096");
    expect(withinBounds(1.5, batch)).toBe(false);
    expect(withinBounds(4096, batch)).toBe(true);
    const momentum = numberBounds({ type: "number", minimum: 0, exclusiveMaximum: 1 });
    expect(withinBounds(1, momentum)).toBe(false);
    expect(withinBounds(0.999, momentum)).toBe(true);
    expect(describeBounds(momentum)).toBe("a number at least 0 and below 1");
    expect(describeBounds(numberBounds({ type: "number" }))).toBe("a number");
    expect(withinBounds(Number.NaN, numberBounds({ type: "number" }))).toBe(false);
  });
});
