import { flagValue, parseFlags } from "../../flags.js";
import { renderObject } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { CLI_VERSION } from "../../main.js";
import type { Info } from "../../../api/types/system.js";

const USAGE = "info [OPTIONS]";

function serverText(i: Info): string {
  const l: string[] = [];
  l.push(` Containers: ${i.Containers}`, `  Running: ${i.ContainersRunning}`, `  Paused: ${i.ContainersPaused}`, `  Stopped: ${i.ContainersStopped}`);
  l.push(` Images: ${i.Images}`, ` Server Version: ${i.ServerVersion}`, ` Storage Driver: ${i.Driver}`);
  for (const [k, v] of i.DriverStatus ?? []) l.push(`  ${k}: ${v}`);
  l.push(` Logging Driver: ${i.LoggingDriver}`, ` Cgroup Driver: ${i.CgroupDriver}`, ` Cgroup Version: ${i.CgroupVersion}`);
  if (i.Plugins) l.push(" Plugins:", `  Volume: ${(i.Plugins.Volume ?? []).join(" ")}`, `  Network: ${(i.Plugins.Network ?? []).join(" ")}`, `  Log: ${(i.Plugins.Log ?? []).join(" ")}`);
  l.push(` Swarm: ${i.Swarm?.LocalNodeState ?? "inactive"}`);
  l.push(` Runtimes: ${Object.keys(i.Runtimes ?? {}).sort().join(" ")}`, ` Default Runtime: ${i.DefaultRuntime}`);
  if (i.SecurityOptions?.length) {
    l.push(" Security Options:");
    for (const o of i.SecurityOptions) {
      const kv = Object.fromEntries(o.split(",").map((x) => x.split("=") as [string, string]));
      l.push(`  ${kv.name ?? o}`);
      for (const [k, v] of Object.entries(kv)) if (k !== "name") l.push(`   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`);
    }
  }
  l.push(` Kernel Version: ${i.KernelVersion}`, ` Operating System: ${i.OperatingSystem}`, ` OSType: ${i.OSType}`, ` Architecture: ${i.Architecture}`);
  l.push(` CPUs: ${i.NCPU}`, ` Total Memory: ${(i.MemTotal / 1024 ** 3).toFixed(2)}GiB`, ` Name: ${i.Name}`, ` ID: ${i.ID}`);
  l.push(` Docker Root Dir: ${i.DockerRootDir}`, ` Debug Mode: ${i.Debug}`, ` Experimental: ${i.ExperimentalBuild}`);
  const insecure = i.RegistryConfig?.InsecureRegistryCIDRs ?? [];
  const hosts = Object.values(i.RegistryConfig?.IndexConfigs ?? {}).filter((x) => !x.Secure).map((x) => x.Name);
  if (hosts.length + insecure.length) l.push(" Insecure Registries:", ...[...hosts, ...insecure].map((h) => `  ${h}`));
  l.push(` Live Restore Enabled: ${i.LiveRestoreEnabled}`);
  return l.join("\n") + "\n";
}

/** `berth info`: docker's system-wide summary, or --format over the /info answer. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Display system-wide information",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }], "info", { interspersed: true });
    const info = await ctx.client().info();
    const format = flagValue(p, "format");
    if (format) {
      ctx.io.out(format === "json" ? `${JSON.stringify(info)}\n` : renderObject(format, info));
      return 0;
    }
    ctx.io.out(`Client:\n Version:    ${CLI_VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n${serverText(info)}`);
    for (const w of info.Warnings ?? []) ctx.io.err(`${w}\n`);
    return 0;
  },
};
