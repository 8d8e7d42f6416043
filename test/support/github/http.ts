/** The handlers' shared vocabulary: a request context, a result, GitHub's error answers, pagination. */
import { GitDataError } from "../git-data.js";
import type { Json } from "./types.js";

export interface Context {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  url: URL;
}
export interface Result {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
  /** GitHub's legitimate refusal (e.g. a ref update that is not a fast-forward), not a client mistake. */
  refusal?: boolean;
}

export function runHandler(handler: (ctx: Context) => Result, ctx: Context): Result {
  try {
    return handler(ctx);
  } catch (error) {
    if (!(error instanceof GitDataError)) throw error;
    return {
      status: error.status,
      body: {
        message: error.message,
        documentation_url: "https://docs.github.com/rest/git",
        status: String(error.status),
      },
      refusal: true,
    };
  }
}

export const notFound: Result = {
  status: 404,
  body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
};
export const forbidden = (doc: string): Result => ({
  status: 403,
  body: { message: "Resource not accessible by integration", documentation_url: doc, status: "403" },
});
// Rules GitHub enforces beyond the schema (e.g. a review comment off the diff); recorded as violations.
export const unprocessable = (...errors: string[]): Result => ({
  status: 422,
  body: {
    message: "Unprocessable Entity",
    errors,
    documentation_url: "https://docs.github.com/rest",
    status: "422",
  },
});

/** A page of a list, with GitHub's `Link` header (per_page ≤ 100, default 30). */
export function paginate<T>(ctx: Context, items: T[], toJson: (item: T) => Json, cap = Infinity): Result {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query["per_page"] ?? 30)));
  const page = Math.max(1, Number(ctx.query["page"] ?? 1));
  const total = Math.min(items.length, cap);
  const last = Math.max(1, Math.ceil(total / perPage));
  const slice = items.slice((page - 1) * perPage, Math.min(page * perPage, total));
  const link = (n: number, rel: string): string => {
    const next = new URL(ctx.url.href);
    next.searchParams.set("per_page", String(perPage));
    next.searchParams.set("page", String(n));
    return `<${next.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, "prev"), link(1, "first")] : []),
    ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
  ];
  return {
    status: 200,
    body: slice.map(toJson),
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}

export type Handlers = Record<string, ((ctx: Context) => Result) | undefined>;
