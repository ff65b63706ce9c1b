import { describe, expect, test } from "vitest";
import { attachmentName } from "./download";

describe("attachmentName", () => {
  test("reads the quoted name the server sends", () => {
    expect(attachmentName('attachment; filename="spiral-mlp-1a2b3c4d.json"', "x.json")).toBe("spiral-mlp-1a2b3c4d.json");
  });

  test("reads a bare token and unescapes a quoted one", () => {
    expect(attachmentName("attachment; filename=weights.safetensors", "x")).toBe("weights.safetensors");
    expect(attachmentName('attachment; filename="a \\"b\\".json"; size=3', "x")).toBe('a "b".json');
  });

  test("prefers the RFC 5987 form, percent-decoded", () => {
    expect(attachmentName("attachment; filename=\"plain.json\"; filename*=UTF-8''caf%C3%A9.json", "x")).toBe("café.json");
    expect(attachmentName("attachment; filename*=UTF-8''%E0%A4%A.json; filename=ok.json", "x")).toBe("ok.json");
  });

  test("keeps only the last part of a path", () => {
    expect(attachmentName('attachment; filename="../../etc/run.json"', "x")).toBe("run.json");
    expect(attachmentName('attachment; filename="C:\\\\tmp\\\\run.json"', "x")).toBe("run.json");
  });

  test("falls back without a header or a usable name", () => {
    expect(attachmentName(null, "run.json")).toBe("run.json");
    expect(attachmentName("attachment", "run.json")).toBe("run.json");
    expect(attachmentName('attachment; filename=""', "run.json")).toBe("run.json");
    expect(attachmentName('attachment; filename="a/.."', "run.json")).toBe("run.json");
  });
});
