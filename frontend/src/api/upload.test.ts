import { describe, expect, test } from "vitest";
import { ApiError, refusalOf } from "./client";
import { uploadForm } from "./upload";

describe("the upload's form", () => {
  test("a CSV sends its file, label column and task; a zip its size and colour", () => {
    const csv = uploadForm({ file: new File(["a,b\n1,x\n"], "t.csv"), label: "b", task: "classification" });
    expect((csv.get("file") as File).name).toBe("t.csv");
    expect(csv.get("label")).toBe("b");
    expect(csv.get("task")).toBe("classification");
    expect(csv.get("size")).toBeNull();
    const zip = uploadForm({ file: new File(["PK"], "p.zip"), size: 28, channels: 1 });
    expect(zip.get("size")).toBe("28");
    expect(zip.get("channels")).toBe("1");
    expect(zip.get("label")).toBeNull();
  });

  test("a refusal reads as the server's words and its errors", () => {
    const body = { detail: "t.csv: row 6, column 'y' is NaN", errors: [{ node: null, field: "file", message: "t.csv: row 6, column 'y' is NaN" }] };
    const error = refusalOf(422, "Unprocessable Entity", body);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("t.csv: row 6, column 'y' is NaN");
    expect(error.errors[0]?.field).toBe("file");
    expect(refusalOf(502, "Bad Gateway", null).message).toBe("502 Bad Gateway");
  });
});
