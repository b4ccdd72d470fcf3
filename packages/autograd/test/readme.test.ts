import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pkg = join(import.meta.dirname, "..");

describe("README", () => {
  it("the example runs as written and prints what the README says it prints", () => {
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Example"));
    const blocks = [...section.matchAll(/```(ts)?\n([\s\S]*?)```/g)];
    const code = blocks.find((b) => b[1] === "ts")?.[2];
    const printed = blocks.find((b) => b[1] === undefined)?.[2];
    expect(code).toBeDefined();
    expect(printed).toBeDefined();
    const file = join(pkg, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code!);
    let out = "";
    try {
      const tsx = join(pkg, "..", "..", "node_modules", ".bin", "tsx");
      out = execFileSync(tsx, ["--conditions=@mini/source", file], { cwd: pkg, encoding: "utf8", timeout: 120_000 });
    } finally {
      rmSync(file, { force: true });
    }
    expect(out.trim()).toBe(printed!.trim());
  });
});
