/**
 * A hijacked HTTP connection for attach and exec (moby api/server/httputils HijackConnection and
 * the attach/exec routes). The status line the client expects:
 * - it asked to upgrade (`Connection: Upgrade`, `Upgrade: tcp`, what the docker CLI, dockerode
 *   and docker-py send): `HTTP/1.1 101 UPGRADED`, `Connection: Upgrade`, `Upgrade: tcp`, and
 *   `Content-Type: application/vnd.docker.multiplexed-stream` for a framed stream (API >= 1.42)
 *   or `application/vnd.docker.raw-stream`;
 * - it did not (old clients): `HTTP/1.1 200 OK` with `Content-Type: application/vnd.docker.raw-stream`
 *   and the bare connection after the headers.
 * After the blank line the socket is a plain byte pipe: client bytes are stdin, server bytes are
 * output (framed with stdcopy unless the process has a TTY).
 *
 * Half-close: the client shuts down its write side when its stdin ends; that ends `stdin` here
 * (the container sees EOF) while output keeps flowing. `close()` ends our side and releases the
 * socket once the client is gone too.
 */
import { PassThrough, type Readable, type Writable } from "node:stream";
import type { Socket } from "node:net";
import { encodeFrame, frameWriter, rawWriter, STDERR, STDOUT, SYSTEMERR } from "./stdcopy.js";

export const MEDIA_RAW_STREAM = "application/vnd.docker.raw-stream";
export const MEDIA_MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream";

/** How long a closed session waits for the client's FIN before dropping the socket. */
const LINGER_MS = 5000;

export interface HijackHead {
  /** The client sent Upgrade headers (101 path) or not (200 path). */
  upgrade: boolean;
  /** Content type announced on the 101 path. */
  contentType: string;
  /** Extra header lines (the server's common headers), without the final blank line. */
  headers: Record<string, string>;
}

export function hijackStatusLines(head: HijackHead): string {
  let s = head.upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${head.contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${MEDIA_RAW_STREAM}\r\n`;
  for (const [k, v] of Object.entries(head.headers)) s += `${k}: ${v}\r\n`;
  return s + "\r\n";
}

export class HijackedSession {
  readonly stdout: Writable;
  readonly stderr: Writable;
  private stdinStream: PassThrough | null = null;
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly multiplexed: boolean,
    /** False when node's HTTP parser still owns the read side (no-upgrade path). */
    private readonly readable: boolean,
  ) {
    this.stdout = multiplexed ? frameWriter(socket, STDOUT) : rawWriter(socket);
    this.stderr = multiplexed ? frameWriter(socket, STDERR) : this.stdout;
    // Writes racing a vanished client fail; the session's signal already tells the backend.
    this.stdout.on("error", () => {});
    this.stderr.on("error", () => {});
  }

  /**
   * The client's bytes as a stream that ends on half-close. Null when the read side cannot be
   * taken over (a client that did not upgrade: node keeps parsing those bytes as HTTP).
   */
  stdin(): Readable | null {
    if (!this.readable) return null;
    if (!this.stdinStream) {
      const stdin = new PassThrough();
      this.stdinStream = stdin;
      this.socket.pipe(stdin);
      // A client that vanishes without a FIN still means "no more input".
      this.socket.once("close", () => { if (!stdin.writableEnded) stdin.end(); });
    }
    return this.stdinStream;
  }

  /** Reports a failure after the status line went out, where the client will show it. */
  reportError(message: string): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(this.multiplexed ? encodeFrame(SYSTEMERR, message + "\n") : message + "\r\n");
  }

  /**
   * Ends our side. The socket is released when the client closes its side too (node destroys a
   * socket whose both directions ended) or, for a client that never does, after a grace period.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.socket;
    if (this.stdinStream) {
      s.unpipe(this.stdinStream);
      if (!this.stdinStream.writableEnded) this.stdinStream.end();
    }
    if (s.destroyed) return;
    s.end();
    const t = setTimeout(() => s.destroy(), LINGER_MS);
    t.unref();
    s.once("close", () => clearTimeout(t));
    // Read (and drop) whatever input is still in flight so the client's FIN is seen.
    if (this.readable) s.resume();
  }
}
