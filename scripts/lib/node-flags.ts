/**
 * Node flags of the worker process. Its live heap is about 50 MB, but an uncapped V8 lets it grow
 * to ~400 MB before collecting (docs/performance.md); the cap keeps RSS near 280 MB with no
 * measured loss of throughput. package.json's start:worker passes the same flag.
 */
export const WORKER_NODE_FLAGS = ["--max-old-space-size=160"];
