import { describe, expect, it, vi } from "vitest";
import type { Credentials } from "../api/types";
import {
  authHeaders,
  CLASS_KEY,
  ClassCredentials,
  isLoopback,
  joinCodeOf,
  joinLink,
  joinLinks,
  MAX_TAUGHT,
  parseCredentials,
  parseTaught,
  TAUGHT_KEY,
  TaughtClasses,
  withoutJoin,
  withToken,
  type ClassStorage,
} from "./credentials";

const STUDENT: Credentials = { class_id: "c1", member_id: "m2", name: "Ada", role: "student", code: "K7QH2M", token: "tok+/=" };

function memory(initial: Record<string, string> = {}): ClassStorage & { items: Record<string, string> } {
  const items = { ...initial };
  return {
    items,
    getItem: (k) => items[k] ?? null,
    setItem: (k, v) => {
      items[k] = v;
    },
    removeItem: (k) => {
      delete items[k];
    },
  };
}

describe("parseCredentials", () => {
  it("reads back what was stored", () => {
    expect(parseCredentials(JSON.stringify(STUDENT))).toEqual(STUDENT);
  });

  it("refuses anything but a whole set of credentials", () => {
    expect(parseCredentials(null)).toBeNull();
    expect(parseCredentials("not json")).toBeNull();
    expect(parseCredentials("[]")).toBeNull();
    expect(parseCredentials(JSON.stringify({ ...STUDENT, token: "" }))).toBeNull();
    expect(parseCredentials(JSON.stringify({ ...STUDENT, role: "admin" }))).toBeNull();
    const partial: Partial<Credentials> = { ...STUDENT };
    delete partial.code;
    expect(parseCredentials(JSON.stringify(partial))).toBeNull();
  });

  it("keeps only the fields it knows", () => {
    expect(parseCredentials(JSON.stringify({ ...STUDENT, extra: 1 }))).toEqual(STUDENT);
  });
});

