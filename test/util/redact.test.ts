import { describe, expect, it } from "vitest";
import { inlineText, logText } from "../../src/util/redact.js";

describe("logText", () => {
  it.each([
    ["::error file=a.md::forged", "\\::error file=a.md::forged"],
    ["  ::add-mask::secret", "  \\::add-mask::secret"],
    ["\t::stop-commands::x", "\t\\::stop-commands::x"],
    ["##[error]old style", "\\##[error]old style"],
    ["ok\n::warning::second line", "ok\n\\::warning::second line"],
    ["a CR\r::error::after a carriage return", "a CR\n\\::error::after a carriage return"],
    ["not a command: a::b", "not a command: a::b"],
  ])("escapes a line the runner would obey: %j", (input, expected) => {
    expect(logText(input)).toBe(expected);
  });

  it("removes terminal escapes and bidi controls, and redacts tokens split by them", () => {
    expect(logText("\u001b[2Jclear \u202eevil")).toBe("[2Jclear evil");
    expect(logText("key ghp_\u0007A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8")).toBe("key [REDACTED]");
  });
});

describe("inlineText", () => {
  it("shows every kind of line break as ⏎, so a name stays on its line", () => {
    expect(inlineText("a\nb\r\nc\rd\u2028e\u2029f\u0085g", 100)).toBe("a⏎b⏎c⏎d⏎e⏎f⏎g");
  });
  it("caps the length", () => {
    expect(inlineText("x".repeat(10), 5)).toBe("xxxx…");
  });
});
