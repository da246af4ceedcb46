import { execFile } from "node:child_process";
import { closeSync, constants, openSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { internal } from "../../../errors/EngineError.js";
import { LauncherUnavailable, type ShimLauncher } from "../../../sys/shimLauncher.js";

const run = promisify(execFile);

export interface FifoStdio {
  /** The FIFOs, for a child that opens its ends itself (the launcher's `paths` stdio). */
  paths: [string, string, string];
  /** Our ends. */
  stdin: Socket;
  stdout: Socket;
  stderr: Socket;
  /** The child's ends opened here (blocking), for a spawn that passes fds. Closed by childStarted. */
  openChildFds(): [number, number, number];
  /** The child holds its ends now: drop our holds and the child's fds, unlink the FIFOs, so EOF works as with a pipe. */
  childStarted(): Promise<void>;
  /** Closes everything still open and removes the FIFOs (failure path). */
  destroy(): Promise<void>;
}

/**
 * Named pipes for an attached exec's stdio, as Docker/containerd use: with Node's own 'pipe'
 * stdio the process would get socketpairs, and `/dev/stdout` (open of /proc/self/fd/1) fails on
 * a socket with ENXIO. The FIFOs are made by the shim launcher when there is one (no fork of the
 * daemon for mkfifo(1)). Each is held open O_RDWR (which never blocks on Linux) until the child
 * has its ends, so neither side's open blocks and our reader sees no early EOF; our ends are
 * non-blocking.
 */
export async function fifoStdio(dir: string, launcher?: ShimLauncher): Promise<FifoStdio> {
  const paths = ["stdin", "stdout", "stderr"].map((n) => join(dir, `${n}.fifo`)) as [string, string, string];
  await makeFifos(paths, launcher);
  const opened = new Set<number>();
  const track = (fd: number) => (opened.add(fd), fd);
  const close = (fd: number) => {
    if (!opened.delete(fd)) return;
    try { closeSync(fd); } catch { /* already closed */ }
  };
  const unlinkAll = () => Promise.all(paths.map((p) => rm(p, { force: true }))).then(() => {});
  try {
    const holds = paths.map((p) => track(openSync(p, constants.O_RDWR)));
    const ours = [
      track(openSync(paths[0], constants.O_WRONLY | constants.O_NONBLOCK)),
      track(openSync(paths[1], constants.O_RDONLY | constants.O_NONBLOCK)),
      track(openSync(paths[2], constants.O_RDONLY | constants.O_NONBLOCK)),
    ];
    // The sockets own our ends from here on (destroying one closes its fd).
    for (const fd of ours) opened.delete(fd);
    const stdin = new Socket({ fd: ours[0], readable: false, writable: true });
    const stdout = new Socket({ fd: ours[1], readable: true, writable: false });
    const stderr = new Socket({ fd: ours[2], readable: true, writable: false });
    let childFds: number[] = [];
    const release = () => {
      for (const fd of [...holds, ...childFds]) close(fd);
    };
    return {
      paths, stdin, stdout, stderr,
      openChildFds() {
        childFds = [track(openSync(paths[0], constants.O_RDONLY)), track(openSync(paths[1], constants.O_WRONLY)), track(openSync(paths[2], constants.O_WRONLY))];
        return childFds as [number, number, number];
      },
      async childStarted() {
        release();
        // Three unlinks of ~10 µs, on every attached exec's path: synchronously (async, they cost
        // ~0.5 ms of thread-pool round trips before the start could go on).
        for (const p of paths) rmSync(p, { force: true });
      },
      async destroy() {
        release();
        stdin.destroy();
        stdout.destroy();
        stderr.destroy();
        await unlinkAll();
      },
    };
  } catch (err) {
    for (const fd of [...opened]) close(fd);
    await unlinkAll();
    throw err;
  }
}

async function makeFifos(paths: readonly string[], launcher: ShimLauncher | undefined): Promise<void> {
  try {
    if (launcher) {
      try {
        await launcher.mkfifo(paths, 0o600);
        return;
      } catch (e) {
        if (!(e instanceof LauncherUnavailable)) throw e;
      }
    }
    await run("mkfifo", ["-m", "600", ...paths]);
  } catch (e) {
    throw internal(`exec: create stdio fifos in ${paths[0] ? join(paths[0], "..") : "?"}: ${(e as Error).message}`, { cause: e });
  }
}