describe("ClassCredentials", () => {
  it("starts from storage, keeps, tells and forgets", () => {
    const storage = memory({ [CLASS_KEY]: JSON.stringify(STUDENT) });
    const creds = new ClassCredentials(storage);
    expect(creds.current()).toEqual(STUDENT);
    expect(creds.token()).toBe("tok+/=");

    const seen = vi.fn();
    const stop = creds.subscribe(seen);
    const teacher: Credentials = { ...STUDENT, role: "teacher", member_id: "m1", token: "t2" };
    creds.set(teacher);
    expect(seen).toHaveBeenLastCalledWith(teacher);
    expect(JSON.parse(storage.items[CLASS_KEY] ?? "null")).toEqual(teacher);

    creds.set(null);
    expect(creds.token()).toBeNull();
    expect(storage.items[CLASS_KEY]).toBeUndefined();
    expect(seen).toHaveBeenLastCalledWith(null);

    stop();
    creds.set(STUDENT);
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it("outside a class sends nothing, and works without storage", () => {
    const creds = new ClassCredentials(null);
    expect(creds.token()).toBeNull();
    creds.set(STUDENT);
    expect(creds.token()).toBe("tok+/=");
  });

  it("survives a storage that throws", () => {
    const broken: ClassStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("full");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const creds = new ClassCredentials(broken);
    expect(creds.current()).toBeNull();
    creds.set(STUDENT);
    expect(creds.current()).toEqual(STUDENT);
  });
});

describe("the token on the wire", () => {
  it("is a bearer header, or no header", () => {
    expect(authHeaders("abc")).toEqual({ authorization: "Bearer abc" });
    expect(authHeaders(null)).toEqual({});
  });

  it("is a query parameter on a stream, escaped", () => {
    expect(withToken("ws://h:1/api/runs/r1/stream", "a+b/c=")).toBe("ws://h:1/api/runs/r1/stream?token=a%2Bb%2Fc%3D");
    expect(withToken("ws://h/x?y=1", "t")).toBe("ws://h/x?y=1&token=t");
    expect(withToken("ws://h/x", null)).toBe("ws://h/x");
  });
});

describe("join links", () => {
  it("read the code and leave it out again, keeping the rest", () => {
    const href = "http://127.0.0.1:8000/?join=%20K7QH2M%20&run=r1#s=abc";
    expect(joinCodeOf(href)).toBe("K7QH2M");
    expect(withoutJoin(href)).toBe("http://127.0.0.1:8000/?run=r1#s=abc");
    expect(joinCodeOf("http://h/?join=")).toBeNull();
    expect(joinCodeOf("http://h/")).toBeNull();
  });

  it("are made on the page's origin", () => {
    expect(joinLink("http://192.168.1.5:8000", "K7QH2M")).toBe("http://192.168.1.5:8000/?join=K7QH2M");
  });
});

const teacherOf = (n: number): Credentials => ({ class_id: `c${n}`, member_id: `t${n}`, name: "Ms Kim", role: "teacher", code: `CODE${n}`, token: `tok${n}` });

describe("TaughtClasses", () => {
  it("keeps teachers' credentials newest first, one per class, and forgets a class", () => {
    const storage = memory();
    const taught = new TaughtClasses(storage);
    expect(taught.list()).toEqual([]);
    const seen = vi.fn();
    taught.subscribe(seen);

    taught.remember(teacherOf(1));
    taught.remember(teacherOf(2));
    taught.remember(STUDENT); // a student's token is not a class to go back to as its teacher
    expect(taught.list().map((c) => c.class_id)).toEqual(["c2", "c1"]);

    taught.remember({ ...teacherOf(1), token: "new" }); // again: first, and with its newest token
    expect(taught.list().map((c) => c.token)).toEqual(["new", "tok2"]);
    expect(parseTaught(storage.items[TAUGHT_KEY] ?? null)).toEqual(taught.list());
    expect(seen).toHaveBeenCalledTimes(3);

    taught.remember({ ...teacherOf(1), token: "new" }); // the same first: nothing to write
    expect(seen).toHaveBeenCalledTimes(3);

    taught.forget("c1");
    taught.forget("unknown");
    expect(taught.list().map((c) => c.class_id)).toEqual(["c2"]);
    taught.forget("c2");
    expect(storage.items[TAUGHT_KEY]).toBeUndefined();
    expect(seen).toHaveBeenCalledTimes(5);
  });

  it("is bounded to the last ten, and a reload reads them back", () => {
    const storage = memory();
    const taught = new TaughtClasses(storage);
    for (let n = 1; n <= MAX_TAUGHT + 3; n++) taught.remember(teacherOf(n));
    expect(taught.list()).toHaveLength(MAX_TAUGHT);
    expect(taught.list()[0]?.class_id).toBe(`c${MAX_TAUGHT + 3}`);
    expect(taught.list().some((c) => c.class_id === "c3")).toBe(false);
    expect(new TaughtClasses(storage).list()).toEqual(taught.list());
  });

  it("is kept apart from the page's class: leaving it leaves the taught list", () => {
    const storage = memory();
    const creds = new ClassCredentials(storage);
    const taught = new TaughtClasses(storage);
    creds.set(teacherOf(1));
    taught.remember(teacherOf(1));
    creds.set(null);
    expect(storage.items[CLASS_KEY]).toBeUndefined();
    expect(new TaughtClasses(storage).list()).toEqual([teacherOf(1)]);
  });

  it("reads only whole teachers' credentials back, and survives a storage that throws", () => {
    expect(parseTaught(null)).toEqual([]);
    expect(parseTaught("not json")).toEqual([]);
    expect(parseTaught(JSON.stringify(teacherOf(1)))).toEqual([]);
    const stored = [teacherOf(1), STUDENT, { ...teacherOf(2), token: "" }, 7, teacherOf(1), teacherOf(3)];
    expect(parseTaught(JSON.stringify(stored))).toEqual([teacherOf(1), teacherOf(3)]);
    const tooMany = Array.from({ length: 14 }, (_, i) => teacherOf(i));
    expect(parseTaught(JSON.stringify(tooMany))).toHaveLength(MAX_TAUGHT);

    const broken: ClassStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("full");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const taught = new TaughtClasses(broken);
    taught.remember(teacherOf(1));
    expect(taught.list()).toEqual([teacherOf(1)]);
    taught.forget("c1");
    expect(taught.list()).toEqual([]);
  });
});

describe("the join link shown", () => {
  it("knows which hosts only this machine reaches", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "app.localhost", "[::1]", "::1"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["192.168.1.5", "10.0.0.2", "example.org", "[fe80::1]", "127.0.0.1.example.org"]) expect(isLoopback(host)).toBe(false);
  });

  it("at a loopback origin is the first address other machines reach, the local one beside it", () => {
    expect(joinLinks("http://127.0.0.1:8000", "K7QH2M", ["http://192.168.1.5:8000/", "http://10.0.0.2:8000"])).toEqual({
      main: "http://192.168.1.5:8000/?join=K7QH2M",
      local: "http://127.0.0.1:8000/?join=K7QH2M",
      others: ["http://10.0.0.2:8000/?join=K7QH2M"],
      localOnly: false,
    });
    expect(joinLinks("http://[::1]:8000", "K7QH2M", ["http://192.168.1.5:8000"]).main).toBe("http://192.168.1.5:8000/?join=K7QH2M");
  });

  it("at a loopback origin without other addresses stays local, and says only this computer opens it", () => {
    const local = "http://localhost:8000/?join=K7QH2M";
    expect(joinLinks("http://localhost:8000", "K7QH2M", [])).toEqual({ main: local, local: null, others: [], localOnly: true });
    // Before the class is read, nothing is said yet.
    expect(joinLinks("http://localhost:8000", "K7QH2M", null)).toEqual({ main: local, local: null, others: [], localOnly: false });
  });

  it("elsewhere is the page's own, the server's other addresses beside it", () => {
    expect(joinLinks("http://192.168.1.5:8000", "K7QH2M", ["http://192.168.1.5:8000", "http://10.0.0.2:8000"])).toEqual({
      main: "http://192.168.1.5:8000/?join=K7QH2M",
      local: null,
      others: ["http://10.0.0.2:8000/?join=K7QH2M"],
      localOnly: false,
    });
    expect(joinLinks("https://lab.example.org", "K7QH2M", []).localOnly).toBe(false);
  });
});
