/**
 * Address ranges of the test daemons running at the same time (the suite runs two test files at
 * once, each maybe with a daemon): a daemon's --bip and pool are chosen at random, and two that
 * drew the same /20 pool made networks that collided ("Pool overlaps with other one on this
 * address space"). A range is reserved by creating a file named after it (O_EXCL, holding the
 * owner's pid) in a directory shared by all test processes; a reservation whose owner is gone
 * (a crashed test file) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DIR = "/tmp/berth-test-ranges";

function ownerAlive(file: string): boolean {
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reserves a range `pick` draws (a CIDR); `release` gives it back. */
export function reserveRange(pick: () => string): { cidr: string; release: () => void } {
  mkdirSync(DIR, { recursive: true });
  for (let attempt = 0; attempt < 500; attempt++) {
    const cidr = pick();
    const file = join(DIR, cidr.replace(/\//g, "_"));
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return { cidr, release: () => rmSync(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // A test file that died without its cleanup: its ranges are free again.
      if (!ownerAlive(file)) rmSync(file, { force: true });
    }
  }
  throw new Error(`no free test address range after 500 draws (${DIR})`);
}
