/**
 * POST /containers/create the docker CLI's way: a missing image is pulled (progress on stderr,
 * after "Unable to find image ... locally") and the create retried; --pull always|never too.
 */
import type { ContainerCreateResponse } from "../api/types/container.js";
import { EngineError } from "../errors/EngineError.js";
import { flagError } from "./errors.js";
import type { CreatePlan } from "./containerConfig.js";
import type { CliContext } from "./io.js";
import { pullWithProgress } from "./pullImage.js";

function imageWithTag(image: string): string {
  const lastSlash = image.lastIndexOf("/");
  return image.includes("@") || image.slice(lastSlash + 1).includes(":") ? image : `${image}:latest`;
}

export async function createContainer(ctx: CliContext, plan: CreatePlan, o: { pull: string; quiet: boolean; command: string }): Promise<ContainerCreateResponse> {
  if (!["missing", "always", "never"].includes(o.pull)) throw flagError(`invalid pull option: '${o.pull}': must be one of "always", "missing" or "never"`, o.command);
  const client = ctx.client();
  const opts = { ...(plan.name !== undefined ? { name: plan.name } : {}), ...(plan.platform ? { platform: plan.platform } : {}) };
  const pull = () => pullWithProgress(ctx, plan.image, { out: ctx.stderr, quiet: o.quiet, ...(plan.platform ? { platform: plan.platform } : {}) });
  if (o.pull === "always") await pull();
  try {
    return await client.containers.create(plan.body, opts);
  } catch (e) {
    const missingImage = e instanceof EngineError && e.kind === "NotFound" && /image/i.test(e.message) && !/container/i.test(e.message);
    if (!missingImage || o.pull !== "missing") throw e;
    ctx.io.err(`Unable to find image '${imageWithTag(plan.image)}' locally\n`);
    await pull();
    return client.containers.create(plan.body, opts);
  }
}

/** Warnings the daemon returned with the create, printed like docker does. */
export function printWarnings(ctx: CliContext, warnings: readonly string[] | null | undefined): void {
  for (const w of warnings ?? []) ctx.io.err(`WARNING: ${w}\n`);
}
