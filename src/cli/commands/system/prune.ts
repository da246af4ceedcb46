import { requireArgs } from "../../commandKit.js";
import { confirm } from "../../confirm.js";
import { flagBool, parseFlags } from "../../flags.js";
import { humanSize } from "../../format.js";
import type { CliCommand } from "../../io.js";
import { EngineError } from "../../../errors/EngineError.js";

const USAGE = "system prune [OPTIONS]";

/** `berth system prune`: stopped containers, unused networks (if the daemon has them), images. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove unused data",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all", short: "a" }, { long: "force", short: "f" }, { long: "volumes" }], "system prune", { interspersed: true });
    requireArgs(p, "system prune", USAGE, { max: 0 });
    const all = flagBool(p, "all");
    const warning = `WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n${flagBool(p, "volumes") ? "  - all anonymous volumes not used by at least one container\n" : ""}  - ${all ? "all images without at least one container associated to them" : "all dangling images"}\n`;
    if (!flagBool(p, "force") && !(await confirm(ctx, warning))) return 0;
    const client = ctx.client();
    let reclaimed = 0;
    const c = await client.containers.prune();
    if (c.ContainersDeleted?.length) ctx.io.out(`Deleted Containers:\n${c.ContainersDeleted.join("\n")}\n\n`);
    reclaimed += c.SpaceReclaimed;
    try {
      const n = await client.networks.prune();
      if (n.NetworksDeleted?.length) ctx.io.out(`Deleted Networks:\n${n.NetworksDeleted.join("\n")}\n\n`);
    } catch (e) {
      if (!(e instanceof EngineError && e.kind === "NotImplemented")) throw e;
    }
    if (flagBool(p, "volumes")) {
      const v = await client.volumes.prune();
      if (v.VolumesDeleted?.length) ctx.io.out(`Deleted Volumes:\n${v.VolumesDeleted.join("\n")}\n\n`);
      reclaimed += v.SpaceReclaimed;
    }
    const i = await client.images.prune({ dangling: [all ? "false" : "true"] });
    const items = i.ImagesDeleted ?? [];
    if (items.length) ctx.io.out(`Deleted Images:\n${items.map((x) => (x.Untagged !== undefined ? `untagged: ${x.Untagged}` : `deleted: ${x.Deleted}`)).join("\n")}\n\n`);
    reclaimed += i.SpaceReclaimed;
    ctx.io.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
