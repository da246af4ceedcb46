import { randomBytes } from "node:crypto";
import { mergeHealthcheck, validateHealthcheck } from "../health/healthConfig.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { ContainerConfig, ContainerCreateOptions, ContainerCreateRequest, ContainerCreateResponse, HostConfig } from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import { invalidArgument, notImplemented } from "../../errors/EngineError.js";
import type { ContainerDefaults } from "../../oci/image.js";
import { Rollback } from "../../util/rollback.js";
import { parseSignal } from "../../runtime/signals.js";
import { containerArgs } from "../containerCommand.js";
import { shortId } from "../containerSpec.js";
import { etcPaths, hostsText, type EtcFiles } from "../etcFiles.js";
import { containerDir } from "../paths.js";
import { buildSpec } from "./buildSpec.js";
import { checkNetworking } from "./containerNetwork.js";
import { emit, nowNano, rfc3339Nano, type ContainerContext } from "./ContainerContext.js";
import { ZERO_TIME, type ContainerRecord } from "./ContainerRecord.js";
import { logLimits } from "./logOptions.js";
import { generateName, normalizeName } from "./names.js";
import { containerUserns } from "./usernsContainer.js";
import { validateRestartPolicy } from "./restartPolicy.js";
import { containerVolumes } from "../volumes/createVolumes.js";
import { volumesFrom } from "../volumes/volumesFrom.js";
import { checkPidTarget, pinContainerTargets } from "./sharedNamespaces.js";
import { mark } from "../../util/timingMarks.js";
import { CONFIG_FILE, LOG_FILE, type PremadeDirs } from "./premadeDirs.js";

/**
 * POST /containers/create: checks the request the way moby does (image must exist — a NotFound
 * makes the CLI pull and retry —, bad values are InvalidArgument), merges the image's defaults
 * into Config as Docker shows them, prepares the writable snapshot and the bundle directory
 * (hosts, hostname, resolv.conf, config.json) and records the container as `created`.
 */
