import { describe, expect, it } from "vitest";
import { deliveryProblem } from "../../src/delivery/guard.js";

const limits = { maxBytes: 256 * 1024 };
const doc = "# Title\n\nSome text that is long enough to be a document.\n".repeat(8);

describe("deliveryProblem", () => {
  it("lets a sane revision through", () => {
    expect(deliveryProblem("docs/a.md", doc, doc.replace("Some", "More"), limits)).toBeNull();
  });

  it.each([
    [".github/workflows/ci.yml", "protected path"],
    ["action.yml", "protected path"],
    ["CODEOWNERS", "protected path"],
    ["docs/AGENTS.md", "protected path"],
    ["package.json", "protected path"],
    ["../outside.md", "leaves the workspace"],
    ["/etc/passwd", "not a path inside the repository"],
  ])("refuses %s", (path, reason) => {
    expect(deliveryProblem(path, doc, doc.replace("Some", "More"), limits)).toContain(reason);
  });

  it.each([
    ["an emptied file", doc, " \n", "empties the file"],
    ["a file shrunk by more than half", doc, doc.slice(0, 50), "shrinks the file"],
    ["CRLF turned into LF", doc.replace(/\n/g, "\r\n"), doc, "line endings from CRLF to LF"],
    ["a dropped byte-order mark", `\uFEFF${doc}`, doc, "byte-order mark"],
    ["a token-shaped string", doc, `${doc}ghp_${"a".repeat(36)}\n`, "token-shaped"],
    ["a NUL character", doc, `${doc}\0`, "NUL"],
    ["a lone surrogate", doc, `${doc}\uD800`, "not valid Unicode"],
    ["a file grown past max-file-bytes", doc, doc + "x".repeat(300 * 1024), "over the limit"],
    ["a file grown beyond reason", doc, doc + "y".repeat(20 * 1024), "grows the file"],
  ])("refuses %s", (_name, original, revised, reason) => {
    expect(deliveryProblem("docs/a.md", original, revised, limits)).toContain(reason);
  });
});
