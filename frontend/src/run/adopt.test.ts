import { describe, expect, test } from "vitest";
import { recallKey, rememberKey, runIdOf, withRunId, type KeyStorage } from "./adopt";

function memory(): KeyStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

describe("the run id in the URL", () => {
  const page = "http://127.0.0.1:8000/#s=eyJ2IjoxfQ";

  test("named beside the setup hash, which stays as it was", () => {
    const named = withRunId(page, "a1b2c3");
    expect(named).toBe("http://127.0.0.1:8000/?run=a1b2c3#s=eyJ2IjoxfQ");
    expect(runIdOf(named)).toBe("a1b2c3");
    expect(withRunId(named, "d4e5")).toBe("http://127.0.0.1:8000/?run=d4e5#s=eyJ2IjoxfQ");
    expect(withRunId(named, null)).toBe(page);
  });

  test("other query params are kept; no run named reads as none", () => {
    const named = withRunId("http://h/?lesson=3", "ab");
    expect(named).toBe("http://h/?lesson=3&run=ab");
    expect(withRunId(named, null)).toBe("http://h/?lesson=3");
    expect(runIdOf(page)).toBeNull();
  });

  test("what cannot be a run id is not looked up", () => {
    expect(runIdOf("http://h/?run=")).toBeNull();
    expect(runIdOf("http://h/?run=..%2Fhealth")).toBeNull();
    expect(runIdOf(`http://h/?run=${"a".repeat(65)}`)).toBeNull();
  });
});

describe("the key of the setup the tab's run was made from", () => {
  test("recalled for that run only", () => {
    const storage = memory();
    rememberKey(storage, "r1", '{"network":1}');
    expect(recallKey(storage, "r1")).toBe('{"network":1}');
    expect(recallKey(storage, "r2")).toBeNull();
  });

  test("forgotten with the run", () => {
    const storage = memory();
    rememberKey(storage, "r1", "k");
    rememberKey(storage, null, null);
    expect(storage.items.size).toBe(0);
    expect(recallKey(storage, "r1")).toBeNull();
  });

  test("damaged, missing or refusing storage: nothing recalled, nothing thrown", () => {
    const storage = memory();
    storage.items.set("layerlab.run", "{not json");
    expect(recallKey(storage, "r1")).toBeNull();
    storage.items.set("layerlab.run", JSON.stringify({ id: "r1", key: 3 }));
    expect(recallKey(storage, "r1")).toBeNull();
    expect(recallKey(null, "r1")).toBeNull();
    const refusing: KeyStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => undefined,
    };
    expect(() => rememberKey(refusing, "r1", "k")).not.toThrow();
    expect(recallKey(refusing, "r1")).toBeNull();
  });
});
