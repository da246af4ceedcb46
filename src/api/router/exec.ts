/** Exec routes: create, start (hijacked unless detached), resize, inspect. */
import { invalidArgument } from "../../errors/EngineError.js";
import { mark } from "../../util/timingMarks.js";
import type { ExecBackend } from "../backend.js";
import type { ExecConfig, ExecStartRequest } from "../types/exec.js";
import { checkShape, requireObject } from "../validate.js";
import { runHijacked } from "./container-streams.js";
import { need, param, type ApiRouter } from "./support.js";

function consoleSize(v: unknown, action: string): [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n >= 0)) {
    throw invalidArgument(`${action}: field ConsoleSize must be two non-negative integers [height, width]`);
  }
  return [v[0], v[1]];
}

export function registerExecRoutes(router: ApiRouter, backend: ExecBackend | undefined): void {
  const b = () => need(backend, "exec sessions");

  router.add("POST", "/containers/{id}/exec", async (ctx) => {
    const body = requireObject(await ctx.json(), "create exec");
    checkShape(body, {
      AttachStdin: "boolean", AttachStdout: "boolean", AttachStderr: "boolean", ConsoleSize: "array",
      DetachKeys: "string", Tty: "boolean", Env: "string[]", Cmd: "string|string[]", Privileged: "boolean",
      User: "string", WorkingDir: "string",
    }, "create exec");
    const cmd = typeof body.Cmd === "string" ? [body.Cmd] : (body.Cmd as string[] | null | undefined) ?? [];
    if (cmd.length === 0) throw invalidArgument("No exec command specified");
    const config: ExecConfig = { ...(body as unknown as ExecConfig), Cmd: cmd, ConsoleSize: consoleSize(body.ConsoleSize, "create exec") ?? null };
    const r = await b().create(param(ctx, "id"), config);
    ctx.sendJson(201, { Id: r.Id });
  });

  router.add("POST", "/exec/{id}/start", async (ctx) => {
    const raw = await ctx.json();
    const body = (raw === undefined ? {} : raw) as ExecStartRequest;
    checkShape(body, { Detach: "boolean", Tty: "boolean", ConsoleSize: "array" }, "start exec");
    const size = consoleSize(body.ConsoleSize, "start exec");
    const id = param(ctx, "id");
    if (body.Detach) {
      await b().startDetached(id);
      return ctx.sendEmpty(200);
    }
    await runHijacked(ctx, { stdin: true, stdout: true, stderr: true }, (open) =>
      b().start(id, { tty: body.Tty ?? false, consoleSize: size }, open, ctx.signal));
    mark("exec start: session closed");
  });

  router.add("POST", "/exec/{id}/resize", async (ctx) => {
    const h = ctx.query.int("h");
    const w = ctx.query.int("w");
    if (h === undefined || w === undefined || h < 0 || w < 0) throw invalidArgument("resize exec: parameters h and w must be non-negative integers");
    await b().resize(param(ctx, "id"), h, w);
    ctx.sendEmpty(200);
  });

  router.add("GET", "/exec/{id}/json", async (ctx) => {
    ctx.sendJson(200, await b().inspect(param(ctx, "id")));
  });
}
