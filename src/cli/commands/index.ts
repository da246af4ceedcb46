/**
 * The command table. Each entry loads its module on demand (dynamic import), so starting the
 * CLI parses only main.ts, this table and the one command being run.
 */
import type { CliCommand } from "../io.js";

export interface CommandEntry {
  summary: string;
  load(): Promise<{ command: CliCommand }>;
}

const c = {
  attach: { summary: "Attach local standard input, output, and error streams to a running container", load: () => import("./container/attach.js") },
  commit: { summary: "Create a new image from a container's changes", load: () => import("./container/commit.js") },
  cp: { summary: "Copy files/folders between a container and the local filesystem", load: () => import("./container/cp.js") },
  create: { summary: "Create a new container", load: () => import("./container/create.js") },
  diff: { summary: "Inspect changes to files or directories on a container's filesystem", load: () => import("./container/diff.js") },
  exec: { summary: "Execute a command in a running container", load: () => import("./container/exec.js") },
  export: { summary: "Export a container's filesystem as a tar archive", load: () => import("./container/export.js") },
  inspect: { summary: "Display detailed information on one or more containers", load: () => import("./container/inspect.js") },
  kill: { summary: "Kill one or more running containers", load: () => import("./container/kill.js") },
  logs: { summary: "Fetch the logs of a container", load: () => import("./container/logs.js") },
  ls: { summary: "List containers", load: () => import("./container/ps.js") },
  pause: { summary: "Pause all processes within one or more containers", load: () => import("./container/pause.js") },
  port: { summary: "List port mappings or a specific mapping for the container", load: () => import("./container/port.js") },
  prune: { summary: "Remove all stopped containers", load: () => import("./container/prune.js") },
  rename: { summary: "Rename a container", load: () => import("./container/rename.js") },
  restart: { summary: "Restart one or more containers", load: () => import("./container/restart.js") },
  rm: { summary: "Remove one or more containers", load: () => import("./container/rm.js") },
  run: { summary: "Create and run a new container from an image", load: () => import("./container/run.js") },
  start: { summary: "Start one or more stopped containers", load: () => import("./container/start.js") },
  stats: { summary: "Display a live stream of container(s) resource usage statistics", load: () => import("./container/stats.js") },
  stop: { summary: "Stop one or more running containers", load: () => import("./container/stop.js") },
  top: { summary: "Display the running processes of a container", load: () => import("./container/top.js") },
  unpause: { summary: "Unpause all processes within one or more containers", load: () => import("./container/unpause.js") },
  wait: { summary: "Block until one or more containers stop, then print their exit codes", load: () => import("./container/wait.js") },
} satisfies Record<string, CommandEntry>;

const i = {
  history: { summary: "Show the history of an image", load: () => import("./image/history.js") },
  import: { summary: "Import the contents from a tarball to create a filesystem image", load: () => import("./image/import.js") },
  inspect: { summary: "Display detailed information on one or more images", load: () => import("./image/inspect.js") },
  load: { summary: "Load an image from a tar archive or STDIN", load: () => import("./image/load.js") },
  ls: { summary: "List images", load: () => import("./image/ls.js") },
  prune: { summary: "Remove unused images", load: () => import("./image/prune.js") },
  pull: { summary: "Download an image from a registry", load: () => import("./image/pull.js") },
  push: { summary: "Upload an image to a registry", load: () => import("./image/push.js") },
  rm: { summary: "Remove one or more images", load: () => import("./image/rm.js") },
  save: { summary: "Save one or more images to a tar archive (streamed to STDOUT by default)", load: () => import("./image/save.js") },
  tag: { summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", load: () => import("./image/tag.js") },
} satisfies Record<string, CommandEntry>;

const s = {
  df: { summary: "Show docker disk usage", load: () => import("./system/df.js") },
  events: { summary: "Get real time events from the server", load: () => import("./system/events.js") },
  info: { summary: "Display system-wide information", load: () => import("./system/info.js") },
  prune: { summary: "Remove unused data", load: () => import("./system/prune.js") },
} satisfies Record<string, CommandEntry>;

const n = {
  connect: { summary: "Connect a container to a network", load: () => import("./network/connect.js") },
  create: { summary: "Create a network", load: () => import("./network/create.js") },
  disconnect: { summary: "Disconnect a container from a network", load: () => import("./network/disconnect.js") },
  inspect: { summary: "Display detailed information on one or more networks", load: () => import("./network/inspect.js") },
  ls: { summary: "List networks", load: () => import("./network/ls.js") },
  prune: { summary: "Remove all unused networks", load: () => import("./network/prune.js") },
  rm: { summary: "Remove one or more networks", load: () => import("./network/rm.js") },
} satisfies Record<string, CommandEntry>;

const v = {
  create: { summary: "Create a volume", load: () => import("./volume/create.js") },
  inspect: { summary: "Display detailed information on one or more volumes", load: () => import("./volume/inspect.js") },
  ls: { summary: "List volumes", load: () => import("./volume/ls.js") },
  prune: { summary: "Remove unused local volumes", load: () => import("./volume/prune.js") },
  rm: { summary: "Remove one or more volumes", load: () => import("./volume/rm.js") },
} satisfies Record<string, CommandEntry>;

/** `berth container <verb>`, `berth image <verb>`, `berth network <verb>`, `berth system <verb>`, `berth volume <verb>`. */
export const GROUPS: Record<string, { summary: string; commands: Record<string, CommandEntry> }> = {
  container: { summary: "Manage containers", commands: { ...c, list: c.ls, ps: c.ls } },
  image: { summary: "Manage images", commands: { ...i, list: i.ls, rmi: i.rm } },
  network: { summary: "Manage networks", commands: { ...n, list: n.ls, remove: n.rm } },
  system: { summary: "Manage Docker", commands: s },
  volume: { summary: "Manage volumes", commands: { ...v, list: v.ls, remove: v.rm } },
};

/** Top-level verbs (docker's shortcuts). */
export const TOP_LEVEL: Record<string, CommandEntry> = {
  run: c.run, create: c.create, start: c.start, stop: c.stop, kill: c.kill, restart: c.restart, rm: c.rm,
  ps: c.ls, logs: c.logs, exec: c.exec, wait: c.wait, top: c.top, cp: c.cp, rename: c.rename, pause: c.pause,
  unpause: c.unpause, stats: c.stats, port: c.port, diff: c.diff, export: c.export, commit: c.commit, attach: c.attach,
  images: i.ls, pull: i.pull, push: i.push, tag: i.tag, rmi: i.rm, save: i.save, load: i.load, import: i.import,
  history: i.history, info: s.info, events: s.events,
  inspect: { summary: "Return low-level information on Docker objects", load: () => import("./system/inspect.js") },
  version: { summary: "Show the Docker version information", load: () => import("./system/version.js") },
  login: { summary: "Log in to a registry", load: () => import("./registry/login.js") },
  logout: { summary: "Log out from a registry", load: () => import("./registry/logout.js") },
};
