import { setTimeout as sleep } from "node:timers/promises";

export interface BuildRequest {
  buildId: number;
  workspaceName: string;
  modelName: string;
  version: string;
  labels: string[];
}

/** A build that failed for a reason the user can read (shown as the scan's error message). */
export class BuildFailedError extends Error {
  override name = "BuildFailedError";
}

/** Turns a model version into a container image. Pluggable: the worker takes any implementation. */
export interface Builder {
  build(request: BuildRequest, signal?: AbortSignal): Promise<{ imageUrl: string }>;
}

/** A version carrying this label fails to build with the simulated builder (for tests and demos). */
export const SIMULATE_BUILD_FAILURE_LABEL = "modelhooks.simulate-build-failure";

/** The default builder: stands in for a container build taking `durationMs`. */
export class SimulatedBuilder implements Builder {
  constructor(private readonly durationMs: number) {}

  async build(request: BuildRequest, signal?: AbortSignal): Promise<{ imageUrl: string }> {
    await sleep(this.durationMs, undefined, { signal });
    if (request.labels.includes(SIMULATE_BUILD_FAILURE_LABEL)) {
      throw new BuildFailedError(
        `simulated build failure: model version ${request.modelName}:${request.version} carries the label ${SIMULATE_BUILD_FAILURE_LABEL}`,
      );
    }
    const tag = `${request.version}-build${request.buildId}`.replace(/[^\w.-]/g, "-");
    const name = `${request.workspaceName}/${request.modelName}`.toLowerCase().replace(/[^a-z0-9/._-]/g, "-");
    return { imageUrl: `registry.modelhooks.local/${name}:${tag}` };
  }
}

/** The builder named by configuration (`BUILDER`): a deployment picks one without editing code. */
export function createBuilder(settings: { BUILDER: "simulated"; BUILD_DURATION_MS: number }): Builder {
  switch (settings.BUILDER) {
    case "simulated":
      return new SimulatedBuilder(settings.BUILD_DURATION_MS);
  }
}
