import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";

// The house's rules that a linter cannot see across files: every workspace declares what it
// imports, packages never depend on apps, and the packages' dependency graph has no cycle.

const ROOT = path.resolve(import.meta.dirname, "../..");
const WORKSPACES = [
  ...readdirSync(path.join(ROOT, "packages")).map((name) => `packages/${name}`),
  ...readdirSync(path.join(ROOT, "apps")).map((name) => `apps/${name}`),
].filter((dir) => statSync(path.join(ROOT, dir, "package.json"), { throwIfNoEntry: false }));

interface Workspace {
  dir: string;
  name: string;
  declared: Set<string>;
  imported: Set<string>;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ["generated", "node_modules", "dist"].includes(entry.name) ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

const packageName = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

function readWorkspace(dir: string): Workspace {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const imported = new Set<string>();
  for (const file of sourceFiles(path.join(ROOT, dir, "src"))) {
    // Type-only imports count too: they still tie this workspace to that one.
    for (const match of readFileSync(file, "utf8").matchAll(/(?:from\s+|import\s*\(\s*)"([^".][^"]*)"/g)) {
      const specifier = match[1] as string;
      if (!specifier.startsWith("node:")) imported.add(packageName(specifier));
    }
  }
  return {
    dir,
    name: manifest.name,
    declared: new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]),
    imported,
  };
}

const workspaces = WORKSPACES.map(readWorkspace);
const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
const internal = (workspace: Workspace) => [...workspace.declared].filter((name) => byName.has(name));

describe("package boundaries", () => {
  it.each(workspaces.map((workspace) => [workspace.dir, workspace] as const))(
    "%s declares every package it imports, and only those of ours",
    (_dir, workspace) => {
      expect([...workspace.imported].filter((name) => !workspace.declared.has(name)).sort()).toEqual([]);
      expect(
        internal(workspace)
          .filter((name) => !workspace.imported.has(name))
          .sort(),
      ).toEqual([]);
    },
  );

  it("packages never depend on apps", () => {
    const offending = workspaces
      .filter((workspace) => workspace.dir.startsWith("packages/"))
      .flatMap((workspace) =>
        internal(workspace)
          .filter((name) => byName.get(name)?.dir.startsWith("apps/"))
          .map((name) => `${workspace.name} → ${name}`),
      );
    expect(offending).toEqual([]);
  });

  it("the dependency graph of our packages has no cycle", () => {
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]) => {
      if (trail.includes(name)) return void cycles.push([...trail.slice(trail.indexOf(name)), name].join(" → "));
      for (const next of internal(byName.get(name) as Workspace)) visit(next, [...trail, name]);
    };
    for (const workspace of workspaces) visit(workspace.name, []);
    expect(cycles).toEqual([]);
  });
});
