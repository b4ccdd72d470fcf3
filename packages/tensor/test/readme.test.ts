import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pkg = join(import.meta.dirname, "..");

describe("README", () => {
  it("the example runs as written with `npx tsx --conditions=@mini/source`", () => {
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Example")))?.[1];
    expect(code).toBeDefined();
    // Inside the package, so `@mini/tensor` resolves by self-reference as it would for a user.
    const file = join(pkg, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code!);
    let out = "";
    try {
      const tsx = join(pkg, "..", "..", "node_modules", ".bin", "tsx");
      out = execFileSync(tsx, ["--conditions=@mini/source", file], { cwd: pkg, encoding: "utf8", timeout: 120_000 });
    } finally {
      rmSync(file, { force: true });
    }
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("[ 2, 3, 4 ]");
    expect(lines[1]).toBe("[ 1, 0, 0 ]"); // the comment in the README says so
    expect(lines[2]).toBe("[ 2, 3, 8 ]");
    expect(out).toContain("[ 'b', 'w' ]");
    expect(out).toContain("note: 'example'");
  });
});
