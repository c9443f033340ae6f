import { startProcess, stopProcess, type ServiceProcess } from "../scripts/lib/local-services.js";

/** Starts bare-express-process.ts; resolves with the process and its base URL. */
export async function startBareExpress(): Promise<{ service: ServiceProcess; url: string }> {
  const service = startProcess("bench/bare-express-process.ts", {}, { label: "bare-express", ipc: true });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the bare Express server did not start within 20 s")), 20_000);
    service.child.once("message", (message: { ready?: number }) => {
      clearTimeout(timer);
      if (typeof message.ready === "number") resolve(message.ready);
      else reject(new Error("unexpected first message from the bare Express server"));
    });
    service.child.once("exit", (code) => reject(new Error(`the bare Express server exited with ${code}:\n${service.output()}`)));
  });
  return { service, url: `http://127.0.0.1:${port}` };
}

export async function stopBareExpress(service: ServiceProcess): Promise<void> {
  await stopProcess(service, 5_000).catch(() => null);
}
