import { Header, Pax } from "tar";
import type { Writable } from "node:stream";

/**
 * A minimal streaming tar writer for archives berth produces (image archives, OCI layouts):
 * regular files and directories, with a PAX header when a name does not fit ustar. Header
 * encoding is node-tar's. Writes honour backpressure of the destination.
 */
const BLOCK = 512;
const EPOCH = new Date(0);

export class TarWriter {
  constructor(private readonly out: Writable) {}

  private async put(buf: Buffer): Promise<void> {
    if (!this.out.write(buf)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { this.out.off("error", onError); resolve(); };
        const onError = (e: Error) => { this.out.off("drain", onDrain); reject(e); };
        this.out.once("drain", onDrain);
        this.out.once("error", onError);
      });
    }
  }

  private async header(path: string, type: "File" | "Directory", size: number, mode: number): Promise<void> {
    const data = { path, type, size, mode, uid: 0, gid: 0, mtime: EPOCH, uname: "", gname: "" } as const;
    const h = new Header(data);
    const block = Buffer.alloc(BLOCK);
    h.encode(block, 0);
    if (h.needPax) {
      const pax = new Pax({ path, size, mtime: EPOCH }).encode();
      await this.put(pax);
      // The ustar fields then carry a truncated name; readers take the PAX one.
      const short = new Header({ ...data, path: path.slice(-99) });
      const b2 = Buffer.alloc(BLOCK);
      short.encode(b2, 0);
      await this.put(b2);
      return;
    }
    await this.put(block);
  }

  async directory(path: string): Promise<void> {
    await this.header(path.endsWith("/") ? path : `${path}/`, "Directory", 0, 0o755);
  }

  /** Writes a file whose body is a buffer. */
  async file(path: string, data: Buffer, mode = 0o644): Promise<void> {
    await this.header(path, "File", data.length, mode);
    await this.put(data);
    await this.pad(data.length);
  }

  /** Writes a file from a stream that must yield exactly `size` bytes. */
  async fileFrom(path: string, size: number, body: AsyncIterable<Uint8Array>, mode = 0o644): Promise<void> {
    await this.header(path, "File", size, mode);
    let n = 0;
    for await (const chunk of body) {
      n += chunk.length;
      if (n > size) throw new Error(`write tar entry ${path}: body longer than the declared ${size} bytes`);
      await this.put(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    }
    if (n !== size) throw new Error(`write tar entry ${path}: body has ${n} bytes, declared ${size}`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await this.put(Buffer.alloc(pad));
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await this.put(Buffer.alloc(BLOCK * 2));
  }
}
