/**
 * Paths a model is never shown, whatever a rubric's globs or a judge's tool call ask for (SPEC §10):
 * git's own files and files shaped like secrets (environment files, keys, credentials).
 */
const SECRET_SHAPED: RegExp[] = [
  /(?:^|\/)\.git(?:\/|$)/,
  /(?:^|\/)\.env(?:\.[^/]*)?$/i,
  /(?:^|\/)\.envrc$/i,
  /\.(?:pem|key|p12|pfx|jks|keystore|asc|gpg|kdbx)$/i,
  /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?$/i,
  /(?:^|\/)\.(?:npmrc|pypirc|netrc|pgpass|htpasswd)$/i,
  /(?:^|\/)\.(?:aws|ssh|gnupg|docker)\//i,
  /(?:^|\/)(?:credentials|secrets?)(?:\.[^/]*)?$/i,
  /(?:^|\/)[^/]*secret[^/]*\.(?:json|ya?ml|toml|txt|ini)$/i,
];

/** Why a path is never shown to a model, or null. */
export function hiddenPathReason(path: string): string | null {
  if (path.split("/").includes("..") || path.startsWith("/")) return "it is outside the repository";
  return SECRET_SHAPED.some((pattern) => pattern.test(path))
    ? "git's own files and secret-shaped files (.env, keys, credentials) are never shown to a model"
    : null;
}
