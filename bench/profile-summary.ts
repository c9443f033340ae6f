// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package.
// Also a command: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of the busy time (everything but idle). */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  topFunctions: SelfTime[];
  byPackage: SelfTime[];
  /**
   * Self time charged to the nearest package up the stack that is not node itself: a socket write
   * made for pg counts for pg, one made by got's request for got.
   */
  byCallingPackage: SelfTime[];
}

// Frames that do work on someone else's behalf: charged to their caller in byCallingPackage.
const CARRIERS = new Set(["node: (internals)", "(native)", "(anonymous)"]);

export async function summarizeProfile(file: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known) return known;
    const frame = frames.get(id);
    const pkg = frame ? packageOf(frame) : "(root)";
    const parent = parents.get(id);
    const owner = CARRIERS.has(pkg) && parent !== undefined && frames.get(parent)?.functionName !== "(root)" ? ownerOf(parent) : pkg;
    owners.set(id, owner);
    return owner;
  };
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byCallingPackage = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    const frame = frames.get(id);
    if (!frame) return;
    totalUs += us;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      return;
    }
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const owner = ownerOf(id);
    byCallingPackage.set(owner, (byCallingPackage.get(owner) ?? 0) + us);
  });
  const busyUs = totalUs - idleUs;
  const ranked = (table: Map<string, number>, limit: number): SelfTime[] =>
    [...table.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
  return {
    file,
    wallMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    topFunctions: ranked(byFunction, top),
    byPackage: ranked(byPackage, 20),
    byCallingPackage: ranked(byCallingPackage, 20),
  };
}

/** node_modules/<pkg> (the innermost), our own packages and apps, node's internals, V8's pseudo-frames. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node: (internals)";
  const inModules = url.lastIndexOf("node_modules/");
  if (inModules >= 0) {
    const parts = url.slice(inModules + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? url);
  }
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ours) return ours[1] === "packages" ? `@modelhooks/${ours[2]}` : `apps/${ours[2]}`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  const inModules = url.lastIndexOf("node_modules/");
  if (inModules >= 0) return url.slice(inModules + "node_modules/".length);
  const ours = /\/((?:packages|apps|bench|scripts)\/.*)$/.exec(url);
  return ours?.[1] ?? url.replace(/^file:\/\//, "");
}

export function formatSummary(summary: ProfileSummary, label: string): string {
  const lines = [
    `${label}: ${path.basename(summary.file)} — ${(summary.wallMs / 1000).toFixed(1)} s profiled, ${(summary.busyMs / 1000).toFixed(1)} s busy, ${(summary.idleMs / 1000).toFixed(1)} s idle`,
    "  self time by package:",
    ...summary.byPackage
      .slice(0, 12)
      .map((entry) => `    ${entry.percent.toFixed(1).padStart(5)}%  ${String(entry.selfMs).padStart(6)} ms  ${entry.name}`),
    "  self time charged to the calling package (node's own work counted for whoever asked for it):",
    ...summary.byCallingPackage
      .slice(0, 12)
      .map((entry) => `    ${entry.percent.toFixed(1).padStart(5)}%  ${String(entry.selfMs).padStart(6)} ms  ${entry.name}`),
    "  top functions (self time):",
    ...summary.topFunctions.map(
      (entry) => `    ${entry.percent.toFixed(1).padStart(5)}%  ${String(entry.selfMs).padStart(6)} ms  ${entry.name}`,
    ),
  ];
  return lines.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const summary = await summarizeProfile(file, Number(process.argv[3] ?? 30));
  process.stdout.write(`${formatSummary(summary, "profile")}\n`);
}
