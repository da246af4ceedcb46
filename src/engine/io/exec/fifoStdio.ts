import { execFile } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { internal } from "../../../errors/EngineError.js";

const run = promisify(execFile);

export interface FifoStdio {
  /** The ends the process gets as fds 0, 1, 2 (blocking). Close them once it was spawned. */
  childFds: [number, number, number];
  /** Our ends. */
  stdin: Socket;
  stdout: Socket;
  stderr: Socket;
  closeChildFds(): void;
  /** Closes everything still open (failure path). */
  destroy(): void;
}

/**
 * Named pipes for an attached exec's stdio, as Docker/containerd use: with Node's own 'pipe'
 * stdio the process would get socketpairs, and `/dev/stdout` (open of /proc/self/fd/1) fails on
 * a socket with ENXIO. Each FIFO is opened without blocking: first O_RDWR (never blocks on Linux)
 * so the other ends can be opened at once, then closed, so EOF works as with a pipe. The FIFO
 * files are removed once open.
 */
export async function fifoStdio(dir: string): Promise<FifoStdio> {
  const paths = ["stdin", "stdout", "stderr"].map((n) => join(dir, `${n}.fifo`));
  try {
    await run("mkfifo", ["-m", "600", ...paths]);
  } catch (e) {
    throw internal(`exec: create stdio fifos in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const opened: number[] = [];
  const track = (fd: number) => (opened.push(fd), fd);
  try {
    const pair = (path: string, childReads: boolean): { ours: number; theirs: number } => {
      const hold = openSync(path, constants.O_RDWR);
      try {
        const reader = track(openSync(path, constants.O_RDONLY | (childReads ? 0 : constants.O_NONBLOCK)));
        const writer = track(openSync(path, constants.O_WRONLY | (childReads ? constants.O_NONBLOCK : 0)));
        return childReads ? { ours: writer, theirs: reader } : { ours: reader, theirs: writer };
      } finally {
        closeSync(hold);
      }
    };
    const i = pair(paths[0]!, true);
    const o = pair(paths[1]!, false);
    const e = pair(paths[2]!, false);
    await rm(paths[0]!, { force: true });
    await rm(paths[1]!, { force: true });
    await rm(paths[2]!, { force: true });
    const stdin = new Socket({ fd: i.ours, readable: false, writable: true });
    const stdout = new Socket({ fd: o.ours, readable: true, writable: false });
    const stderr = new Socket({ fd: e.ours, readable: true, writable: false });
    let childOpen = true;
    const closeChildFds = () => {
      if (!childOpen) return;
      childOpen = false;
      for (const fd of [i.theirs, o.theirs, e.theirs]) closeSync(fd);
    };
    return {
      childFds: [i.theirs, o.theirs, e.theirs], stdin, stdout, stderr, closeChildFds,
      destroy() {
        closeChildFds();
        stdin.destroy();
        stdout.destroy();
        stderr.destroy();
      },
    };
  } catch (err) {
    for (const fd of opened) try { closeSync(fd); } catch { /* already closed */ }
    await Promise.all(paths.map((p) => rm(p, { force: true })));
    throw err;
  }
}
