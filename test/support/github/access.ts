/** Who may do what (`repos/get-collaborator-permission-level`) and reactions to comments (`reactions/*`). */
import { notFound, type Handlers } from "./http.js";
import type { Shapes } from "./shapes.js";
import type { World } from "./world.js";

export function accessHandlers(world: World, shapes: Shapes): Handlers {
  const { state, options, viewer, now } = world;
  const { userJson } = shapes;
  return {
    "repos/get-collaborator-permission-level": (ctx) => {
      const login = String(ctx.params["username"]);
      const role = Object.entries(options.permissions ?? {}).find(
        ([name]) => name.toLowerCase() === login.toLowerCase(),
      )?.[1];
      // GitHub's `permission` folds maintain into write and triage into read; `role_name` keeps them.
      const role_name = role ?? "read";
      const permission = role_name === "maintain" ? "write" : role_name === "triage" ? "read" : role_name;
      const id = 5_000 + Array.from(login, (c) => c.charCodeAt(0)).reduce((sum, n) => sum + n, 0);
      return {
        status: 200,
        body: {
          permission,
          role_name,
          user: {
            ...(userJson({ login, id, type: "User" }) as Record<string, unknown>),
            permissions: {
              admin: permission === "admin",
              maintain: role_name === "maintain" || permission === "admin",
              push: permission === "admin" || permission === "write",
              triage: permission !== "none" && permission !== "read" ? true : role_name === "triage",
              pull: permission !== "none",
            },
            role_name,
          },
        },
      };
    },
    "reactions/create-for-issue-comment": (ctx) => {
      const commentId = Number(ctx.params["comment_id"]);
      if (!state.issueComments.some((c) => c.id === commentId)) return notFound;
      const content = String(ctx.body["content"]);
      const existing = state.reactions.find(
        (r) => r.commentId === commentId && r.content === content && r.user.login === viewer.login,
      );
      if (existing === undefined) state.reactions.push({ commentId, content, user: viewer });
      return {
        // GitHub answers 200 when the same user already gave this reaction, 201 when it is new.
        status: existing === undefined ? 201 : 200,
        body: {
          id: world.nextId(),
          node_id: `REA_${commentId}_${content}`,
          user: userJson(viewer),
          content,
          created_at: now(),
        },
      };
    },
  };
}
