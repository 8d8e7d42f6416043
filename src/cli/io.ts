/** What a CLI command may touch: its directory, environment, output streams and cancellation. */
export interface CliIo {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal;
}
