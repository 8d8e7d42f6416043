/** The Git Data API (`git/*`) over a real bare repository, and file contents (`repos/get-content`). */
import { GitDataError } from "../git-data.js";
import { notFound, unprocessable, type Handlers } from "./http.js";
import type { Shapes } from "./shapes.js";
import type { World } from "./world.js";

export function gitHandlers(world: World, shapes: Shapes): Handlers {
  const { state, options, base, repoPath, htmlRepo, viewer, gitData, needGit } = world;
  const { refJson, commitJson } = shapes;
  return {
    "git/get-ref": (ctx) => {
      const ref = String(ctx.params["ref"]);
      if (!ref.startsWith("heads/")) return notFound;
      const sha = gitData
        ? (gitData.resolve(`refs/${ref}`) ?? undefined)
        : state.refs.get(ref.replace(/^heads\//, ""));
      return sha === undefined ? notFound : { status: 200, body: refJson(`refs/${ref}`, sha) };
    },
    "git/get-tree": (ctx) => {
      const sha = String(ctx.params["tree_sha"]);
      const files = state.contentsAt.get(sha) ?? (sha === "main" ? state.contents : undefined);
      if (files === undefined) {
        const entries = gitData?.lsTree(sha, ctx.query["recursive"] !== undefined);
        if (!gitData || !entries) return notFound;
        const treeSha = gitData.resolve(`${sha}^{tree}`) ?? sha;
        return {
          status: 200,
          body: {
            sha: treeSha,
            url: `${base}${repoPath}/git/trees/${treeSha}`,
            truncated: false,
            tree: entries.map((entry) => ({
              path: entry.path,
              mode: entry.mode,
              type: entry.type,
              sha: entry.sha,
              ...(entry.size === undefined ? {} : { size: entry.size }),
              url: `${base}${repoPath}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`,
            })),
          },
        };
      }
      return {
        status: 200,
        body: {
          sha,
          url: `${base}${repoPath}/git/trees/${sha}`,
          truncated: false,
          tree: [...files.keys()].sort().map((path) => ({
            path,
            mode: "100644",
            type: "blob",
            sha: "e".repeat(40),
            size: Buffer.byteLength(files.get(path) ?? ""),
            url: `${base}${repoPath}/git/blobs/${"e".repeat(40)}`,
          })),
        },
      };
    },
    "repos/get-content": (ctx) => {
      const path = String(ctx.params["path"]);
      const ref = typeof ctx.query["ref"] === "string" ? ctx.query["ref"] : undefined;
      const seeded = (ref === undefined ? state.contents : state.contentsAt.get(ref))?.get(path);
      const blob = seeded === undefined && gitData ? gitData.readBlob(ref ?? "HEAD", path) : null;
      if (seeded === undefined && blob === null) return notFound;
      const bytes = blob?.content ?? Buffer.from(seeded ?? "", "utf8");
      const blobSha = blob?.sha ?? "e".repeat(40);
      const url = `${base}${repoPath}/contents/${path}`;
      const html = `${htmlRepo}/blob/main/${path}`;
      const git = `${base}${repoPath}/git/blobs/${blobSha}`;
      // Over 1 MB GitHub sends the file's metadata without its content (`encoding: "none"`).
      const tooLarge = bytes.length > 1024 * 1024;
      return {
        status: 200,
        body: {
          type: "file",
          encoding: tooLarge ? "none" : "base64",
          size: bytes.length,
          name: path.split("/").at(-1) ?? path,
          path,
          content: tooLarge ? "" : bytes.toString("base64"),
          sha: blobSha,
          url,
          git_url: git,
          html_url: html,
          download_url: `https://raw.githubusercontent.com/${options.owner}/${options.repo}/main/${path}`,
          _links: { self: url, git, html },
        },
      };
    },
    // ---- the Git Data API, backed by the real bare repository (`gitDir`) ----
    "git/get-commit": (ctx) => {
      const commit = needGit().readCommit(String(ctx.params["commit_sha"]));
      return commit === null ? notFound : { status: 200, body: commitJson(commit) };
    },
    "git/create-blob": (ctx) => {
      const encoding = ctx.body["encoding"] ?? "utf-8";
      if (encoding !== "utf-8" && encoding !== "base64") {
        return unprocessable(`encoding must be utf-8 or base64, not ${JSON.stringify(encoding)}`);
      }
      const content = Buffer.from(String(ctx.body["content"]), encoding === "base64" ? "base64" : "utf8");
      const sha = needGit().hashBlob(content);
      return { status: 201, body: { url: `${base}${repoPath}/git/blobs/${sha}`, sha } };
    },
    "git/create-tree": (ctx) => {
      const git = needGit();
      const entries = ctx.body["tree"] as Array<{
        path: string;
        mode: string;
        type: string;
        sha?: string | null;
        content?: string;
      }>;
      for (const entry of entries) {
        if (entry.sha !== undefined && entry.content !== undefined) {
          return unprocessable("tree entries take either sha or content, not both");
        }
      }
      const baseTree = typeof ctx.body["base_tree"] === "string" ? ctx.body["base_tree"] : undefined;
      const sha = git.writeTree(baseTree, entries);
      const tree = git.lsTree(sha, false) ?? [];
      return {
        status: 201,
        body: {
          sha,
          url: `${base}${repoPath}/git/trees/${sha}`,
          truncated: false,
          tree: tree.map((entry) => ({
            path: entry.path,
            mode: entry.mode,
            type: entry.type,
            sha: entry.sha,
            ...(entry.size === undefined ? {} : { size: entry.size }),
            url: `${base}${repoPath}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`,
          })),
        },
      };
    },
    "git/create-commit": (ctx) => {
      const git = needGit();
      const bot = { name: viewer.login, email: `${viewer.id}+${viewer.login}@users.noreply.github.com` };
      const author = (ctx.body["author"] as { name: string; email: string } | undefined) ?? bot;
      const committer = (ctx.body["committer"] as { name: string; email: string } | undefined) ?? author;
      const sha = git.commitTree({
        tree: String(ctx.body["tree"]),
        parents: (ctx.body["parents"] as string[] | undefined) ?? [],
        message: String(ctx.body["message"]),
        author,
        committer,
      });
      const commit = git.readCommit(sha);
      return commit === null ? notFound : { status: 201, body: commitJson(commit) };
    },
    "git/create-ref": (ctx) => {
      const git = needGit();
      const ref = String(ctx.body["ref"]);
      const sha = String(ctx.body["sha"]);
      if (!/^refs\/.+\/.+/.test(ref)) return unprocessable(`${ref} is not a valid ref name.`);
      if (git.resolve(ref) !== null) throw new GitDataError(422, "Reference already exists");
      if (git.resolve(`${sha}^{commit}`) === null) throw new GitDataError(422, "Object does not exist");
      git.updateRef(ref, sha, null);
      return { status: 201, body: refJson(ref, sha) };
    },
    "git/update-ref": (ctx) => {
      const git = needGit();
      const ref = `refs/${String(ctx.params["ref"])}`;
      const sha = String(ctx.body["sha"]);
      const current = git.resolve(ref);
      if (current === null) throw new GitDataError(422, "Reference does not exist");
      if (git.resolve(`${sha}^{commit}`) === null) throw new GitDataError(422, "Object does not exist");
      // GitHub's rule: without force, only a fast-forward (the new commit descends from the current one).
      if (ctx.body["force"] !== true && !git.isAncestor(current, sha)) {
        throw new GitDataError(422, "Update is not a fast forward");
      }
      git.updateRef(ref, sha, current);
      return { status: 200, body: refJson(ref, sha) };
    },
    "git/delete-ref": (ctx) => {
      const git = needGit();
      const ref = `refs/${String(ctx.params["ref"])}`;
      const current = git.resolve(ref);
      if (current === null) throw new GitDataError(422, "Reference does not exist");
      git.deleteRef(ref, current);
      return { status: 204 };
    },
  };
}
