// The class this page is in, if any: the credentials that creating or joining a class
// answered (the token is shown once, so the page keeps it), kept in localStorage so that
// a reload stays in the class. The API client and the stream read the token from here;
// without credentials nothing is sent and the page works as it does outside a class.
import type { Credentials } from "../api/types";

/** Where the page keeps the class's credentials. */
export const CLASS_KEY = "layerlab.class";

export type ClassStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const ROLES: readonly string[] = ["teacher", "student"];
const FIELDS = ["class_id", "member_id", "name", "code", "token"] as const;

/** Credentials read back from storage, or null when the text is not a whole set of them. */
export function parseCredentials(text: string | null): Credentials | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!FIELDS.every((field) => typeof record[field] === "string" && record[field] !== "")) return null;
  if (typeof record.role !== "string" || !ROLES.includes(record.role)) return null;
  return {
    class_id: record.class_id as string,
    member_id: record.member_id as string,
    name: record.name as string,
    role: record.role as Credentials["role"],
    code: record.code as string,
    token: record.token as string,
  };
}

type Listener = (credentials: Credentials | null) => void;

/** The page's class credentials over a storage (none: kept for this page only). */
export class ClassCredentials {
  private value: Credentials | null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: ClassStorage | null) {
    let text: string | null = null;
    try {
      text = storage?.getItem(CLASS_KEY) ?? null;
    } catch {
      // Storage refused: outside a class until one is joined.
    }
    this.value = parseCredentials(text);
  }

  current(): Credentials | null {
    return this.value;
  }

  /** The token to send, or null outside a class. */
  token(): string | null {
    return this.value?.token ?? null;
  }

  /** Keep these credentials (null: forget them, leaving the class on this page). */
  set(credentials: Credentials | null): void {
    this.value = credentials;
    try {
      if (credentials === null) this.storage?.removeItem(CLASS_KEY);
      else this.storage?.setItem(CLASS_KEY, JSON.stringify(credentials));
    } catch {
      // Storage full or off: the class holds for this page until it is reloaded.
    }
    for (const listener of [...this.listeners]) listener(credentials);
  }

  /** Be told of every change; the returned function stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

function localStorageOrNull(): ClassStorage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

let shared: ClassCredentials | null = null;

/** The page's own credentials (localStorage), made on first use. */
export function classCredentials(): ClassCredentials {
  shared ??= new ClassCredentials(localStorageOrNull());
  return shared;
}

/** The headers that carry a token (none without one). */
export function authHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A websocket URL carrying the token as `?token=` (a browser cannot give a socket headers). */
export function withToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

/** The query parameter of a join link: `/?join=CODE`. */
export const JOIN_PARAM = "join";

/** The join code a URL carries, trimmed; null when none. */
export function joinCodeOf(href: string): string | null {
  const code = new URL(href).searchParams.get(JOIN_PARAM)?.trim() ?? "";
  return code === "" ? null : code;
}

/** The same URL (path, other params, hash) without its join code. */
export function withoutJoin(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(JOIN_PARAM);
  return url.toString();
}

/** The link students open to join: the page's own origin, `/?join=CODE`. */
export function joinLink(origin: string, code: string): string {
  return `${origin}/?${JOIN_PARAM}=${encodeURIComponent(code)}`;
}

/** Where the page keeps the classes this browser teaches: a teacher's token is shown once. */
export const TAUGHT_KEY = "layerlab.classes.taught";
/** How many taught classes are kept (the most recent). */
export const MAX_TAUGHT = 10;

/** The taught classes read back from storage: whole teacher credentials only, newest first, one per class. */
export function parseTaught(text: string | null): Credentials[] {
  if (text === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const kept: Credentials[] = [];
  for (const item of value) {
    const creds = parseCredentials(JSON.stringify(item));
    if (creds === null || creds.role !== "teacher" || kept.some((c) => c.class_id === creds.class_id)) continue;
    kept.push(creds);
    if (kept.length === MAX_TAUGHT) break;
  }
  return kept;
}

type TaughtListener = (classes: readonly Credentials[]) => void;

/**
 * The classes this browser teaches, over a storage: a teacher who leaves the page's class
 * comes back to it from here. Newest first, at most MAX_TAUGHT; an ended class is forgotten.
 */
export class TaughtClasses {
  private value: readonly Credentials[];
  private readonly listeners = new Set<TaughtListener>();

  constructor(private readonly storage: ClassStorage | null) {
    let text: string | null = null;
    try {
      text = storage?.getItem(TAUGHT_KEY) ?? null;
    } catch {
      // Storage refused: none until one is taught on this page.
    }
    this.value = parseTaught(text);
  }

  list(): readonly Credentials[] {
    return this.value;
  }

  /** Keep a teacher's credentials first in the list (a student's are not kept). */
  remember(credentials: Credentials): void {
    if (credentials.role !== "teacher") return;
    const first = this.value[0];
    if (first !== undefined && JSON.stringify(first) === JSON.stringify(credentials)) return;
    this.save([credentials, ...this.value.filter((c) => c.class_id !== credentials.class_id)].slice(0, MAX_TAUGHT));
  }

  /** Forget a class (it has ended, or its token no longer opens it). */
  forget(classId: string): void {
    if (!this.value.some((c) => c.class_id === classId)) return;
    this.save(this.value.filter((c) => c.class_id !== classId));
  }

  subscribe(listener: TaughtListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private save(next: readonly Credentials[]): void {
    this.value = next;
    try {
      if (next.length === 0) this.storage?.removeItem(TAUGHT_KEY);
      else this.storage?.setItem(TAUGHT_KEY, JSON.stringify(next));
    } catch {
      // Storage full or off: the list holds for this page until it is reloaded.
    }
    for (const listener of [...this.listeners]) listener(next);
  }
}

let taught: TaughtClasses | null = null;

/** The classes this browser teaches (localStorage), made on first use. */
export function taughtClasses(): TaughtClasses {
  taught ??= new TaughtClasses(localStorageOrNull());
  return taught;
}

/** A host name only this machine reaches: 127.0.0.0/8, localhost, ::1. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The join links the teacher's panel shows. */
export interface JoinLinks {
  /** The link students should open. */
  main: string;
  /** The page's own link when it is not the main one (opened at loopback: only this machine reaches it). */
  local: string | null;
  /** The server's other addresses. */
  others: string[];
  /** Opened at loopback with no other address: no other machine can open the link. */
  localOnly: boolean;
}

/**
 * Which join link to show first. A page opened at a loopback origin (127.0.0.1) makes a link
 * no student's machine can open: then the first of the addresses the server says other
 * machines reach it at (`join_urls`; null: not read yet) is the main one.
 */
export function joinLinks(origin: string, code: string, joinUrls: readonly string[] | null): JoinLinks {
  const own = joinLink(origin, code);
  const others = [...new Set((joinUrls ?? []).map((base) => joinLink(base.replace(/\/+$/, ""), code)))].filter((link) => link !== own);
  const loopback = isLoopback(new URL(origin).hostname);
  const [first, ...rest] = others;
  if (loopback && first !== undefined) return { main: first, local: own, others: rest, localOnly: false };
  return { main: own, local: null, others, localOnly: loopback && joinUrls !== null && others.length === 0 };
}