export async function createContainer(ctx: ContainerContext, req: ContainerCreateRequest, opts: ContainerCreateOptions, premade?: PremadeDirs): Promise<ContainerCreateResponse> {
  const { engine, store } = ctx;
  if (!req.Image) throw invalidArgument("create container: Config.Image is required");
  const image = engine.images.resolve(req.Image);
  if (opts.platform && !opts.platform.startsWith(`${image.platform.os}/${image.platform.architecture}`)) {
    throw invalidArgument(`image with reference ${req.Image} was found but its platform (${image.platform.os}/${image.platform.architecture}) does not match the specified platform (${opts.platform})`);
  }
  const name = opts.name ? normalizeName(opts.name) : generateName((n) => store.nameTaken(n));
  if (store.nameTaken(name)) throw store.nameConflict(name);
  mark("create: image resolved, name");
  const imageConfig = await engine.images.imageConfig(image);
  const { HostConfig: hcIn, NetworkingConfig: netIn, ...cfgIn } = req;
  const config = mergeImageConfig(cfgIn, imageConfig.config ?? {});
  const hostConfig = normalizeHostConfig(hcIn ?? {});
  // moby: every published port is an exposed one.
  for (const port of Object.keys(hostConfig.PortBindings ?? {})) config.ExposedPorts = { ...(config.ExposedPorts ?? {}), [port]: {} };
  mark("create: image config");
  const net = checkNetworking(ctx, cfgIn, config, hostConfig, defaultRekeyed(netIn?.EndpointsConfig));
  // moby: a container on the host's network takes the host's name unless given one.
  if (hostConfig.NetworkMode === "host" && !config.Hostname) config.Hostname = hostname();
  // Path/Args from Entrypoint+Cmd with Docker's override rules ("No command specified").
  const argv = containerArgs(imageConfig.config, { cmd: cfgIn.Cmd ?? undefined, entrypoint: cfgIn.Entrypoint ?? undefined });
  if (config.StopSignal) parseSignal(config.StopSignal);
  logLimits(hostConfig.LogConfig);
  // --volumes-from: the sources' mount points, copied once, at create (moby's registerMountPoints).
  const copied = volumesFrom((n) => store.get(n), hostConfig);
  checkPidTarget(ctx, hostConfig);
  pinContainerTargets(ctx, hostConfig);

  mark("create: validated");
  let id = randomBytes(32).toString("hex");
  // A new id must not look like an existing name's prefix target: retry on the (improbable) clash.
  while (store.has(id) || store.nameTaken(id.slice(0, 12))) id = randomBytes(32).toString("hex");
  const dir = containerDir(engine.paths, id);
  const rec: ContainerRecord = {
    id, name, created: rfc3339Nano(nowNano()), image: req.Image, imageId: image.id, config, hostConfig,
    path: argv[0], args: argv.slice(1),
    state: { status: "created", pid: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, oomKilled: false, error: "" },
    restartCount: 0, dir, logPath: join(dir, LOG_FILE), owner: "",
  };
  if (net.endpoints) rec.endpoints = net.endpoints;
  const warnings: string[] = [...net.warnings];
  const rb = new Rollback();
  try {
    // The container's directory and its small files are made synchronously (one syscall of
    // ~0.1 ms each, where an async call costs a thread-pool round trip apiece and a recursive
    // mkdir chains three) while the snapshot's directories are made in the thread pool; or
    // they were made ahead (premadeDirs.ts) and only the hostname is written.
    const ahead = premade?.take(dir) ?? false;
    if (!ahead) mkdirSync(dir, { recursive: true, mode: 0o700 });
    rb.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    mark("create: dir made");
    const snapshotReady = engine.images.prepareRootfs(id, image).then(() => {
      rb.add(`remove the rootfs snapshot of ${id}`, () => engine.images.removeContainerRootfs(id));
    });
    let etcFiles: EtcFiles;
    try {
      // The /etc files get their content at start (addresses exist only then); they exist from now.
      if (ahead) etcFiles = fillPremadeEtcFiles(dir, config.Hostname || shortId(id));
      else {
        mkdirSync(join(dir, "rootfs"), { mode: 0o700 });
        etcFiles = createEtcFiles(dir, config.Hostname || shortId(id));
      }
    } catch (e) {
      await snapshotReady.catch(() => {}); // so the rollback knows whether to remove it
      throw e;
    }
    mark("create: etc files");
    await snapshotReady;
    mark("create: snapshot prepared");
    rec.volumes = await containerVolumes(ctx, rec, rb, copied);
    if (copied.binds.length > 0) rec.copiedBinds = copied.binds;
    mark("create: volumes");
    // Every HostConfig problem surfaces now, not at start. The user is resolved at start (it
    // needs the mounted rootfs) and the network namespace made then, so the bundle's
    // config.json is rewritten then.
    const network = hostConfig.NetworkMode === "host" ? "host" : "none";
    const userns = containerUserns(ctx.userns, hostConfig, config.Labels);
    const { spec, warnings: w } = buildSpec({ rec, image: imageConfig, rootfs: join(dir, "rootfs"), user: { uid: 0, gid: 0, additionalGids: [] }, etcFiles, network, creating: true, userns, init: ctx.init });
    mark("create: spec built");
    warnings.push(...w);
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(spec), { mode: 0o600 });
    mark("create: config written");
    store.insert(rec);
    mark("create: inserted");
    rb.commit();
  } catch (e) {
    return rb.run(e, `create container ${name}`);
  }
  emit(ctx, rec, "create");
  return { Id: id, Warnings: warnings };
}

/**
 * The /etc files of a new container (writeEtcFiles's layout: Docker's hosts header, the
 * hostname, an empty resolv.conf), written synchronously like the rest of the create's small
 * files; start rewrites them in place once the addresses exist.
 */
function createEtcFiles(dir: string, hostname: string): EtcFiles {
  const files = etcPaths(dir);
  writeFileSync(files.hosts, hostsText([]), { mode: 0o644 });
  writeFileSync(files.hostname, hostname + "\n", { mode: 0o644 });
  writeFileSync(files.resolvConf, "", { mode: 0o644 });
  return files;
}

/** The /etc files of a set made ahead: they exist, with the hosts header; only the hostname is this container's. */
function fillPremadeEtcFiles(dir: string, hostname: string): EtcFiles {
  const files = etcPaths(dir);
  writeFileSync(files.hostname, hostname + "\n");
  return files;
}

