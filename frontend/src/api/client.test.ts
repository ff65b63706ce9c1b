import { afterEach, describe, expect, it, vi } from "vitest";
import { classCredentials } from "../classroom/credentials";
import { api, streamUrl } from "./client";
import type { Credentials } from "./types";

const TEACHER: Credentials = { class_id: "c1", member_id: "m1", name: "Kim", role: "teacher", code: "K7QH2M", token: "s3cr+t" };

function answering(body: unknown) {
  const fetchMock = vi.fn((_path: string, _init: RequestInit) => Promise.resolve(new Response(JSON.stringify(body), { status: 200 })));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const headersOf = (mock: ReturnType<typeof answering>, call = 0) => mock.mock.calls[call]?.[1].headers as Record<string, string>;

afterEach(() => {
  classCredentials().set(null);
  vi.unstubAllGlobals();
});

describe("the client outside a class", () => {
  it("sends no token", async () => {
    const mock = answering({ status: "ok" });
    await api.health();
    expect(headersOf(mock)).toEqual({});
    await api.createRun({} as never);
    expect(headersOf(mock, 1)).toEqual({ "content-type": "application/json" });
    expect(streamUrl("r1", { protocol: "http:", host: "h:8000" })).toBe("ws://h:8000/api/runs/r1/stream");
  });
});

describe("the client in a class", () => {
  it("sends the page's token on every request, and on the stream", async () => {
    classCredentials().set(TEACHER);
    const mock = answering([]);
    await api.listRuns(10, 0);
    expect(headersOf(mock)).toEqual({ authorization: "Bearer s3cr+t" });
    await api.control("r1", "step", 2);
    expect(headersOf(mock, 1)).toEqual({ authorization: "Bearer s3cr+t", "content-type": "application/json" });
    expect(streamUrl("r1", { protocol: "https:", host: "h" })).toBe("wss://h/api/runs/r1/stream?token=s3cr%2Bt");
  });

  it("stops sending it once the class is left", async () => {
    classCredentials().set(TEACHER);
    classCredentials().set(null);
    const mock = answering({ status: "ok" });
    await api.health();
    expect(headersOf(mock)).toEqual({});
  });

  it("asks the class's endpoints", async () => {
    const mock = answering(TEACHER);
    await api.joinClass({ code: "K7QH2M", name: "Ada" });
    await api.getClass("c/1");
    await api.endClass("c1");
    expect(mock.mock.calls.map(([path, init]) => `${init.method} ${path}`)).toEqual([
      "POST /api/classes/join",
      "GET /api/classes/c%2F1",
      "POST /api/classes/c1/end",
    ]);
  });
});

describe("run exports", () => {
  it("fetch with the token and take the server's file name", async () => {
    classCredentials().set(TEACHER);
    const headers = { "content-disposition": 'attachment; filename="spiral-1a2b3c4d.safetensors"' };
    const mock = vi.fn((_path: string, _init: RequestInit) => Promise.resolve(new Response(new Uint8Array([8, 0]), { status: 200, headers })));
    vi.stubGlobal("fetch", mock);
    const file = await api.exportRun("1a2b3c4d-e5f6", "safetensors");
    expect(mock.mock.calls[0]?.[0]).toBe("/api/runs/1a2b3c4d-e5f6/export?format=safetensors");
    expect(headersOf(mock)).toEqual({ authorization: "Bearer s3cr+t" });
    expect(file.name).toBe("spiral-1a2b3c4d.safetensors");
    expect(file.blob.size).toBe(2);
  });

  it("name the file after the run without a header, and say the server's refusal", async () => {
    answering({ version: 1 });
    expect((await api.exportRun("1a2b3c4d-e5f6", "spec")).name).toBe("run-1a2b3c4d.json");
    const detail = "the run has no saved weights yet; start it, then export them";
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify({ detail }), { status: 409 })));
    await expect(api.exportRun("r1", "safetensors")).rejects.toMatchObject({ status: 409, message: detail });
  });
});
