import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { invalidArgument, internal } from "../../errors/EngineError.js";

export interface TopResult { Titles: string[]; Processes: string[][] }

const CLK_TCK = 100;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * `docker top`: with no ps_args, the `ps -ef` columns (UID PID PPID C STIME TTY TIME CMD)
 * computed from /proc for the container's pids; with ps_args, the host's `ps` run with them and
 * its rows filtered to the container's pids by the PID column, as Docker does.
 */
export async function containerTop(pids: readonly number[], psArgs?: string): Promise<TopResult> {
  if (psArgs !== undefined && psArgs.trim() !== "" && psArgs.trim() !== "-ef") return hostPsTop(pids, psArgs);
  const boot = await bootTimeSec();
  const users = await hostUserNames();
  const rows: string[][] = [];
  for (const pid of pids) {
    const row = await procRow(pid, boot, users);
    if (row) rows.push(row);
  }
  return { Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], Processes: rows };
}

async function procRow(pid: number, bootSec: number, users: Map<number, string>): Promise<string[] | null> {
  let stat: string, status: string, cmdline: string;
  try {
    [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/status`, "utf8"), readFile(`/proc/${pid}/cmdline`, "utf8"),
    ]);
  } catch {
    return null; // exited meanwhile
  }
  const close = stat.lastIndexOf(")");
  const comm = stat.slice(stat.indexOf("(") + 1, close);
  const f = stat.slice(close + 2).split(" "); // f[0] is field 3 (state)
  if (f[0] === "Z" && cmdline === "") return null;
  const ppid = f[1]!;
  const ttyNr = Number(f[4]);
  const cpuTicks = Number(f[11]) + Number(f[12]);
  const startSec = bootSec + Number(f[19]) / CLK_TCK;
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? "0");
  const nowSec = Date.now() / 1000;
  const elapsed = Math.max(nowSec - startSec, 1e-3);
  const c = Math.min(99, Math.floor((cpuTicks / CLK_TCK / elapsed) * 100));
  const args = cmdline.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1);
  return [users.get(uid) ?? String(uid), String(pid), ppid, String(c), stime(startSec, nowSec), ttyName(ttyNr), cpuTime(cpuTicks / CLK_TCK), args.length ? args.join(" ") : `[${comm}]`];
}

/** ps's STIME: HH:MM today, MonDD this year, else the year. */
function stime(startSec: number, nowSec: number): string {
  const d = new Date(startSec * 1000);
  const now = new Date(nowSec * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (nowSec - startSec < 24 * 3600 && d.getDate() === now.getDate()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.getFullYear() === now.getFullYear()) return `${MONTHS[d.getMonth()]}${pad(d.getDate())}`;
  return String(d.getFullYear());
}

function cpuTime(sec: number): string {
  const s = Math.floor(sec);
  const pad = (n: number) => String(n).padStart(2, "0");
  const days = Math.floor(s / 86400);
  const hms = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}-${hms}` : hms;
}

function ttyName(nr: number): string {
  if (nr === 0) return "?";
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  if (major === 4) return `ttyS${minor - 64}`;
  return "?";
}

async function bootTimeSec(): Promise<number> {
  const text = await readFile("/proc/stat", "utf8");
  const m = /^btime (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function hostUserNames(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const text = await readFile("/etc/passwd", "utf8").catch(() => "");
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && /^\d+$/.test(f[2]!) && !out.has(Number(f[2]))) out.set(Number(f[2]), f[0]!);
  }
  return out;
}

/** Runs host `ps` with the given arguments and keeps the rows of the container's pids (moby's parsePSOutput). */
async function hostPsTop(pids: readonly number[], psArgs: string): Promise<TopResult> {
  const args = psArgs.split(/\s+/).filter((a) => a !== "");
  const output = await new Promise<string>((resolve, reject) => {
    execFile("ps", args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(internal(`top: ps ${psArgs}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) throw internal(`top: ps ${psArgs} printed nothing`);
  const titles = lines[0]!.trim().split(/\s+/);
  const pidIndex = titles.indexOf("PID");
  if (pidIndex < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const want = new Set(pids.map(String));
  const rows: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!want.has(fields[pidIndex] ?? "")) continue;
    // The last column (the command) may contain spaces: everything past the titles belongs to it.
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(" "));
    rows.push(row);
  }
  return { Titles: titles, Processes: rows };
}
