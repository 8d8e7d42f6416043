/** Where the engine reads files from: the workspace, or a git revision (rubrics from the PR's base). */
export interface FileSource {
  /** Where the source reads from, for messages (a folder on disk); unset for a commit of a remote. */
  readonly where?: string;
  /** Every file path, relative, with forward slashes. */
  list(): Promise<string[]>;
  /** Paths matching a glob (with the source's own ignores). */
  glob(pattern: string): Promise<string[]>;
  /**
   * The file's bytes, or null when it does not exist. Throws `UnreadableFileError` for a file the
   * source will not read: one behind a symbolic link it does not follow, one outside the workspace,
   * a special file, or one over `maxBytes`.
   */
  read(path: string, options?: { maxBytes?: number }): Promise<Uint8Array | null>;
  /**
   * The file's size in bytes without reading it, or null when unknown; used to balance shards. A source
   * without it (a commit read through an API) balances shards by file count.
   */
  size?(path: string): Promise<number | null>;
}

/** Why a source refused to read a file. */
export type UnreadableKind = "link" | "outside" | "special" | "too_large";

/** A source refused to read a file (see `FileSource.read`); the message says why, for the report. */
export class UnreadableFileError extends Error {
  override readonly name = "UnreadableFileError";
  constructor(
    readonly path: string,
    readonly kind: UnreadableKind,
    message: string,
  ) {
    super(message);
  }
}

/** Where the engine writes a revision back (CLI `--revise`). Atomic per file. */
export interface FileSink {
  /**
   * Writes `content`. With `expected` (the bytes that were graded), only while the file still holds
   * exactly those bytes; a file changed meanwhile, or a path the sink will not write through (a
   * symbolic link), throws `WriteRefusedError` and nothing is written.
   */
  write(path: string, content: Uint8Array, expected?: Uint8Array): Promise<void>;
}

/** A sink did not write a revision back, so as not to overwrite someone's edit; the message says why. */
export class WriteRefusedError extends Error {
  override readonly name = "WriteRefusedError";
}

/** A file's bytes (null when it does not exist), or why the source refused to read it. */
export type Checked = { ok: true; bytes: Uint8Array | null } | { ok: false; reason: string };

/** Reads a file for a caller that reports a refusal as a problem rather than a skip. */
export async function readChecked(
  source: FileSource,
  path: string,
  options?: { maxBytes?: number },
): Promise<Checked> {
  try {
    return { ok: true, bytes: await source.read(path, options) };
  } catch (error) {
    if (error instanceof UnreadableFileError) return { ok: false, reason: error.message };
    throw error;
  }
}
