import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pkg = join(import.meta.dirname, "..");

describe("README", () => {
  it("the example runs as written with `npx tsx --conditions=@mini/source` and learns", () => {
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Example"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeDefined();
    // Inside the package, so `@mini/nn` resolves by self-reference as for a user's package.
    const file = join(pkg, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code!);
    let out = "";
    try {
      const tsx = join(pkg, "..", "..", "node_modules", ".bin", "tsx");
      out = execFileSync(tsx, ["--conditions=@mini/source", file], { cwd: pkg, encoding: "utf8", timeout: 120_000 });
    } finally {
      rmSync(file, { force: true });
    }
    const final = Number(/final loss ([\d.]+)/.exec(out)?.[1]);
    expect(final).toBeLessThan(0.05);
    const m = /input ([\d ]+) → copy ([\d ]+)/.exec(out);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(m![1]);
  });
});
