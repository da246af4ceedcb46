/**
 * An in-memory test double of the API backends, for driving the API layer with real clients.
 * It is deliberately simple and honest: containers are records; a "running" container's process
 * is an echo loop (stdin bytes come back on stdout, the process exits when stdin ends); logs are
 * whatever chunks the test stored; wait resolves when the record's process ends.
 */
import { Readable } from "node:stream";
import type {
  AttachOptions, Backends, ChangeResult, ContainerBackend, ExecBackend, ImageBackend, LogStream,
  LogsOptions, OpenStreams, OutputChunk, PendingWait, StopOptions, SystemBackend, VolumeBackend,
} from "../../src/api/backend.js";
import type { ContainerCreateRequest, ContainerInspect, ContainerSummary, ContainerWaitResponse, StatsResponse, WaitCondition } from "../../src/api/types/container.js";
import type { ExecConfig, ExecInspect } from "../../src/api/types/exec.js";
import type { EngineInfo } from "../../src/api/types/system.js";
import type { Volume } from "../../src/api/types/volume.js";
import type { Filters } from "../../src/api/filters.js";
import type { ProgressFn } from "../../src/api/backend.js";
import { conflict, EngineError, notFound } from "../../src/errors/EngineError.js";
import type { PathStat } from "../../src/api/types/container.js";
import { lstat, mkdir, readlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { parseTimestamp } from "../../src/api/timestamps.js";

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  cmd: string[];
  tty: boolean;
  openStdin: boolean;
  labels: Record<string, string>;
  created: number;
  status: "created" | "running" | "exited";
  exitCode: number;
  logs: OutputChunk[];
  waiters: ((code: number) => void)[];
  startWaiters: (() => void)[];
  autoRemove: boolean;
}

/** The echo "process" exits with the code given as its first argument (`cat 3` exits 3). */
const exitCodeOf = (cmd: string[]) => Number.parseInt(cmd[1] ?? "0", 10) || 0;

interface FakeExec { id: string; containerId: string; config: ExecConfig; running: boolean; exitCode: number | null }

let seq = 0;
const hexId = () => (Date.now().toString(16) + (++seq).toString(16).padStart(8, "0")).padEnd(64, "0").slice(0, 64);

function notFoundContainer(id: string): EngineError {
  return notFound(`No such container: ${id}`);
}

/** Go's os.FileMode bits the docker CLI looks at (directory, symlink). */
const GO_MODE_DIR = 0x80000000;
const GO_MODE_SYMLINK = 0x08000000;

export class TestEngine {
  /** Container filesystems for the archive routes live under `root/<id>` (a test temp dir). */
  constructor(private readonly root: string | null = null) {}

  readonly containers = new Map<string, FakeContainer>();
  readonly execs = new Map<string, FakeExec>();
  readonly volumes = new Map<string, Volume>();
  /** Streams opened by attach/exec sessions still running (tests check they end). */
  openSessions = 0;

  add(c: Partial<FakeContainer> & { name: string }): FakeContainer {
    const full: FakeContainer = {
      id: hexId(), image: "busybox:latest", cmd: ["cat"], tty: false, openStdin: true, labels: {},
      created: Math.floor(Date.now() / 1000) - 60, status: "running", exitCode: 0, logs: [], waiters: [],
      startWaiters: [], autoRemove: false, ...c,
    };
    this.containers.set(full.id, full);
    return full;
  }