/** Docker shows the image's defaults in the container's Config (moby daemon/commit.go merge). */
function mergeImageConfig(user: ContainerConfig, img: ContainerDefaults): ContainerConfig {
  const out: ContainerConfig = { ...user };
  if (!out.User && img.User) out.User = img.User;
  if (!out.WorkingDir && img.WorkingDir) out.WorkingDir = img.WorkingDir;
  if (!out.StopSignal && img.StopSignal) out.StopSignal = img.StopSignal;
  if ((!out.Entrypoint || out.Entrypoint.length === 0) && (!out.Cmd || out.Cmd.length === 0)) {
    out.Entrypoint = img.Entrypoint ?? null;
    out.Cmd = img.Cmd ?? null;
  } else if (out.Entrypoint === undefined || out.Entrypoint === null) {
    out.Entrypoint = img.Entrypoint ?? null;
  }
  // Env: the image's, overridden key by key by the user's.
  const env = new Map<string, string>();
  for (const e of [...(img.Env ?? []), ...(user.Env ?? [])]) env.set(e.split("=", 1)[0], e);
  out.Env = [...env.values()];
  out.Labels = { ...(img.Labels ?? {}), ...(user.Labels ?? {}) };
  if (img.ExposedPorts) out.ExposedPorts = { ...img.ExposedPorts, ...(user.ExposedPorts ?? {}) } as Record<string, Record<string, never>>;
  if (img.Volumes) out.Volumes = { ...img.Volumes, ...(user.Volumes ?? {}) } as Record<string, Record<string, never>>;
  const health = mergeHealthcheck(user.Healthcheck, img.Healthcheck);
  validateHealthcheck(health);
  if (health) out.Healthcheck = health;
  out.Image = user.Image;
  out.Hostname ??= "";
  out.Domainname ??= "";
  out.User ??= "";
  out.AttachStdin ??= false;
  out.AttachStdout ??= false;
  out.AttachStderr ??= false;
  out.Tty ??= false;
  out.OpenStdin ??= false;
  out.StdinOnce ??= false;
  out.WorkingDir ??= "";
  out.OnBuild ??= null;
  return out;
}

/** The endpoint config the CLI keys "default" belongs to the "bridge" network (moby's create). */
function defaultRekeyed(eps: Record<string, EndpointSettings> | undefined): Record<string, EndpointSettings> | undefined {
  if (!eps || !("default" in eps)) return eps;
  const { default: def, ...rest } = eps;
  return { ...rest, bridge: def };
}

function normalizeHostConfig(hc: HostConfig): HostConfig {
  const out: HostConfig = { ...hc };
  // moby: "default" (what the CLI sends without --network) is the default bridge, said so.
  if (!out.NetworkMode || out.NetworkMode === "default") out.NetworkMode = "bridge";
  out.LogConfig = { Type: hc.LogConfig?.Type || "json-file", Config: { ...(hc.LogConfig?.Config ?? {}) } };
  out.RestartPolicy = { Name: hc.RestartPolicy?.Name || "no", MaximumRetryCount: hc.RestartPolicy?.MaximumRetryCount ?? 0 };
  validateRestartPolicy(out.RestartPolicy);
  // moby: an unset IPC mode is the daemon's default, "private", and inspect shows it so.
  if (!out.IpcMode) out.IpcMode = "private";
  if (out.AutoRemove && out.RestartPolicy.Name !== "no") throw invalidArgument("can't create 'AutoRemove' container with restart policy");
  // On the default bridge (and host/none/container: modes) a link means /etc/hosts entries and
  // ALIAS_* variables, which berth does not write: refused rather than ignored. On a
  // user-defined network a link is a DNS alias of the linked container for this container only.
  const mode = out.NetworkMode;
  const legacyMode = mode === "bridge" || mode === "host" || mode === "none" || mode.startsWith("container:");
  if (out.Links && out.Links.length > 0 && legacyMode) throw notImplemented("legacy container links (--link) on the default bridge are not supported by berth: put the containers on a user-defined network and use names or --network-alias");
  return out;
}
