/**
 * The slice of dockerode (npm, v4; no bundled types, no @types package installed) that
 * test/e2e/dockerode.test.ts uses, typed as its README documents it.
 */
declare module "dockerode" {
  import type { Duplex, Readable, Writable } from "node:stream";

  interface ContainerInspect { Id: string; Name: string; State: { Status: string; ExitCode: number; Running: boolean }; Config: { Cmd: string[] }; Mounts: { Type: string; Name?: string; Destination: string }[] }
  interface Exec {
    id: string;
    start(opts: { hijack?: boolean; stdin?: boolean; Detach?: boolean; Tty?: boolean }): Promise<Duplex>;
    inspect(): Promise<{ ExitCode: number | null; Running: boolean; ContainerID: string }>;
  }
  interface Container {
    id: string;
    start(): Promise<unknown>;
    wait(opts?: { condition?: string }): Promise<{ StatusCode: number }>;
    logs(opts: { stdout?: boolean; stderr?: boolean; follow: true }): Promise<Readable>;
    logs(opts: { stdout?: boolean; stderr?: boolean; follow?: false }): Promise<Buffer>;
    exec(opts: { Cmd: string[]; AttachStdout?: boolean; AttachStderr?: boolean; Env?: string[] }): Promise<Exec>;
    inspect(): Promise<ContainerInspect>;
    kill(opts?: { signal?: string }): Promise<unknown>;
    top(): Promise<{ Titles: string[]; Processes: string[][] }>;
    stats(opts: { stream: false }): Promise<{ pids_stats: { current?: number }; memory_stats: { usage?: number } }>;
    pause(): Promise<unknown>;
    unpause(): Promise<unknown>;
    getArchive(opts: { path: string }): Promise<Readable>;
    remove(opts?: { force?: boolean; v?: boolean }): Promise<unknown>;
  }
  interface Volume { name: string; inspect(): Promise<{ Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> }>; remove(opts?: { force?: boolean }): Promise<unknown> }
  interface DockerOptions { socketPath: string; timeout?: number }
  class Docker {
    constructor(opts: DockerOptions);
    modem: { demuxStream(stream: Readable, stdout: Writable, stderr: Writable): void };
    ping(): Promise<Buffer | string>;
    version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }>;
    listImages(opts?: { all?: boolean }): Promise<{ Id: string; RepoTags: string[] | null; Size: number }[]>;
    listContainers(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ Id: string; Names: string[]; State: string }[]>;
    createContainer(opts: { Image: string; Cmd?: string[]; name?: string; Tty?: boolean; HostConfig?: Record<string, unknown>; Labels?: Record<string, string> }): Promise<Container>;
    getContainer(id: string): Container;
    createVolume(opts: { Name?: string; Labels?: Record<string, string> }): Promise<Volume>;
    listVolumes(opts?: { filters?: Record<string, string[]> }): Promise<{ Volumes: { Name: string; Driver: string }[]; Warnings: string[] | null }>;
    getVolume(name: string): Volume;
    run(image: string, cmd: string[], output: Writable, create?: { Tty?: boolean; HostConfig?: Record<string, unknown> }): Promise<[{ StatusCode: number }, Container]>;
    getEvents(opts?: { since?: number; until?: number; filters?: Record<string, string[]> }): Promise<Readable>;
  }
  export default Docker;
}
