// Where a service's memory goes, from its own Prometheus /metrics (prom-client's default metrics):
// the V8 heap, memory outside it (Buffers, wasm and native allocations V8 knows of), and RSS.
import { request } from "undici";

export interface MemoryBreakdown {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

const MB = 2 ** 20;

export async function scrapeMemory(metricsUrl: string): Promise<MemoryBreakdown | undefined> {
  try {
    const response = await request(metricsUrl, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await response.body.text();
    if (response.statusCode !== 200) return undefined;
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text)?.[1] ?? Number.NaN) / MB;
    return {
      rssMb: value("process_resident_memory_bytes"),
      heapUsedMb: value("nodejs_heap_size_used_bytes"),
      heapTotalMb: value("nodejs_heap_size_total_bytes"),
      externalMb: value("nodejs_external_memory_bytes"),
    };
  } catch {
    return undefined;
  }
}

/** The breakdown of every service that serves metrics, by name. */
export async function scrapeAll(endpoints: Record<string, string>): Promise<Record<string, MemoryBreakdown>> {
  const result: Record<string, MemoryBreakdown> = {};
  for (const [name, url] of Object.entries(endpoints)) {
    const memory = await scrapeMemory(url);
    if (memory) result[name] = memory;
  }
  return result;
}
