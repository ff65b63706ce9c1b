// Start `layerlab serve` for the browser tests: a free port, a fresh data directory,
// one torch thread; stop it (and remove the directory) afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "..", "..");

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stop the server; the data directory is removed unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  log(): string;
}

export interface ServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: a fresh temporary directory. */
  dataDir?: string;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/** The command that runs the server: LAYERLAB_E2E_SERVER, else the repo's .venv, else python3 -m server.cli. */
function serverCommand(): string[] {
  const custom = process.env.LAYERLAB_E2E_SERVER;
  if (custom) return custom.split(" ").filter(Boolean);
  const venv = join(REPO, ".venv", "bin", "layerlab");
  if (existsSync(venv)) return [venv];
  return ["python3", "-m", "server.cli"];
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer /api/health within ${timeoutMs} ms:\n${log()}`);
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  if (!existsSync(join(REPO, "frontend", "dist", "index.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` before the browser tests");
  }
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "layerlab-e2e-"));
  const [command, ...args] = serverCommand();
  let output = "";
  const child = spawn(
    command as string,
    [...args, "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--device", "cpu"],
    {
      cwd: REPO,
      env: { ...process.env, LAYERLAB_TORCH_THREADS: process.env.LAYERLAB_TORCH_THREADS ?? "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async ({ keepData = false }: { keepData?: boolean } = {}): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => output, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, dataDir, stop, log: () => output };
}
