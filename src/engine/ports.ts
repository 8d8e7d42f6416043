/** Where the engine reads files from: the workspace, or a git revision (rubrics from the PR's base). */
export interface FileSource {
  /** Every file path, relative, with forward slashes. */
  list(): Promise<string[]>;
  /** Paths matching a glob (with the source's own ignores). */
  glob(pattern: string): Promise<string[]>;
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
}

/** Where the engine writes a revision back (CLI `--revise`). Atomic per file. */
export interface FileSink {
  write(path: string, content: Uint8Array): Promise<void>;
}

/** Time, injectable so that deadlines and latencies are testable. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
