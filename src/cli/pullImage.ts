/** Pulling with progress, shared by `pull`, and by `run`/`create` when the image is missing. */
import { parseReference } from "../image/reference.js";
import type { CliContext, OutStream } from "./io.js";
import { displayProgress } from "./progressDisplay.js";
import { authFor } from "./registryAuth.js";

/** Splits `name[:tag][@digest]` into what POST /images/create takes (tag "latest" by default). */
export function pullParams(image: string): { fromImage: string; tag: string } {
  const ref = parseReference(image);
  const name = ref.domain === "docker.io" ? ref.path.replace(/^library\//, "") : `${ref.domain}/${ref.path}`;
  if (ref.digest) return { fromImage: name, tag: ref.digest };
  return { fromImage: name, tag: ref.tag ?? "latest" };
}

export async function pullWithProgress(ctx: CliContext, image: string, o: { platform?: string; out: OutStream; quiet?: boolean }): Promise<void> {
  const { fromImage, tag } = pullParams(image);
  const auth = await authFor(ctx.configDir, image);
  const messages = await ctx.client().images.pull(fromImage, { tag, ...(o.platform ? { platform: o.platform } : {}), ...(auth ? { auth } : {}) });
  if (o.quiet) {
    for await (const _ of messages) { /* drain: errors still surface */ }
    return;
  }
  await displayProgress(messages, o.out);
}
