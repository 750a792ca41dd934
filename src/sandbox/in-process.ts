import type { Sandbox } from "./server.js";

/**
 * A `fetch` answered by the sandbox in this process: the same routes, keys, limits, faults and request
 * log as over HTTP, with no socket. A dropped connection fails as fetch does; a hung request waits for
 * the caller's signal.
 */
export function inProcessFetch(sandbox: Sandbox): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    const text = typeof init?.body === "string" ? init.body : "";
    const outcome = await sandbox.respond({
      method: init?.method ?? "GET",
      url: `${url.pathname}${url.search}`,
      authorization: headers.get("authorization") ?? undefined,
      body: Promise.resolve(parse(text)),
    });
    if (outcome.kind === "reset") {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      });
    }
    if (outcome.kind === "hang") {
      const signal = init?.signal;
      await new Promise<never>((_resolve, reject) => {
        if (signal === undefined || signal === null) return;
        if (signal.aborted) reject(signal.reason as Error);
        signal.addEventListener("abort", () => {
          reject(signal.reason as Error);
        });
      });
    }
    if (outcome.kind === "flood") {
      const chunk = new Uint8Array(1024 * 1024).fill(0x78);
      return new Response(
        new ReadableStream({
          pull: (c) => {
            c.enqueue(chunk);
          },
        }),
        { status: 200 },
      );
    }
    if (outcome.kind !== "reply") throw new Error("unreachable");
    return new Response(outcome.text, { status: outcome.status, headers: outcome.headers });
  };
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
