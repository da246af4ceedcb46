/** Wire types of the volume routes (moby api/types/volume). */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
  Labels: Record<string, string>;
  Scope: "local" | "global";
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface VolumeListResponse { Volumes: Volume[]; Warnings: string[] | null }
export interface VolumePruneResponse { VolumesDeleted: string[] | null; SpaceReclaimed: number }
