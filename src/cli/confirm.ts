/** docker's prune prompt: "Are you sure you want to continue? [y/N]", answered on stdin. */
import type { CliContext } from "./io.js";

export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.io.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      if (buf.includes("\n")) done();
    };
    const done = () => {
      ctx.stdin.off("data", onData);
      ctx.stdin.off("end", done);
      ctx.stdin.pause();
      resolve(buf.split("\n")[0]!.trim());
    };
    ctx.stdin.on("data", onData);
    ctx.stdin.once("end", done);
    ctx.stdin.resume();
  });
  return /^y(es)?$/i.test(line);
}