  find(idOrName: string): FakeContainer {
    for (const c of this.containers.values()) {
      if (c.id === idOrName || c.name === idOrName.replace(/^\//, "") || (idOrName.length >= 4 && c.id.startsWith(idOrName))) return c;
    }
    throw notFoundContainer(idOrName);
  }

  exit(c: FakeContainer, code: number): void {
    if (c.status !== "running") return;
    c.status = "exited";
    c.exitCode = code;
    if (c.autoRemove) this.containers.delete(c.id);
    for (const w of c.waiters.splice(0)) w(code);
  }

  summary(c: FakeContainer): ContainerSummary {
    return {
      Id: c.id, Names: ["/" + c.name], Image: c.image, ImageID: "sha256:" + "ab".repeat(32), Command: c.cmd.join(" "),
      Created: c.created, Ports: [{ PrivatePort: 80, Type: "tcp" }], Labels: c.labels, State: c.status,
      Status: c.status === "running" ? "Up 1 minute" : `Exited (${c.exitCode}) 1 minute ago`,
      HostConfig: { NetworkMode: "bridge" }, NetworkSettings: { Networks: {} }, Mounts: [],
    };
  }

  inspectOf(c: FakeContainer): ContainerInspect {
    return {
      Id: c.id, Created: new Date(c.created * 1000).toISOString(), Path: c.cmd[0] ?? "", Args: c.cmd.slice(1),
      State: {
        Status: c.status, Running: c.status === "running", Paused: false, Restarting: false, OOMKilled: false, Dead: false,
        Pid: c.status === "running" ? 4242 : 0, ExitCode: c.exitCode, Error: "", StartedAt: new Date().toISOString(), FinishedAt: "0001-01-01T00:00:00Z",
      },
      Image: "sha256:" + "ab".repeat(32), ResolvConfPath: "", HostnamePath: "", HostsPath: "", LogPath: "", Name: "/" + c.name,
      RestartCount: 0, Driver: "overlayfs", Platform: "linux", MountLabel: "", ProcessLabel: "", AppArmorProfile: "", ExecIDs: null,
      HostConfig: { NetworkMode: "bridge" }, GraphDriver: { Name: "overlayfs", Data: null }, Mounts: [],
      Config: { Hostname: c.id.slice(0, 12), Image: c.image, Cmd: c.cmd, Tty: c.tty, OpenStdin: c.openStdin, Labels: c.labels, Env: [] },
      NetworkSettings: { Bridge: "", SandboxID: "", SandboxKey: "", Ports: {}, Networks: {} },
    };
  }

  /** A path inside the container's directory; `..` cannot leave it. */
  pathIn(c: FakeContainer, path: string): string {
    if (!this.root) throw new EngineError("NotImplemented", "archive: this test engine has no filesystem root");
    const base = join(this.root, c.id);
    const full = resolve(base, "." + resolve("/", path));
    return full;
  }

  async rootfs(c: FakeContainer): Promise<string> {
    const dir = this.pathIn(c, "/");
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async statIn(c: FakeContainer, path: string): Promise<PathStat> {
    const full = this.pathIn(c, path);
    let st;
    try {
      st = await lstat(full);
    } catch {
      throw notFound(`Could not find the file ${path} in container ${c.name}`);
    }
    let mode = st.mode & 0o7777;
    if (st.isDirectory()) mode = (mode | GO_MODE_DIR) >>> 0; // >>> 0: JS bit operations are signed
    if (st.isSymbolicLink()) mode = (mode | GO_MODE_SYMLINK) >>> 0;
    return { name: basename(full), size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget: st.isSymbolicLink() ? await readlink(full) : "" };
  }

  /**
   * The echo process: copies stdin to stdout until stdin ends, then the process exits with
   * `code`. Without stdin it exits at once.
   */
  async echo(streams: ReturnType<OpenStreams>, signal: AbortSignal): Promise<void> {
    this.openSessions++;
    try {
      if (streams.stdin) {
        for await (const chunk of streams.stdin) {
          if (signal.aborted) break;
          if (streams.stdout && !streams.stdout.write(chunk)) await new Promise((r) => streams.stdout!.once("drain", r));
        }
      }
    } finally {
      this.openSessions--;
    }
  }

  backends(): Backends {
    return { system: this.system(), containers: this.containerBackend(), exec: this.execBackend(), images: this.imageBackend(), volumes: this.volumeBackend() };
  }

  private system(): SystemBackend {
    return {
      info: async (): Promise<EngineInfo> => {
        const all = [...this.containers.values()];
        return {
          ID: "BERTH:TEST", Containers: all.length, ContainersRunning: all.filter((c) => c.status === "running").length,
          ContainersPaused: 0, ContainersStopped: all.filter((c) => c.status !== "running").length, Images: 1,
          Driver: "overlayfs", DriverStatus: [["Backing Filesystem", "extfs"]], DockerRootDir: "/var/lib/berth",
          CgroupDriver: "cgroupfs", CgroupVersion: "1", Runtimes: { berth: { path: "berth-runtime" } }, DefaultRuntime: "berth",
          SecurityOptions: ["name=seccomp,profile=builtin"], LiveRestoreEnabled: true,
        };
      },
      diskUsage: async () => ({ LayersSize: 0, Images: [], Containers: [...this.containers.values()].map((c) => this.summary(c)), Volumes: [...this.volumes.values()], BuildCache: [] }),
      auth: async (cfg) => {
        if (cfg.password !== "secret") throw new EngineError("Forbidden", "login: wrong password");
        return { Status: "Login Succeeded" };
      },
      events: async (o, signal) => (async function* () {
        // One recorded event at t=1s; the stream follows (waits for the client) unless `until` is given.
        const ev = { Type: "container" as const, Action: "start", Actor: { ID: "x", Attributes: { name: "x" } }, scope: "local" as const, time: 1, timeNano: 1_000_000_000 };
        const since = parseTimestamp("since", o.since);
        const until = parseTimestamp("until", o.until);
        const inRange = (!since || since.seconds <= ev.time) && (!until || ev.time <= until.seconds);
        if (inRange) yield ev;
        if (o.until) return;
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      })(),
    };
  }

  private containerBackend(): ContainerBackend {
    const unsupported = (what: string) => async (): Promise<never> => { throw new EngineError("NotImplemented", `${what}: not part of the test engine`); };
    return {
      list: async (o) => {
        let list = [...this.containers.values()].filter((c) => o.all || c.status === "running");
        const names = o.filters.get("name");
        if (names) list = list.filter((c) => [...names].some((n) => c.name.includes(n)));
        if (o.limit) list = list.slice(0, o.limit);
        return list.map((c) => this.summary(c));
      },
      create: async (cfg: ContainerCreateRequest, o) => {
        if (o.name && [...this.containers.values()].some((c) => c.name === o.name)) throw conflict(`Conflict. The container name "/${o.name}" is already in use`);
        if (cfg.Image === "nosuchimage") throw notFound(`No such image: ${cfg.Image}`);
        const c = this.add({
          name: o.name ?? `c${seq}`, image: cfg.Image ?? "", cmd: cfg.Cmd ?? [], tty: cfg.Tty ?? false, openStdin: cfg.OpenStdin ?? false,
          status: "created", labels: cfg.Labels ?? {}, autoRemove: cfg.HostConfig?.AutoRemove ?? false,
        });
        return { Id: c.id, Warnings: [] };
      },
      inspect: async (id) => this.inspectOf(this.find(id)),
      start: async (id): Promise<ChangeResult> => {
        const c = this.find(id);
        if (c.status === "running") return "notModified";
        c.status = "running";
        for (const w of c.startWaiters.splice(0)) w();
        // Nobody attached: the echo process sees no stdin and exits at once.
        if (!c.openStdin) this.exit(c, exitCodeOf(c.cmd));
        return "done";
      },
      stop: async (id, _o: StopOptions): Promise<ChangeResult> => {
        const c = this.find(id);
        if (c.status !== "running") return "notModified";
        this.exit(c, 143);
        return "done";
      },
      restart: async (id) => { const c = this.find(id); this.exit(c, 143); c.status = "running"; },
      kill: async (id) => { const c = this.find(id); if (c.status !== "running") throw conflict(`Container ${id} is not running`); this.exit(c, 137); },
      remove: async (id, o) => {
        const c = this.find(id);
        if (c.status === "running" && !o.force) throw conflict(`cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
        this.exit(c, 137);
        this.containers.delete(c.id);
      },
      rename: async (id, n) => { this.find(id).name = n; },
      pause: unsupported("pause"), unpause: unsupported("unpause"), update: unsupported("update"),
      top: async (id) => { this.find(id); return { Titles: ["PID", "CMD"], Processes: [["4242", "cat"]] }; },
      changes: async () => [],
      prune: async () => ({ ContainersDeleted: null, SpaceReclaimed: 0 }),
      resize: async (id) => { this.find(id); },
      wait: async (id, condition: WaitCondition, signal): Promise<PendingWait> => {
        const c = this.find(id);
        if (condition === "not-running" && c.status !== "running") return { result: Promise.resolve({ StatusCode: c.exitCode, Error: null }) };
        return {
          result: new Promise<ContainerWaitResponse>((resolve) => {
            const waiter = (code: number) => resolve({ StatusCode: code, Error: null });
            c.waiters.push(waiter);
            // A waiter whose client left is dropped, as an engine must (no leak per abandoned wait).
            signal.addEventListener("abort", () => { c.waiters = c.waiters.filter((w) => w !== waiter); }, { once: true });
          }),
        };
      },
      logs: async (id, o: LogsOptions): Promise<LogStream> => {
        const c = this.find(id);
        const chunks = c.logs.filter((l) => (l.stream === "stdout" ? o.stdout : o.stderr));
        return { tty: c.tty, chunks: Readable.from(chunks) };
      },
      attach: async (id, o: AttachOptions, open, signal) => {
        const c = this.find(id);
        if (c.status === "exited") throw conflict(`You cannot attach to a stopped container, start it first`);
        const streams = open(c.tty);
        // `docker run -i` attaches before it starts the container: the session waits for the start.
        if (c.status === "created") await new Promise<void>((r) => c.startWaiters.push(r));
        await this.echo(streams, signal);
        this.exit(c, exitCodeOf(c.cmd));
      },
      stats: async (id, o, signal) => {
        const c = this.find(id);
        const sample = (n: number): StatsResponse => ({
          read: new Date(1_700_000_000_000 + n * 1000).toISOString(), preread: new Date(1_700_000_000_000 + (n - 1) * 1000).toISOString(),
          name: "/" + c.name, id: c.id, num_procs: 0, pids_stats: { current: 3, limit: 100 },
          cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 * n, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 8_000_000_000 * n, online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
          precpu_stats: { cpu_usage: { total_usage: 2_000_000_000 * (n - 1), usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 8_000_000_000 * (n - 1), online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
          memory_stats: { usage: 64 * 1024 * 1024, limit: 256 * 1024 * 1024, stats: { total_inactive_file: 0 } },
          blkio_stats: { io_service_bytes_recursive: null },
          networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000, rx_packets: 1, tx_packets: 2, rx_errors: 0, tx_errors: 0, rx_dropped: 0, tx_dropped: 0 } },
        });
        return (async function* () {
          for (let n = 1; !signal.aborted; n++) {
            yield sample(n);
            if (!o.stream) return;
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
      },
      export: async (id) => { this.find(id); return Readable.from([Buffer.from("not really a tar\n")]); },
      archiveStat: async (id, path) => this.statIn(this.find(id), path),
      archiveGet: async (id, path) => {
        const c = this.find(id);
        const stat = await this.statIn(c, path);
        const full = this.pathIn(c, path);
        return { stat, tar: tar.c({ cwd: dirname(full), portable: true }, [basename(full)]) as unknown as Readable };
      },
      archivePut: async (id, path, body) => {
        const c = this.find(id);
        const st = await this.statIn(c, path);
        if (((st.mode & GO_MODE_DIR) >>> 0) === 0) throw new EngineError("InvalidArgument", `extracting archive: ${path} is not a directory`);
        await pipeline(body, tar.x({ cwd: this.pathIn(c, path) }));
      },
    };
  }

  private execBackend(): ExecBackend {
    const findExec = (id: string) => {
      const e = this.execs.get(id);
      if (!e) throw notFound(`No such exec instance: ${id}`);
      return e;
    };
    return {
      create: async (cid, config) => {
        const c = this.find(cid);
        if (c.status !== "running") throw conflict(`container ${c.id} is not running`);
        const e: FakeExec = { id: hexId(), containerId: c.id, config, running: false, exitCode: null };
        this.execs.set(e.id, e);
        return { Id: e.id };
      },
      inspect: async (id): Promise<ExecInspect> => {
        const e = findExec(id);
        return {
          CanRemove: false, ContainerID: e.containerId, DetachKeys: "", ExitCode: e.exitCode, ID: e.id, OpenStderr: !!e.config.AttachStderr,
          OpenStdin: !!e.config.AttachStdin, OpenStdout: !!e.config.AttachStdout, Running: e.running, Pid: e.running ? 4343 : 0,
          ProcessConfig: { arguments: e.config.Cmd.slice(1), entrypoint: e.config.Cmd[0] ?? "", privileged: false, tty: !!e.config.Tty, user: "" },
        };
      },
      resize: async (id) => { findExec(id); },
      startDetached: async (id) => { const e = findExec(id); e.exitCode = 0; },
      start: async (id, _o, open, signal) => {
        const e = findExec(id);
        const streams = open(!!e.config.Tty);
        e.running = true;
        await this.echo({ stdin: e.config.AttachStdin ? streams.stdin : null, stdout: streams.stdout, stderr: streams.stderr }, signal);
        // The "command" reports on stderr and exits with the code named by its first argument.
        if (streams.stderr) streams.stderr.write(`exec ${e.config.Cmd.join(" ")} done\n`);
        e.running = false;
        e.exitCode = exitCodeOf(e.config.Cmd);
      },
    };
  }

  private imageBackend(): ImageBackend {
    const nope = async (): Promise<never> => { throw new EngineError("NotImplemented", "not part of the test engine"); };
    return {
      list: async () => [{ Id: "sha256:" + "ab".repeat(32), ParentId: "", RepoTags: ["busybox:latest"], RepoDigests: [], Created: 1700000000, Size: 1234567, SharedSize: -1, Labels: {}, Containers: -1 }],
      inspect: async (name) => { throw notFound(`No such image: ${name}`); },
      history: nope,
      pull: async (o, progress: ProgressFn) => {
        // The CLI sends normalized names (docker.io/library/alpine); match on the last part.
        const repo = o.fromImage.split("/").at(-1)!;
        if (repo === "missing") throw notFound(`pull access denied for ${repo}, repository does not exist or may require 'docker login'`);
        await progress({ status: `Pulling from library/${repo}`, id: o.tag ?? "latest" });
        await progress({ status: "Downloading", progressDetail: { current: 50, total: 100 }, id: "aaaa" });
        if (repo === "breaks") throw new EngineError("Unavailable", "pull: registry went away");
        await progress({ status: `Status: Downloaded newer image for ${repo}:${o.tag ?? "latest"}` });
      },
      import: nope, push: nope,
      tag: async () => {},
      remove: async (name) => [{ Untagged: name }],
      save: nope, load: nope,
      prune: async () => ({ ImagesDeleted: null, SpaceReclaimed: 0 }),
    };
  }

  private volumeBackend(): VolumeBackend {
    return {
      list: async (_f: Filters) => ({ Volumes: [...this.volumes.values()], Warnings: null }),
      create: async (r) => {
        const v: Volume = { Name: r.Name ?? hexId(), Driver: r.Driver ?? "local", Mountpoint: `/var/lib/berth/volumes/${r.Name}`, Labels: r.Labels ?? {}, Scope: "local", Options: r.DriverOpts ?? null };
        this.volumes.set(v.Name, v);
        return v;
      },
      inspect: async (n) => { const v = this.volumes.get(n); if (!v) throw notFound(`get ${n}: no such volume`); return v; },
      remove: async (n) => { if (!this.volumes.delete(n)) throw notFound(`get ${n}: no such volume`); },
      prune: async () => ({ VolumesDeleted: null, SpaceReclaimed: 0 }),
    };
  }
}
