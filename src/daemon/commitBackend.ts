/**
 * `POST /commit` (docker commit) over the container engine and the image service, as moby's
 * daemon/commit.go: the request's config with the `--change` instructions applied, filled in
 * from the container's own config (moby's `merge`), the container paused for the copy when
 * asked (the default) and running, and a `commit` container event naming the new image.
 */
import type { CommitRequest } from "../api/backend.js";
import type { ContainerConfig } from "../api/types/container.js";
import { conflict, invalidArgument } from "../errors/EngineError.js";
import type { ContainerEngine } from "../engine/containers/ContainerEngine.js";
import { emit } from "../engine/containers/ContainerContext.js";
import { applyChanges } from "../image/archive/importChanges.js";
import { familiarString, formatReference, normalizeReference } from "../image/reference.js";
import type { ContainerDefaults } from "../oci/image.js";
import { imageEvent } from "./imageEvents.js";

export async function commitContainer(containers: ContainerEngine, req: CommitRequest): Promise<{ Id: string }> {
  const rec = containers.store.get(req.container);
  const reference = commitReference(req.repo, req.tag);
  if (rec.state.status === "dead") throw conflict(`You cannot commit container ${rec.id} which is Dead`);
  if (rec.state.status === "removing") throw conflict(`You cannot commit container ${rec.id} which is being removed`);
  // Applied on the request's config before the container's fills the gaps, as moby's
  // BuildFromConfig then merge: an ENTRYPOINT change thus drops the container's Cmd.
  const requested = applyChanges(defaultsOf(req.config ?? {}), req.changes);
  const config = mergeContainerConfig(requested, defaultsOf(rec.config));

  const pause = req.pause && rec.state.status === "running";
  if (pause) await containers.pause(rec.id);
  let image;
  try {
    image = await containers.ctx.engine.images.commitContainer(rec.id, {
      ...(reference ? { reference } : {}),
      changes: config,
      ...(req.comment ? { comment: req.comment } : {}),
      ...(req.author ? { author: req.author } : {}),
      createdBy: (rec.config.Cmd ?? []).join(" "),
    });
  } finally {
    // The container may have been stopped or removed meanwhile: nothing left to thaw then.
    if (pause) await containers.unpause(rec.id).catch(() => {});
  }
  // As Docker's layer store: the new layer is unpacked now (image sizes are the unpacked ones,
  // and the first container of the image starts without unpacking).
  await containers.ctx.engine.images.ensureUnpacked(image);
  // Events name the image as the user would (familiar form: "app:latest", not docker.io/library/...).
  const familiar = reference ? familiarString(normalizeReference(reference)) : "";
  emit(containers.ctx, rec, "commit", { comment: req.comment ?? "", imageID: image.id, imageRef: familiar });
  if (reference) containers.ctx.events.publish(imageEvent("tag", image.id, { name: familiar }));
  return { Id: image.id };
}

/** `repo` and `tag` as moby reads them: a tag without a repository is refused; no tag is "latest". */
export function commitReference(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) {
    if (tag) throw invalidArgument("commit container: tag is specified without a repository");
    return undefined;
  }
  const ref = normalizeReference(tag ? `${repo}:${tag}` : repo);
  if (ref.digest !== undefined) throw invalidArgument(`commit container: refusing to create a tag with a digest reference: ${repo}`);
  return formatReference(ref);
}

/** The image-config part of a container config (the rest stays with the container). */
function defaultsOf(c: ContainerConfig): ContainerDefaults {
  const d: ContainerDefaults = {};
  if (c.User) d.User = c.User;
  if (c.ExposedPorts) d.ExposedPorts = { ...c.ExposedPorts };
  if (c.Env) d.Env = [...c.Env];
  if (c.Entrypoint !== undefined) d.Entrypoint = c.Entrypoint === null ? null : [...c.Entrypoint];
  if (c.Cmd !== undefined) d.Cmd = c.Cmd === null ? null : [...c.Cmd];
  if (c.Volumes) d.Volumes = { ...c.Volumes };
  if (c.WorkingDir) d.WorkingDir = c.WorkingDir;
  if (c.Labels) d.Labels = { ...c.Labels };
  if (c.StopSignal) d.StopSignal = c.StopSignal;
  if (c.Healthcheck) d.Healthcheck = { ...c.Healthcheck };
  return d;
}

/** moby's daemon/commit.go merge(): the user's config, its gaps filled from the container's. */
export function mergeContainerConfig(user: ContainerDefaults, container: ContainerDefaults): ContainerDefaults {
  const out: ContainerDefaults = structuredClone(user);
  if (!out.User && container.User) out.User = container.User;
  if (container.ExposedPorts) out.ExposedPorts = { ...container.ExposedPorts, ...(out.ExposedPorts ?? {}) };
  if (!out.Env || out.Env.length === 0) {
    if (container.Env) out.Env = [...container.Env];
  } else {
    const keys = new Set(out.Env.map((e) => e.split("=")[0]));
    for (const e of container.Env ?? []) if (!keys.has(e.split("=")[0])) out.Env.push(e);
  }
  out.Labels = { ...(container.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) out.Cmd = container.Cmd ?? null;
    if (out.Entrypoint === undefined) out.Entrypoint = container.Entrypoint ?? null;
  }
  if (container.Healthcheck) {
    if (!out.Healthcheck) out.Healthcheck = { ...container.Healthcheck };
    else {
      const h = out.Healthcheck;
      const c = container.Healthcheck;
      if (!h.Test || h.Test.length === 0) h.Test = c.Test;
      if (!h.Interval) h.Interval = c.Interval;
      if (!h.Timeout) h.Timeout = c.Timeout;
      if (!h.StartPeriod) h.StartPeriod = c.StartPeriod;
      if (!h.Retries) h.Retries = c.Retries;
    }
  }
  if (!out.WorkingDir && container.WorkingDir) out.WorkingDir = container.WorkingDir;
  if (container.Volumes) out.Volumes = { ...(out.Volumes ?? {}), ...container.Volumes };
  if (!out.StopSignal && container.StopSignal) out.StopSignal = container.StopSignal;
  return out;
}
